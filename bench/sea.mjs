/**
 * Issue 5: the self-contained binaries (dist/sea/<name>, Node.js single executable applications made
 * by `npm run build`) against the bundled JS executables (dist/bin/<name>, run by the installed node):
 * file sizes, and cold start (a whole process: `--version`, and one tiny ResourceList through
 * strip-route-host) against `node -e 0`. Runs are interleaved (node, bin, sea, node, ...) so a change in
 * machine load hits all three alike.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const TINY_RESOURCE_LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata:
    name: frontend
    namespace: shop
    annotations:
      openshift.io/host.generated: "true"
  spec:
    host: frontend-shop.apps.src.example.com
    to:
      kind: Service
      name: frontend
`;

/** Milliseconds of one whole run; throws when it fails. */
function timed(file, args, input) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const started = process.hrtime.bigint();
  const run = spawnSync(file, args, { input: input ?? '', env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  return ms;
}

function statistics(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { mean: samples.reduce((sum, value) => sum + value, 0) / samples.length, median: sorted[Math.floor(sorted.length / 2)], runs: samples.length };
}

/**
 * @param build from snapshotBuild(): binDir and seaDir hold copies of dist/bin and of the dist/sea
 * binaries run here
 * @param runs runs of each command
 * @returns { sizes: build.seaSizes, nodeBytes, startup: [{ label, mean, median, runs }] }
 */
export function measureSea({ binDir, seaDir, seaSizes }, runs) {
  const bin = join(binDir, 'strip-route-host');
  const sea = join(seaDir, 'strip-route-host');
  const commands = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ['dist/bin/strip-route-host --version', bin, ['--version']],
    ['dist/sea/strip-route-host --version', sea, ['--version']],
    ['dist/bin/krm-pipeline --version', join(binDir, 'krm-pipeline'), ['--version']],
    ['dist/sea/krm-pipeline --version', join(seaDir, 'krm-pipeline'), ['--version']],
    ['dist/bin/strip-route-host < 1-item ResourceList', bin, [], TINY_RESOURCE_LIST],
    ['dist/sea/strip-route-host < 1-item ResourceList', sea, [], TINY_RESOURCE_LIST],
  ];
  for (const [, file, args, input] of commands) timed(file, args, input); // warm the page cache
  const samples = commands.map(() => []);
  for (let run = 0; run < runs; run += 1) commands.forEach(([, file, args, input], index) => samples[index].push(timed(file, args, input)));
  return {
    sizes: seaSizes,
    nodeBytes: statSync(process.execPath).size,
    startup: commands.map(([label], index) => ({ label, ...statistics(samples[index]) })),
  };
}
