/**
 * The process entry point of every single-function executable: arguments, stdin, stdout/stderr, exit
 * code. It sets `process.exitCode` instead of calling `process.exit()`, so a large stdout is flushed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { helpText } from './help.js';
import type { KrmFunction, SelectionConfig } from './krm-function.js';
import { processInvocation, type ConfigFile } from './runtime.js';

declare const PACKAGE_VERSION: string | undefined;

/** The collection's version, injected by the build; `dev` when run from source. */
export const VERSION = typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';

/** Reads all of stdin as UTF-8 text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs `fn` as a process. */
export async function main<Config extends SelectionConfig>(fn: KrmFunction<Config>): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    });
  } catch (error) {
    process.stderr.write(`${fn.name}: ${(error as Error).message}\nTry ${fn.name} --help\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(fn, VERSION));
    return;
  }
  if (parsed.values.version) {
    process.stdout.write(`${fn.name} ${VERSION}\n`);
    return;
  }
  let configFile: ConfigFile | undefined;
  const path = parsed.positionals[0];
  if (path !== undefined) {
    try {
      configFile = { path, text: readFileSync(path, 'utf8') };
    } catch (error) {
      process.stderr.write(`${fn.name}: [error]: cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
  }
  if (process.stdin.isTTY) {
    process.stderr.write(`${fn.name}: reads a ResourceList or manifests on stdin; see ${fn.name} --help\n`);
    process.exitCode = 2;
    return;
  }
  const invocation = processInvocation(fn, await readStdin(), configFile);
  process.stdout.write(invocation.stdout);
  process.stderr.write(invocation.stderr);
  process.exitCode = invocation.exitCode;
}
