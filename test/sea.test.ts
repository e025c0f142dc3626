/**
 * The standalone binaries (dist/sea/<name>, made by `npm run build` through scripts/sea.mjs, which
 * `npm test` runs first): each is a native executable that runs with no `node` on PATH and behaves
 * exactly as the bundled JavaScript executable dist/bin/<name> on the same input: stdout, stderr and
 * exit code, for a ResourceList, bad input, --help and --version.
 *
 * The ResourceLists are the functions' worked examples (functions/<name>/examples: input.yaml's items,
 * config.yaml as functionConfig; examples/output.yaml holds the expected items); krm-pipeline runs the
 * shipped backup pipeline (pipelines/backup.yaml) over quiesce-workloads' example input.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { independentItems, projectRoot, type Manifest } from './helpers.js';

const binDir = join(projectRoot, 'dist/bin');
const seaDir = join(projectRoot, 'dist/sea');
const names = existsSync(binDir) ? readdirSync(binDir).sort() : [];
const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

/** A ResourceList of `items` with `functionConfig` (omitted when undefined), as kpt would send it. */
function resourceListOf(items: Manifest[], functionConfig?: Manifest): string {
  return stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, ...(functionConfig ? { functionConfig } : {}) });
}

/** A function's worked example as a ResourceList, and the items it must produce. */
function example(name: string): { input: string; expected: Manifest[] } {
  const folder = join(projectRoot, 'functions', name, 'examples');
  const items = independentItems(readFileSync(join(folder, 'input.yaml'), 'utf8'));
  const config = parse(readFileSync(join(folder, 'config.yaml'), 'utf8')) as Manifest;
  return { input: resourceListOf(items, config), expected: independentItems(readFileSync(join(folder, 'output.yaml'), 'utf8')) };
}

/** How an executable runs a ResourceList, and what must come out: every function its worked example. */
function invocation(name: string): { args: string[]; input: string; inputItems: Manifest[] } {
  if (name === 'krm-pipeline') {
    const { input } = example('quiesce-workloads');
    // --quiet: the summary on stderr has timings
    return { args: ['--pipeline', join(projectRoot, 'pipelines/backup.yaml'), '--quiet'], input, inputItems: parse(input).items as Manifest[] };
  }
  const { input } = example(name);
  return { args: [], input, inputItems: parse(input).items as Manifest[] };
}

let emptyDir = '';
beforeAll(() => {
  if (names.length === 0) throw new Error(`${binDir} is empty or missing: run \`npm run build\` first (\`npm test\` does)`);
  emptyDir = mkdtempSync(join(tmpdir(), 'krm-sea-'));
});
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

type Outcome = { status: number | null; stdout: string; stderr: string };

/** Runs `executable` in an empty folder, with only `path` as PATH and `input` on stdin. */
function exec(executable: string, path: string, args: string[], input: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(executable, args, { encoding: 'utf8', cwd: emptyDir, env: { PATH: path }, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/** The standalone binary, with a PATH that holds no node. */
const standalone = (name: string, args: string[], input = '') => exec(join(seaDir, name), emptyDir, args, input);
/** The bundled JavaScript executable, with the node running the tests on PATH (its shebang is `env node`). */
const bundled = (name: string, args: string[], input = '') => exec(join(binDir, name), dirname(process.execPath), args, input);

/** Runs both forms side by side; they must agree on everything. Returns the standalone binary's outcome. */
async function expectSame(name: string, args: string[], input = ''): Promise<Outcome> {
  const [binary, script] = await Promise.all([standalone(name, args, input), bundled(name, args, input)]);
  expect(binary).toEqual(script);
  return binary;
}

describe.each(names)('dist/sea/%s', (name) => {
  test('is a native executable, not a script', () => {
    const descriptor = openSync(join(seaDir, name), 'r');
    const magic = Buffer.alloc(4);
    readSync(descriptor, magic, 0, 4, 0);
    closeSync(descriptor);
    expect(magic).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // ELF
    // the test's premise: no node on the standalone binary's PATH
    expect(spawnSync('node', ['-e', '0'], { env: { PATH: emptyDir } }).error).toMatchObject({ code: 'ENOENT' });
  });

  test('runs a ResourceList with no node on PATH, as the bundled executable does', async () => {
    const { args, input, inputItems } = invocation(name);
    const out = await expectSame(name, args, input);
    expect(out.status, out.stderr).toBe(0);
    const items = parse(out.stdout).items as Manifest[];
    expect(items.length).toBeGreaterThanOrEqual(inputItems.length);
    expect(items).not.toEqual(inputItems);
    if (name !== 'krm-pipeline') expect(items).toEqual(example(name).expected);
  });

  test('--help, --version and a bad option', async () => {
    const [help, versionOut, bad] = await Promise.all([expectSame(name, ['--help']), expectSame(name, ['--version']), expectSame(name, ['--no-such-option'])]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(name);
    expect(versionOut.status).toBe(0);
    expect(versionOut.stdout).toBe(`${name} ${version}\n`);
    expect(bad.status).toBe(2);
  });

  test('bad input: the same error and exit code', async () => {
    const out = await expectSame(name, [...invocation(name).args], 'apiVersion: v1\nkind: [\n');
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/invalid YAML/);
  });
});

test('a large output (beyond a pipe buffer) is written whole', async () => {
  const route = 'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    openshift.io/host.generated: "true"\nspec:\n  host: web-shop.apps.example.com\n  to: {kind: Service, name: web}\n';
  const many = Array.from({ length: 1000 }, (_, index) => route.replace('name: web', `name: web-${index}`)).join('---\n');
  const out = await expectSame('strip-route-host', [], many);
  expect(out.status).toBe(0);
  expect(out.stdout.length).toBe(many.length - 1000 * '  host: web-shop.apps.example.com\n'.length);
  expect(out.stdout.length).toBeGreaterThan(128 * 1024);
});
