#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { unquiesceWorkloads } from './function.js';

void main(unquiesceWorkloads);
