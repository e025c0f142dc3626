/** Running the real `kpt` and `kubectl` in end-to-end tests, and reading the package they changed. */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const works = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

/** True when `kpt` runs on this machine; end-to-end suites skip themselves otherwise. */
export const hasKpt = works('kpt', ['version']);

/** True when `kubectl` runs on this machine; the kustomize suites skip themselves otherwise. */
export const hasKubectl = works('kubectl', ['version', '--client']);

/**
 * The environment the tools run in: `process.env` with `extra`, and PATH starting with `pathFirst`, then
 * the folder of the node running the tests (the executables' shebang is `#!/usr/bin/env node`).
 */
export function toolEnvironment(extra: Record<string, string> = {}, pathFirst: string[] = []): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: [...pathFirst, dirname(process.execPath), process.env.PATH ?? ''].join(':') };
}

/**
 * Runs kpt with an argument array (no shell) from `cwd`.
 * @throws the spawn error when kpt cannot be started or times out (30 s)
 */
export function runKpt(args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync('kpt', args, { cwd, env: toolEnvironment(), encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return result;
}

/** What a process run with `runProcess` printed, and how it ended. */
export interface ProcessResult {
  /** The exit code; null when a signal ended the process. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without a shell and without blocking the test worker, so that a suite's cases can
 * run their tools side by side (`describe.concurrent`).
 * @throws the spawn error when the command cannot be started; an Error when it runs longer than 30 s
 */
export function runProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = toolEnvironment()): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${command} ${args.join(' ')} ran longer than 30 s; stderr:\n${stderr}`));
      else resolve({ status, stdout, stderr });
    });
  });
}

/** Runs a script with `sh -e` from `cwd`, as a user would type the commands a README documents. */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv = toolEnvironment()): Promise<ProcessResult> {
  return runProcess('sh', ['-e', '-c', script], cwd, env);
}

/** A string as one shell word: single-quoted, embedded quotes escaped. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
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
