/**
 * End to end, every function's README usage under kpt and krm-pipeline, run as written on the
 * function's worked example: the BUILT executables (`npm run build`, which `npm test` runs first), the
 * real `kpt` (1.0.0-beta.56), commands from the repository root as the README says.
 *
 * The worked example's input (`functions/<name>/examples/input.yaml`, a `kind: List`) becomes a package
 * of one file per item; kpt reads packages, not Lists. After each command the package's items must be
 * those of `examples/output.yaml` (compared as YAML 1.1 values: kpt re-serializes every file), and the
 * files of items the example leaves alone must be byte for byte what kpt makes of them with a function
 * that changes nothing (`--exec cat`): kpt itself normalizes some spacing, e.g. before comments.
 *
 * - `### kpt` ```sh: every `kpt fn eval DIR ...` line runs (exit 0, `[PASS]`); the lines marked
 *   `# the worked example` (the typed config, and the same config as ConfigMap strings) must give the
 *   worked example's output.
 * - `### kpt` ```yaml: the Kptfile pipeline snippet, with `kpt fn render DIR --allow-exec`.
 * - `### krm-pipeline`: the step snippet in a Pipeline file, with the documented `krm-pipeline` line;
 *   krm-pipeline edits files in place, so untouched files must keep the input's bytes.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { functions } from '../functions/index.js';
import { executableOf, packageManifests, usageBlock, workedExample, writeFiles } from './e2e-package.js';
import { projectRoot } from './helpers.js';
import { hasKpt, readPackage, runProcess, runShell, shellQuote } from './kpt.js';

if (!hasKpt) console.warn('SKIPPING test/e2e-kpt-examples.test.ts: `kpt` is not on PATH');

/** The README's marker of the commands that give the worked example's output. */
const WORKED_EXAMPLE = '# the worked example';

const KPTFILE_HEAD = `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: worked-example
  annotations:
    config.kubernetes.io/local-config: "true"
`;

const PIPELINE_HEAD = `apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: Pipeline
metadata:
  name: worked-example
`;

let root = '';
let folderCount = 0;

beforeAll(() => {
  if (!hasKpt) return;
  for (const name of [...functions.map((fn) => fn.name), 'krm-pipeline']) {
    if (!existsSync(executableOf(name))) throw new Error(`${executableOf(name)} is missing: run \`npm run build\` first (\`npm test\` does)`);
  }
  root = mkdtempSync(join(tmpdir(), 'krm-e2e-kpt-examples-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A new folder under the temp root holding `files`. */
function makeFolder(files: Record<string, string>): string {
  const dir = join(root, `case-${++folderCount}`);
  mkdirSync(dir);
  writeFiles(dir, files);
  return dir;
}

/** Replaces the README's placeholders (whole words) with shell-quoted paths. */
function fill(line: string, values: Record<string, string>): string {
  let out = line;
  for (const [placeholder, path] of Object.entries(values)) out = out.replace(new RegExp(`(?<=\\s)${placeholder.replace(/\./g, '\\.')}(?=\\s|$)`, 'g'), shellQuote(path));
  return out;
}

function expectSuccess(result: { status: number | null; stderr: string }, what: string): void {
  expect(result.status, `${what} exited ${result.status}; stderr:\n${result.stderr}`).toBe(0);
}

/**
 * kpt's own rendering of every worked example's input package, through a function that changes nothing
 * (`--exec cat`), by function name. One kpt run over all of them, made on first use.
 */
const kptBaseline = (() => {
  let baseline: Promise<Record<string, Record<string, string>>> | undefined;
  return () =>
    (baseline ??= (async () => {
      const dir = join(root, 'baseline');
      for (const fn of functions) writeFiles(join(dir, fn.name), workedExample(fn).files);
      expectSuccess(await runProcess('kpt', ['fn', 'eval', dir, '--exec', 'cat'], root), 'kpt fn eval --exec cat');
      const byName: Record<string, Record<string, string>> = {};
      for (const fn of functions) byName[fn.name] = readPackage(join(dir, fn.name));
      return byName;
    })());
})();

describe.skipIf(!hasKpt).concurrent.each(functions.map((fn) => [fn.name, fn] as const))('%s: README usage on the worked example', (name, fn) => {
  const example = workedExample(fn);
  const evalLines = usageBlock(name, 'kpt', 'sh')
    .split('\n')
    .filter((line) => line.startsWith('kpt '));

  /** The package holds the worked example's output; untouched items are as kpt writes them unchanged. */
  function expectWorkedExample(files: Record<string, string>, unchanged: Record<string, string>): void {
    const { Kptfile: _kptfile, ...items } = files;
    expect(packageManifests(items)).toEqual(example.expected);
    for (const file of example.untouched) expect(files[file], `${file} is untouched by the example`).toBe(unchanged[file]);
  }

  test('the README documents the worked example for kpt fn eval, with --fn-config and as ConfigMap strings', () => {
    const marked = evalLines.filter((line) => line.includes(WORKED_EXAMPLE));
    expect(marked.some((line) => line.includes(` --fn-config ${example.configPath} `))).toBe(true);
    expect(marked.some((line) => / -- \S/.test(line))).toBe(true);
    for (const line of evalLines) expect(line).toMatch(new RegExp(`^kpt fn eval DIR --exec dist/bin/${name}( |$)`));
  });

  test.each(evalLines.map((line) => [line] as const))('%s', async (line) => {
    const dir = makeFolder(example.files);
    const result = await runShell(fill(line, { DIR: dir }), projectRoot);
    expectSuccess(result, line);
    expect(result.stderr).toContain('[PASS]');
    if (line.includes(WORKED_EXAMPLE)) expectWorkedExample(readPackage(dir), (await kptBaseline())[name] ?? {});
  });

  test('the Kptfile pipeline snippet, with kpt fn render --allow-exec from the repository root', async () => {
    const kptfile = KPTFILE_HEAD + usageBlock(name, 'kpt', 'yaml');
    const dir = makeFolder({ ...example.files, Kptfile: kptfile });
    const result = await runProcess('kpt', ['fn', 'render', dir, '--allow-exec'], projectRoot);
    expectSuccess(result, 'kpt fn render');
    expect(result.stderr).toContain('Successfully executed 1 function(s) in 1 package(s).');
    const files = readPackage(dir);
    expectWorkedExample(files, (await kptBaseline())[name] ?? {});
    expect(files.Kptfile).toBe(kptfile);
  });

  test('the krm-pipeline step snippet, with the documented krm-pipeline command', async () => {
    const lines = usageBlock(name, 'krm-pipeline', 'sh')
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dist\/bin\/krm-pipeline -p pipeline\.yaml -i DIR -o OUT( |$)/);
    const input = makeFolder(example.files);
    const pipeline = `${input}.pipeline.yaml`;
    writeFileSync(pipeline, PIPELINE_HEAD + usageBlock(name, 'krm-pipeline', 'yaml'));
    const output = `${input}.output`;
    const result = await runShell(fill(lines[0] ?? '', { DIR: input, OUT: output, 'pipeline.yaml': pipeline }), projectRoot);
    expectSuccess(result, 'krm-pipeline');
    expectWorkedExample(readPackage(output), example.files);
  });
});
