#!/usr/bin/env node
/** The `krm-pipeline` executable: the pipeline CLI with this collection's functions in process. */
import { ConfigError } from '../lib/errors.js';
import { readStdin, VERSION } from '../lib/main.js';
import { pipelineMain } from '../lib/pipeline/cli.js';
import { functions } from './index.js';

async function readInputStream(): Promise<string> {
  if (process.stdin.isTTY) throw new ConfigError('no --input given and stdin is a terminal: give --input PATH, or pipe a ResourceList in');
  return readStdin();
}

pipelineMain(functions, process.argv.slice(2), { readStdin: readInputStream, stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), progressStream: process.stderr }, VERSION).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`krm-pipeline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
