/** Running the real `kpt` in end-to-end tests, and reading the package it changed. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const version = spawnSync('kpt', ['version'], { encoding: 'utf8' });
/** True when `kpt` runs on this machine; end-to-end suites skip themselves otherwise. */
export const hasKpt = !version.error && version.status === 0;

/**
 * Runs kpt with an argument array (no shell) from `cwd`. The executables' shebang is
 * `#!/usr/bin/env node`, so the folder of the node running the tests goes first on PATH.
 * @throws the spawn error when kpt cannot be started or times out (30 s)
 */
export function runKpt(args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(':') };
  const result = spawnSync('kpt', args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return result;
}

/** An executable path as kpt's `--exec` value: kpt shlex-splits it, so a path with spaces is quoted. */
export function execArgument(path: string): string {
  return /\s/.test(path) ? `'${path}'` : path;
}

/** Every file under `dir` with its content, by slash-separated relative path, sorted. */
export function readPackage(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}
