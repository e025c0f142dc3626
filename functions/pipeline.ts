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

// reproducible-builds.org's convention: seconds since the epoch, for the time stamps of archive entries.
const epoch = process.env.SOURCE_DATE_EPOCH;
const io = {
  readStdin: readInputStream,
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
  progressStream: process.stderr,
  ...(epoch && /^\d+$/.test(epoch) && { sourceDateEpoch: new Date(Number(epoch) * 1000) }),
};

pipelineMain(functions, process.argv.slice(2), io, VERSION).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`krm-pipeline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
