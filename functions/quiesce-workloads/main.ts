#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { quiesceWorkloads } from './function.js';

void main(quiesceWorkloads);
