#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { rewriteImageRefs } from './function.js';

void main(rewriteImageRefs);
