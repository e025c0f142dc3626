#!/usr/bin/env node
import { main } from '../../lib/main.js';
import { stripRouteHost } from './function.js';

void main(stripRouteHost);
