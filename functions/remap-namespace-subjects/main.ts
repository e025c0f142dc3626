#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { remapNamespaceSubjects } from './function.js';

void main(remapNamespaceSubjects);
