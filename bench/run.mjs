/**
 * `npm run bench`: the restore pipeline (pipelines/restore-openshift.yaml) over generated backups of
 * 1k, 10k and 100k items (bench/inputs.mjs), measured side by side in one run:
 *   (a) `krm-pipeline`, every step batched in one process, on a YAML stream, a JSON List and a Velero
 *       backup archive;
 *   (b) the same steps as one process per item per step (the per-item plugin model), at 1k items;
 *   (c) the same steps chained through `kpt fn eval --exec`, at 1k and 10k items;
 *   (d) the floors: read + `yaml` parseAllDocuments + String + write of the YAML stream, read +
 *       JSON.parse + JSON.stringify + write of the JSON List;
 *   (e) the peak RSS of each;
 * then the sizes and cold start of the self-contained binaries (dist/sea) against dist/bin and `node -e 0`.
 * Times are wall clock of whole processes, including reading the input and writing the output; each of
 * (a) and (d) is the best of 3 runs (1 at 100k), runs interleaved so load changes hit all alike.
 *
 * Usage: node bench/run.mjs [--sizes 1000,10000,100000] [--quick] [--profile]
 *   --sizes    item counts to run (default 1000,10000,100000)
 *   --quick    a smoke run: 1000 items, one run each, (b) on a sample of 20 items, 5 cold-start runs
 *   --profile  also profile (a) once (`node --cpu-prof`) on the YAML and the JSON input of the largest
 *              size up to 10k, and print the functions with the most self time
 * Expects a build (`npm run bench` builds first); runs a copy of it (bench/build-snapshot.mjs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { snapshotBuild } from './build-snapshot.mjs';
import { ITEMS_PER_PACKAGE_FILE, namespaceMappingFor, prepareInputs, projectRoot, splitDocuments } from './inputs.mjs';
import { kptVersion, runKptChain } from './kpt-chain.mjs';
import { checked, measure } from './measure.mjs';
import { runPerItem } from './per-item.mjs';
import { topSelfTime } from './profile.mjs';
import { restorePipeline, restoreSteps } from './restore-steps.mjs';
import { measureSea } from './sea.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    quick: { type: 'boolean' },
    profile: { type: 'boolean' },
  },
});
const quick = values.quick ?? false;
const sizes = (values.sizes ?? (quick ? '1000' : '1000,10000,100000')).split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes ${values.sizes}: expected item counts, e.g. 1000,10000`);
const log = (line) => process.stderr.write(`bench: ${line}\n`);

const work = mkdtempSync(join(tmpdir(), 'velero-krm-bench-run-'));
// The outputs and the build copy go with the run, also when it fails or is interrupted.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const build = snapshotBuild(work);
const krmPipeline = join(build.binDir, 'krm-pipeline');
/** The commit measured, marked when the code that goes into the build has uncommitted changes. */
function sourceRevision() {
  const git = (args) => spawnSync('git', args, { cwd: projectRoot, encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown revision';
  const dirty = git(['status', '--porcelain', '--', 'lib', 'functions', 'schemas', 'pipelines', 'scripts']).stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes in lib/, functions/, schemas/, pipelines/ or scripts/' : ''}`;
}
const revision = sourceRevision();
const startLoad = loadavg()[0];
const started = new Date();
const kpt = await kptVersion(work);

/** (a): the restore pipeline over one input, output of the same kind. */
function pipelineRun(input, output, mapping, extraNodeArgs = []) {
  const args = ['-p', restorePipeline, '-i', input, '-o', output, '-n', mapping, '--no-progress'];
  if (extraNodeArgs.length === 0) return measure(krmPipeline, args, { node: true, work, cwd: projectRoot });
  return measure(process.execPath, [...extraNodeArgs, krmPipeline, ...args], { work, cwd: projectRoot });
}

/** Runs every spec `runs` times, interleaved; keeps each one's fastest run and largest peak RSS. */
async function interleavedBest(specs, runs) {
  const best = new Map();
  for (let run = 0; run < runs; run += 1) {
    for (const spec of specs) {
      log(`${spec.key} run ${run + 1}/${runs}`);
      const result = checked(await spec.run(), spec.key);
      rmSync(spec.output, { recursive: true, force: true });
      const previous = best.get(spec.key);
      best.set(spec.key, { ms: Math.min(result.ms, previous?.ms ?? Infinity), rssKiB: Math.max(result.rssKiB, previous?.rssKiB ?? 0), runs: run + 1, stderr: result.stderr });
    }
  }
  return best;
}

const results = [];
const profiles = [];
for (const size of sizes) {
  const inputs = prepareInputs(size, krmPipeline, log);
  const mapping = namespaceMappingFor(size);
  const runs = quick || size >= 100000 ? 1 : 3;
  const out = (name) => join(work, name);
  const specs = [
    { key: 'a-yaml', output: out('out.yaml'), run: () => pipelineRun(inputs.yaml, out('out.yaml'), mapping) },
    { key: 'd-yaml', output: out('floor.yaml'), run: () => measure(join(projectRoot, 'bench/floor-yaml.mjs'), [inputs.yaml, out('floor.yaml')], { node: true, work }) },
    { key: 'a-json', output: out('out.json'), run: () => pipelineRun(inputs.json, out('out.json'), mapping) },
    { key: 'd-json', output: out('floor.json'), run: () => measure(join(projectRoot, 'bench/floor-json.mjs'), [inputs.json, out('floor.json')], { node: true, work }) },
    { key: 'a-archive', output: out('out.tar.gz'), run: () => pipelineRun(inputs.archive, out('out.tar.gz'), mapping) },
  ];
  const best = await interleavedBest(specs, runs);
  const entry = { size, inputs, runs, best, summary: best.get('a-yaml').stderr.split('\n').filter((line) => /^(stage\s|restore\s|Completed:)/.test(line)).join('\n') };
  const steps = restoreSteps(mapping, build.binDir);
  if (size === 1000) {
    log('(b) per item: one process per item per step');
    const documents = splitDocuments(readFileSync(inputs.yaml, 'utf8'));
    entry.perItem = await runPerItem(documents, steps, { work, budgetMs: quick ? 0 : 300_000, minSample: quick ? 20 : 100 });
  }
  if (size <= 10000 && kpt) {
    const kptRuns = quick || size > 1000 ? 1 : runs;
    for (let run = 0; run < kptRuns; run += 1) {
      log(`(c) kpt fn eval --exec, ${steps.length} steps, run ${run + 1}/${kptRuns}`);
      const result = await runKptChain(inputs.package, steps, { work });
      if (!entry.kpt || result.ms < entry.kpt.ms) entry.kpt = { ...result, runs: kptRuns };
    }
  }
  results.push(entry);
}

if (values.profile) {
  const size = Math.max(...sizes.filter((size) => size <= 10000));
  const inputs = prepareInputs(size, krmPipeline, log);
  for (const format of ['yaml', 'json']) {
    const dir = join(work, `profile-${format}`);
    mkdirSync(dir);
    log(`profiling (a) on the ${size}-item ${format} input`);
    checked(await pipelineRun(inputs[format], join(work, `profiled.${format}`), namespaceMappingFor(size), ['--cpu-prof', '--cpu-prof-dir', dir]), `profiled ${format} run`);
    profiles.push({ size, format, ...topSelfTime(join(dir, readdirSync(dir)[0]), build.binDir, 20) });
  }
}

log('SEA: sizes and cold start');
const sea = build.seaDir ? measureSea(build, quick ? 5 : 20) : undefined;
const endLoad = loadavg()[0];

// ---- report ----
const seconds = (ms) => (ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB`;
const rss = (kiB) => (kiB ? `${((kiB * 1024) / 1e6).toFixed(0)} MB` : 'n/a');
const ratio = (value) => `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
const count = (size) => size.toLocaleString('en-US');

const lines = [];
const cpu = cpus();
lines.push(`Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${type()} ${release()}; node ${process.version}; kpt ${kpt ?? 'not found'}`);
lines.push(`Run: ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${revision}; load average ${startLoad.toFixed(2)} at start, ${endLoad.toFixed(2)} at end${quick ? '; --quick' : ''}`);
lines.push('');
const rows = [['items', 'input', 'run', 'time', 'peak RSS', 'ratio']];
const notes = [];
for (const entry of results) {
  const { size, inputs, best } = entry;
  const a = (key) => best.get(key);
  const runsNote = (runs) => (runs > 1 ? ` (best of ${runs})` : '');
  rows.push([count(size), `YAML ${megabytes(inputs.bytes.yaml)}`, '(a) krm-pipeline, one process', seconds(a('a-yaml').ms), rss(a('a-yaml').rssKiB), `a / d-yaml = ${ratio(a('a-yaml').ms / a('d-yaml').ms)}`]);
  rows.push(['', '', '(d) yaml parse + stringify', seconds(a('d-yaml').ms), rss(a('d-yaml').rssKiB), '']);
  rows.push(['', `JSON ${megabytes(inputs.bytes.json)}`, '(a) krm-pipeline, one process', seconds(a('a-json').ms), rss(a('a-json').rssKiB), `a / d-json = ${ratio(a('a-json').ms / a('d-json').ms)}`]);
  rows.push(['', '', '(d) JSON.parse + stringify', seconds(a('d-json').ms), rss(a('d-json').rssKiB), '']);
  rows.push(['', `archive ${megabytes(inputs.bytes.archive)}`, '(a) krm-pipeline, one process', seconds(a('a-archive').ms), rss(a('a-archive').rssKiB), '']);
  notes.push(`(a), (d) at ${count(size)} items: ${entry.runs > 1 ? `the best of ${entry.runs} interleaved runs` : 'one run'}.`);
  if (entry.perItem) {
    const { ms, sampled, processes } = entry.perItem;
    const how = sampled < entry.inputs.items ? `extrapolated from ${sampled} random items` : `all items`;
    rows.push(['', 'YAML, item by item', `(b) a process per item per step, ${how}`, seconds(ms), rss(entry.perItem.rssKiB), `b / a = ${ratio(ms / a('a-yaml').ms)}`]);
    notes.push(`(b) at ${count(size)} items: ${processes} processes for ${sampled} items; the time is their sum${sampled < entry.inputs.items ? `, times ${count(entry.inputs.items)} / ${sampled}` : ''}.`);
  }
  if (entry.kpt) {
    rows.push(['', `kpt package, ${Math.ceil(inputs.items / ITEMS_PER_PACKAGE_FILE)} files`, `(c) kpt fn eval --exec, 5 steps${runsNote(entry.kpt.runs)}`, seconds(entry.kpt.ms), `kpt ${rss(entry.kpt.kptKiB)}, fn ${rss(entry.kpt.functionKiB)}`, `c / a = ${ratio(entry.kpt.ms / a('a-yaml').ms)}`]);
  }
}
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
for (const [index, row] of rows.entries()) {
  lines.push(row.map((cell, column) => (column === 0 || column === 3 || column === 4 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd());
  if (index === 0) lines.push(widths.map((width) => '-'.repeat(width)).join('  '));
}
lines.push(...notes);
lines.push('');
lines.push(`Items: ${results.map((entry) => `${count(entry.size)} → ${count(entry.inputs.items)}`).join(', ')} after the backup pipeline (a DataMoverBackup per bound claim). What the restore did at ${count(results.at(-1).size)} (YAML):`);
lines.push(...results.at(-1).summary.split('\n').map((line) => `  ${line}`));

const targets = [];
const at = (size) => results.find((entry) => entry.size === size);
const target = (label, value, limit, met) => targets.push(`${met ? 'met   ' : 'MISSED'}  ${label}: ${value} (target ${limit})`);
if (at(10000)) {
  const { best } = at(10000);
  const yaml = best.get('a-yaml').ms / best.get('d-yaml').ms;
  target('(a) / (d-yaml), 10k YAML items', ratio(yaml), '≤ 1.0×', yaml <= 1.0);
}
for (const entry of results) {
  const json = entry.best.get('a-json').ms / entry.best.get('d-json').ms;
  target(`(a) / (d-JSON), ${count(entry.size)} items`, ratio(json), '≤ 2×', json <= 2);
}
if (at(1000)?.perItem) {
  const value = at(1000).perItem.ms / at(1000).best.get('a-yaml').ms;
  target('(b) / (a), 1k items', ratio(value), '≥ 100×', value >= 100);
}
if (at(10000)?.kpt) {
  const value = at(10000).kpt.ms / at(10000).best.get('a-yaml').ms;
  target('(c) / (a), 10k items', ratio(value), '≥ 10×', value >= 10);
}
if (at(100000)) {
  const peak = Math.max(...['a-yaml', 'a-json', 'a-archive'].map((key) => at(100000).best.get(key).rssKiB));
  target('(a) peak RSS, 100k items, any input', rss(peak), '≤ 1.5 GB', peak * 1024 <= 1.5e9);
}
if (sea) {
  const node = sea.startup.find((row) => row.label === 'node -e 0').mean;
  // A cold start that does a function's work: read, config, transform, write.
  const seaStart = sea.startup.find((row) => row.label === 'dist/sea/strip-route-host < 1-item ResourceList').mean;
  target('SEA cold start / node -e 0 (strip-route-host on a 1-item ResourceList, mean)', ratio(seaStart / node), '≤ 1.3×', seaStart / node <= 1.3);
}
lines.push('', 'Targets:', ...targets.map((line) => `  ${line}`));

if (sea) {
  lines.push('', `Self-contained binaries (dist/sea) vs bundles (dist/bin); node itself is ${megabytes(sea.nodeBytes)}:`);
  const seaRows = [['name', 'dist/bin', 'dist/sea'], ...sea.sizes.map((row) => [row.name, megabytes(row.binBytes), megabytes(row.seaBytes)])];
  const seaWidths = seaRows[0].map((_, column) => Math.max(...seaRows.map((row) => row[column].length)));
  for (const row of seaRows) lines.push('  ' + row.map((cell, column) => (column === 0 ? cell.padEnd(seaWidths[column]) : cell.padStart(seaWidths[column]))).join('  '));
  const node = sea.startup[0].mean;
  lines.push('', `Cold start, whole process, mean of ${sea.startup[0].runs} interleaved runs:`);
  const startRows = sea.startup.map((row) => [row.label, `${row.mean.toFixed(1)} ms`, `median ${row.median.toFixed(1)} ms`, `${ratio(row.mean / node)} node -e 0`]);
  const startWidths = startRows[0].map((_, column) => Math.max(...startRows.map((row) => row[column].length)));
  for (const row of startRows) lines.push('  ' + row.map((cell, column) => (column === 0 ? cell.padEnd(startWidths[column]) : cell.padStart(startWidths[column]))).join('  '));
}

for (const profile of profiles) {
  lines.push('', `Profile of (a), ${count(profile.size)} items, ${profile.format} input: ${seconds(profile.totalMs)} of samples; top self time:`);
  for (const row of profile.top) lines.push(`  ${row.ms.toFixed(0).padStart(6)} ms ${row.percent.toFixed(1).padStart(5)}%  ${row.name}  ${row.where}`);
}

process.stdout.write(lines.join('\n') + '\n');
