#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { generateDataMoverRestores } from './function.js';

void main(generateDataMoverRestores);
