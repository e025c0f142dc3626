/**
 * (c) The same restore steps chained through the real kpt: `kpt fn eval DIR --exec dist/bin/<step> --
 * key=value ...` once per step, in place, on a fresh copy of the package (100 items per file).
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checked, measure } from './measure.mjs';

/** kpt's version line, e.g. `1.0.0-beta.56`, or undefined when kpt is not on PATH. */
export async function kptVersion(work) {
  try {
    const result = await measure('kpt', ['version'], { work });
    return result.status === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param packageDir the package to copy (not changed)
 * @param steps from restoreSteps()
 * @returns { ms: all steps, kptKiB: kpt's largest peak RSS, functionKiB: the largest function process' }
 */
export async function runKptChain(packageDir, steps, { work }) {
  const dir = join(work, 'kpt-package');
  rmSync(dir, { recursive: true, force: true });
  cpSync(packageDir, dir, { recursive: true });
  let ms = 0;
  let kptKiB = 0;
  let functionKiB = 0;
  for (const step of steps) {
    const settings = Object.entries(step.data).map(([key, value]) => `${key}=${value}`);
    const args = ['fn', 'eval', dir, '--exec', step.executable, ...(settings.length > 0 ? ['--', ...settings] : [])];
    const result = checked(await measure('kpt', args, { poll: true, work }), `kpt fn eval --exec ${step.name}`);
    ms += result.ms;
    kptKiB = Math.max(kptKiB, result.ownKiB);
    functionKiB = Math.max(functionKiB, result.childKiB);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms, kptKiB, functionKiB, rssKiB: Math.max(kptKiB, functionKiB) };
}
