/**
 * A private copy of the build for one benchmark run: the working tree is shared, and a rebuild during a
 * run (`npm run build` rewrites dist/) would otherwise change what is measured half way. Copies every
 * bundle of dist/bin (each is self-contained, CommonJS outside the project too) and the two binaries of
 * dist/sea the cold-start measurement runs; the sizes of all of dist/sea are taken at the same time.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './inputs.mjs';

/** The dist/sea binaries the cold-start measurement runs. */
export const SEA_MEASURED = ['strip-route-host', 'krm-pipeline'];

/**
 * @param work the run's folder
 * @returns { binDir, seaDir (undefined without dist/sea), seaSizes: [{ name, binBytes, seaBytes }] }
 * @throws Error when dist/bin/krm-pipeline is missing (run `npm run build`)
 */
export function snapshotBuild(work) {
  const dist = join(projectRoot, 'dist');
  if (!existsSync(join(dist, 'bin/krm-pipeline'))) throw new Error(`${dist}/bin/krm-pipeline is missing: run npm run build (npm run bench does)`);
  const binDir = join(work, 'bin');
  mkdirSync(binDir);
  for (const name of readdirSync(join(dist, 'bin'))) copyFileSync(join(dist, 'bin', name), join(binDir, name));
  if (!existsSync(join(dist, 'sea'))) return { binDir, seaDir: undefined, seaSizes: [] };
  const seaDir = join(work, 'sea');
  mkdirSync(seaDir);
  const names = readdirSync(join(dist, 'sea')).filter((name) => !name.startsWith('.') && existsSync(join(binDir, name))).sort();
  const seaSizes = names.map((name) => ({ name, binBytes: statSync(join(binDir, name)).size, seaBytes: statSync(join(dist, 'sea', name)).size }));
  for (const name of SEA_MEASURED) copyFileSync(join(dist, 'sea', name), join(seaDir, name));
  return { binDir, seaDir, seaSizes };
}
