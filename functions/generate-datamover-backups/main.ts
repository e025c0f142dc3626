#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { generateDataMoverBackups } from './function.js';

void main(generateDataMoverBackups);
