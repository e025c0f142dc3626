/**
 * Runs one child process and measures it: wall-clock time from spawn to exit (process.hrtime), and the
 * peak RSS (resident set size high-water mark) of the process and of the node processes it starts.
 *
 * Peak RSS: node processes preloaded with bench/rss.cjs report their own (ru_maxrss) into a file at
 * exit; for a process that is not node (kpt, a Go binary), /proc/<pid>/status VmHWM is polled while it
 * runs (every 20 ms; growth in the last interval before exit is missed).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const rssPreload = new URL('rss.cjs', import.meta.url).pathname;

let counter = 0;

/** VmHWM of a running process, in KiB, or undefined once it is gone. */
function highWaterMark(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args`.
 * @param options.work a folder for the RSS report file
 * @param options.input text for stdin (default: none)
 * @param options.node true: run `node --require rss.cjs command args` (command is a script)
 * @param options.poll true: poll the process' VmHWM (for a process that is not node)
 * @param options.env extra environment; NODE_OPTIONS preloading rss.cjs is added for any node
 * descendants (kpt's functions)
 * @returns { ms, rssKiB: peak over every process measured, ownKiB: the polled process' own, childKiB:
 * the largest node descendant's, status, stdout, stderr }
 */
export function measure(command, args, options) {
  const rssFile = join(options.work, `rss-${process.pid}-${counter++}.txt`);
  const env = { ...process.env, ...options.env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${rssPreload}` };
  const [file, argv] = options.node ? [process.execPath, ['--require', rssPreload, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: options.cwd, env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    let ownKiB = 0;
    const timer = options.poll ? setInterval(() => (ownKiB = Math.max(ownKiB, highWaterMark(child.pid) ?? 0)), 20) : undefined;
    if (options.input !== undefined) {
      child.stdin.on('error', () => {}); // a child that exits without reading all of stdin
      child.stdin.end(options.input);
    }
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (timer) clearInterval(timer);
      let childKiB = 0;
      try {
        for (const line of readFileSync(rssFile, 'utf8').split('\n')) if (line) childKiB = Math.max(childKiB, Number(line.split(' ')[1]));
        rmSync(rssFile);
      } catch {
        // no node process reported
      }
      resolve({ ms, rssKiB: Math.max(ownKiB, childKiB), ownKiB, childKiB, status: status ?? signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/**
 * Runs `run` `times` times.
 * @returns the fastest run, with `rssKiB` the largest peak of all runs and `runs` the count
 */
export async function bestOf(times, run) {
  let best;
  let rssKiB = 0;
  for (let index = 0; index < times; index += 1) {
    const result = await run();
    rssKiB = Math.max(rssKiB, result.rssKiB);
    if (!best || result.ms < best.ms) best = result;
  }
  return { ...best, rssKiB, runs: times };
}

/** Throws with the child's stderr when it did not exit 0. */
export function checked(result, what) {
  if (result.status !== 0) throw new Error(`${what} exited with ${result.status}:\n${result.stderr.slice(-4000)}`);
  return result;
}
