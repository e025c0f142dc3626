/**
 * External pipeline steps through real child processes: a fixture KRM function
 * (test/fixtures/external/krm-fixture.mjs, one behavior per first argument), a docker shim, and the
 * collection's own built executable compared with the same function run in process.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { stripRouteHost } from '../functions/strip-route-host/function.js';
import { readConfig } from '../lib/config.js';
import { readInput } from '../lib/io/read.js';
import { KrmItem, type ObjectValue } from '../lib/item.js';
import { runExternalStep, splitCommandLine, type ExternalStepOptions } from '../lib/pipeline/external-step.js';
import { runFunction } from '../lib/runtime.js';
import type { Value } from '../lib/yaml/scalar.js';
import { corpusFiles, hasCorpus, projectRoot, readCorpus } from './helpers.js';

const fixtures = join(projectRoot, 'test/fixtures/external');
const fixture = join(fixtures, 'krm-fixture.mjs');
const shimDirectory = join(fixtures, 'shim');
let scratch = '';

beforeAll(() => {
  chmodSync(fixture, 0o755);
  chmodSync(join(shimDirectory, 'docker'), 0o755);
  scratch = mkdtempSync(join(tmpdir(), 'external-step-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const listText = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
# the web deployment
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web # the frontend
    namespace: shop
  spec:
    replicas: 2 # scaled by hand
    template:
      spec:
        containers:
        - name: web
          image: registry.example.com/shop/web:1.4 # pinned
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: shop
    annotations:
      config.k8s.io/id: '7'
      internal.config.kubernetes.io/id: '7'
      internal.config.kubernetes.io/path: 'app.yaml'
  spec:
    ports: [{port: 80}] # flow style
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings, namespace: shop}
  data:
    mode: fast # the default
`;

function readList(text = listText) {
  const input = readInput(text);
  return { input, items: input.items, texts: input.items.map((item) => item.yamlSource), objects: input.items.map((item) => structuredClone(item.object)) };
}

function exec(args: string, items: readonly KrmItem[], options: Partial<ExternalStepOptions> = {}, functionConfig?: ObjectValue) {
  return runExternalStep({ exec: `${fixture} ${args}` }, items, functionConfig, { cwd: fixtures, ...options });
}

/** Asserts the step left every item as it was and returned them in order. */
function expectUnchanged(outcome: { items: KrmItem[] }, list: ReturnType<typeof readList>) {
  expect(outcome.items).toEqual(list.items);
  outcome.items.forEach((item, index) => {
    expect(item).toBe(list.items[index]);
    expect(item.changed).toBe(false);
    expect(item.object).toEqual(list.objects[index]);
    expect(item.yamlSource).toBe(list.texts[index]);
  });
}

describe('items out and back', () => {
  test('an item the child changed keeps its comments; the others keep their exact text', async () => {
    const list = readList();
    const outcome = await exec('annotate Deployment', list.items);
    expect(outcome.results).toEqual([]);
    expect(outcome.items).toHaveLength(3);
    outcome.items.forEach((item, index) => expect(item).toBe(list.items[index]));
    const [deployment, service, configMap] = outcome.items as [KrmItem, KrmItem, KrmItem];
    expect(deployment.changed).toBe(true);
    expect(deployment.object).toEqual({ ...list.objects[0], metadata: { name: 'web', namespace: 'shop', annotations: { 'fixture/seen-id': '0', 'fixture/touched': 'done' } } });
    expect(deployment.yamlSource).toBe(
      list.texts[0]!.replace('    namespace: shop\n', "    namespace: shop\n    annotations:\n      fixture/seen-id: \"0\"\n      fixture/touched: done\n"),
    );
    for (const [item, index] of [[service, 1], [configMap, 2]] as const) {
      expect(item.changed).toBe(false);
      expect(item.yamlSource).toBe(list.texts[index]);
    }
    // Written back, the list differs from the input only by the two added lines.
    const written = [...list.input.serialize(outcome.items, [])].join('');
    expect(written).toBe(listText.replace('    namespace: shop\n  spec:\n    replicas', "    namespace: shop\n    annotations:\n      fixture/seen-id: \"0\"\n      fixture/touched: done\n  spec:\n    replicas"));
  });

  test('the child sees ids 0..n-1; ids the items already had come back as they were', async () => {
    const list = readList();
    const outcome = await exec('annotate', list.items);
    expect(outcome.items.map((item) => item.annotation('fixture/seen-id'))).toEqual(['0', '1', '2']);
    const service = outcome.items[1]!;
    expect(service.annotation('config.k8s.io/id')).toBe('7');
    expect(service.annotation('internal.config.kubernetes.io/id')).toBe('7');
    expect(service.yamlSource).toContain("      config.k8s.io/id: '7'\n      internal.config.kubernetes.io/id: '7'\n");
    expect(service.yamlSource).toContain('ports: [{port: 80}] # flow style');
    for (const item of [outcome.items[0]!, outcome.items[2]!]) {
      expect(item.annotation('config.k8s.io/id')).toBeUndefined();
      expect(item.annotation('internal.config.kubernetes.io/id')).toBeUndefined();
    }
    expect(outcome.items[2]!.yamlSource).toContain('metadata: {name: settings, namespace: shop, annotations: {');
    // Written back, the list reads as the items' objects.
    expect(parse([...list.input.serialize(outcome.items, [])].join('')).items).toEqual(outcome.items.map((item) => item.object));
  });

  test('an item without metadata comes back without metadata', async () => {
    const bare = new KrmItem({ apiVersion: 'example.com/v1', kind: 'Thing', spec: { size: 1 } }, 'new');
    const outcome = await exec('echo', [bare]);
    expect(outcome.results).toEqual([]);
    expect(outcome.items[0]).toBe(bare);
    expect(bare.changed).toBe(false);
    expect(bare.object).toEqual({ apiVersion: 'example.com/v1', kind: 'Thing', spec: { size: 1 } });
  });

  test('a child that writes YAML without any comments changes only what it changed', async () => {
    const list = readList();
    const outcome = await exec('yaml', list.items);
    expect(outcome.results).toEqual([]);
    for (const [index, item] of outcome.items.entries()) {
      expect(item).toBe(list.items[index]);
      expect(item.annotation('fixture/touched')).toBe('done');
    }
    expect(parse([...list.input.serialize(outcome.items, [])].join('')).items).toEqual(outcome.items.map((item) => item.object));
    expect(outcome.items[0]!.yamlSource).toContain('name: web # the frontend');
    expect(outcome.items[0]!.yamlSource).toContain('replicas: 2 # scaled by hand');
    expect(outcome.items[0]!.yamlSource).toContain('image: registry.example.com/shop/web:1.4 # pinned');
    expect(outcome.items[2]!.yamlSource).toContain('mode: fast # the default');
  });

  test('removed, added and reordered items', async () => {
    let list = readList();
    const dropped = await exec('drop settings', list.items);
    expect(dropped.items).toHaveLength(2);
    expect(dropped.items[0]).toBe(list.items[0]);
    expect(dropped.items[1]).toBe(list.items[1]);
    expect(dropped.items.every((item) => !item.changed)).toBe(true);

    list = readList();
    const added = await exec('add', list.items);
    expect(added.items.slice(0, 3)).toEqual(list.items);
    expect(added.items.slice(0, 3).every((item, index) => item === list.items[index] && !item.changed)).toBe(true);
    const addedItem = added.items[3]!;
    expect(addedItem.origin).toBe('new');
    expect(addedItem.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'added', namespace: 'shop' }, data: { from: 'fixture' } });

    list = readList();
    const reversed = await exec('reverse', list.items);
    expect(reversed.items).toHaveLength(3);
    [2, 1, 0].forEach((original, index) => expect(reversed.items[index]).toBe(list.items[original]));
    expect(reversed.items.every((item) => !item.changed)).toBe(true);
  });

  test('items the child no longer marks with an id are new ones; the originals are removed', async () => {
    const list = readList();
    const outcome = await exec('strip-ids', list.items);
    expect(outcome.items).toHaveLength(3);
    expect(outcome.items.some((item) => list.items.includes(item))).toBe(false);
    expect(outcome.items.map((item) => [item.origin, item.name])).toEqual([['new', 'web-copy'], ['new', 'web-copy'], ['new', 'settings-copy']]);
    // As under kyaml: what the child wrote is taken as is, so the Service's own ids (which the child saw
    // as its step ids) are gone, and the others keep the map the ids were sent in.
    expect(outcome.items[1]!.object.metadata).toEqual({ name: 'web-copy', namespace: 'shop', annotations: { 'internal.config.kubernetes.io/path': 'app.yaml' } });
    expect(outcome.items[0]!.object.metadata).toEqual({ name: 'web-copy', namespace: 'shop', annotations: {} });
  });

  test('the functionConfig, environment and working directory reach the child', async () => {
    const list = readList();
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { level: '3' } };
    const configured = await exec('config', list.items, {}, config);
    expect(JSON.parse(configured.items[0]!.annotation('fixture/config')!)).toEqual(config);
    const unconfigured = await exec('config', readList().items);
    expect(unconfigured.items[0]!.annotation('fixture/config')).toBe('null');
    // A relative command is found from `cwd`, not from this process's working directory.
    const outcome = await runExternalStep({ exec: './krm-fixture.mjs env' }, readList().items, undefined, { cwd: fixtures, env: { FIXTURE_VALUE: 'from the step' } });
    expect(outcome.results).toEqual([]);
    expect(outcome.items[0]!.annotation('fixture/env')).toBe('from the step');
    expect(outcome.items[0]!.annotation('fixture/cwd')).toBe(fixtures);
  });

  test('a bare command name is found on PATH; quoted arguments stay whole', async () => {
    const spaced = join(scratch, 'a folder');
    mkdirSync(spaced, { recursive: true });
    symlinkSync(fixture, join(spaced, 'fn.mjs'));
    const outcome = await runExternalStep({ exec: `node "${spaced}/fn.mjs" 'annotate' Service` }, readList().items, undefined, { cwd: scratch });
    expect(outcome.results).toEqual([]);
    expect(outcome.items.map((item) => item.annotation('fixture/touched'))).toEqual([undefined, 'done', undefined]);
  });

  test('command lines split like a POSIX shell without expansion', () => {
    expect(splitCommandLine('  fn   --a  b ')).toEqual(['fn', '--a', 'b']);
    expect(splitCommandLine(`node "my fn.js" --flag 'quoted arg' a\\ b "x\\"y" '$HOME' ""`)).toEqual(['node', 'my fn.js', '--flag', 'quoted arg', 'a b', 'x"y', '$HOME', '']);
    expect(splitCommandLine('a"b"\'c\'d')).toEqual(['abcd']);
    expect(() => splitCommandLine("fn 'open")).toThrow('unterminated single quote');
    expect(() => splitCommandLine('fn "open')).toThrow('unterminated double quote');
  });
});

describe('results and stderr', () => {
  test("the child's results, in the spec's shape", async () => {
    const outcome = await exec('results', readList().items);
    expect(outcome.results).toEqual([
      {
        message: 'looked at it',
        severity: 'info',
        resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
        field: { path: 'spec.replicas', currentValue: 1, proposedValue: 2 },
        file: { path: 'app.yaml', index: 0 },
        tags: { rule: 'r1' },
      },
      { message: 'no severity given', severity: 'error' },
      { message: 'old SDK spelling', severity: 'warning' },
      { message: 'legacy reference', severity: 'warning', resourceRef: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'shop' }, field: { path: 'spec.type', proposedValue: 'ClusterIP' } },
      { message: `exec ${fixture} results wrote results[4] without a message`, severity: 'error' },
    ]);
  });

  test('stderr of a successful child becomes one info result', async () => {
    const list = readList();
    const outcome = await exec('stderr', list.items);
    expectUnchanged(outcome, list);
    expect(outcome.results).toEqual([{ message: `exec ${fixture} stderr wrote on stderr: first line\nsecond line`, severity: 'info' }]);
  });

  test('results written in YAML are read too', async () => {
    const script = join(scratch, 'yaml-results.mjs');
    writeFileSync(script, `#!/usr/bin/env node\nprocess.stdin.resume();\nprocess.stdin.on('end', () => process.stdout.write('apiVersion: config.kubernetes.io/v1\\nkind: ResourceList\\nitems: []\\nresults:\\n- message: none left # a comment\\n  severity: warning\\n'));\n`);
    chmodSync(script, 0o755);
    const outcome = await runExternalStep({ exec: script }, readList().items, undefined, { cwd: scratch });
    expect(outcome.items).toEqual([]);
    expect(outcome.results).toEqual([{ message: 'none left', severity: 'warning' }]);
  });
});

describe('failures: an error result, the items unchanged', () => {
  test('a non-zero exit, with the child results and the end of stderr', async () => {
    const list = readList();
    const outcome = await exec('exit 3', list.items);
    expectUnchanged(outcome, list);
    expect(outcome.results).toEqual([
      { message: 'this is why it failed', severity: 'error' },
      { message: `exec ${fixture} exit 3 exited with code 3: some progress\nfailing on purpose`, severity: 'error' },
    ]);
  });

  test('a child that exits without reading a large input', async () => {
    const items = Array.from({ length: 2000 }, (_, index) => new KrmItem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${index}` }, data: { blob: 'x'.repeat(4096) } }, 'new'));
    const outcome = await exec('exit-unread 4', items);
    expect(outcome.items).toEqual(items);
    expect(outcome.results).toEqual([{ message: `exec ${fixture} exit-unread 4 exited with code 4`, severity: 'error' }]);
  });

  test('a child that never ends is killed at the timeout and reaped', async () => {
    const list = readList();
    const pidFile = join(scratch, 'hang.pid');
    const outcome = await exec(`hang ${pidFile}`, list.items, { timeoutMs: 2000 });
    expectUnchanged(outcome, list);
    expect(outcome.results).toEqual([{ message: `exec ${fixture} hang ${pidFile} timed out after 2 s and was killed`, severity: 'error' }]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, not a zombie: a zombie would still accept signal 0.
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  test('a child that leaves a process holding its stdout still finishes the step', async () => {
    const list = readList();
    const pidFile = join(scratch, 'orphan.pid');
    try {
      const outcome = await exec(`orphan ${pidFile}`, list.items);
      expectUnchanged(outcome, list);
      expect(outcome.results).toEqual([]);
    } finally {
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  });

  test('too much output', async () => {
    const list = readList();
    const outcome = await exec('flood', list.items, { maxOutputBytes: 1 << 20 });
    expectUnchanged(outcome, list);
    expect(outcome.results).toEqual([{ message: `exec ${fixture} flood wrote more than 1048576 bytes on stdout and was killed`, severity: 'error' }]);
  });

  test.each([
    ['garbage', /^exec \S+ garbage wrote unreadable output: invalid YAML/],
    ['empty', /^exec \S+ empty wrote unreadable output: no output: a function must write a ResourceList, even one with no items$/],
    ['bare', /^exec \S+ bare wrote unreadable output: the output is not a ResourceList \(found 1 document of resources\)$/],
  ])('output that is not a ResourceList: %s', async (mode, message) => {
    const list = readList();
    const outcome = await exec(mode, list.items);
    expectUnchanged(outcome, list);
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]!.severity).toBe('error');
    expect(outcome.results[0]!.message).toMatch(message);
  });

  test('a child that changes orchestrator annotations changes nothing', async () => {
    const list = readList();
    const outcome = await exec('move', list.items);
    expectUnchanged(outcome, list);
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]!.message).toMatch(/^exec \S+ move changed the orchestrator annotations of Deployment\/shop\/web /);
  });

  test('a command that cannot start', async () => {
    const list = readList();
    const missing = await runExternalStep({ exec: './no-such-fn --flag' }, list.items, undefined, { cwd: scratch });
    expectUnchanged(missing, list);
    expect(missing.results).toEqual([{ message: `exec ./no-such-fn --flag: cannot run it: ${join(scratch, 'no-such-fn')} does not exist`, severity: 'error' }]);

    const notOnPath = await runExternalStep({ exec: 'no-such-fn-anywhere' }, list.items, undefined, { cwd: scratch });
    expect(notOnPath.results).toEqual([{ message: 'exec no-such-fn-anywhere: cannot run it: no-such-fn-anywhere is not on PATH', severity: 'error' }]);

    const plain = join(scratch, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    const denied = await runExternalStep({ exec: plain }, list.items, undefined, { cwd: scratch });
    expect(denied.results).toEqual([{ message: `exec ${plain}: cannot run it: ${plain} is not executable (permission denied; chmod +x?)`, severity: 'error' }]);

    const empty = await runExternalStep({ exec: '   ' }, list.items, undefined, { cwd: scratch });
    expect(empty.results).toEqual([{ message: 'exec step: the command is empty', severity: 'error' }]);
    const unbalanced = await runExternalStep({ exec: "fn 'x" }, list.items, undefined, { cwd: scratch });
    expect(unbalanced.results).toEqual([{ message: "exec fn 'x: cannot split the command line: unterminated single quote", severity: 'error' }]);
    expectUnchanged(unbalanced, list);
  });
});

describe('image steps', () => {
  test('without docker or podman on PATH: a clear error', async () => {
    const empty = join(scratch, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const list = readList();
    const outcome = await runExternalStep({ image: 'example.com/fn:v1' }, list.items, undefined, { cwd: scratch, env: { PATH: empty } });
    expectUnchanged(outcome, list);
    expect(outcome.results).toEqual([
      { message: "image step example.com/fn:v1: neither docker nor podman is on PATH; install one, or use exec: with the function's executable", severity: 'error' },
    ]);
  });

  test("through docker, with kpt's arguments", async () => {
    const argsFile = join(scratch, 'docker-args');
    const list = readList();
    const env = { PATH: `${shimDirectory}:${dirname(process.execPath)}`, DOCKER_SHIM_ARGS: argsFile };
    const outcome = await runExternalStep({ image: 'example.com/fn:v1' }, list.items, undefined, { cwd: scratch, env });
    expect(outcome.results).toEqual([]);
    expect(outcome.items.map((item) => item.annotation('fixture/touched'))).toEqual(['done', 'done', 'done']);
    // Captured from kpt 1.0.0-beta.56 `kpt fn eval --image` with the same shim.
    expect(readFileSync(argsFile, 'utf8').trimEnd().split('\n')).toEqual([
      'run', '--rm', '-i', '--network', 'none', '--user', 'nobody', '--security-opt=no-new-privileges', '--pull', 'missing', 'example.com/fn:v1',
    ]);
  });

  test('an image that is not a reference is refused before anything runs', async () => {
    const outcome = await runExternalStep({ image: '--privileged' }, readList().items, undefined, { cwd: scratch });
    expect(outcome.results).toEqual([{ message: 'image step "--privileged": not an image reference', severity: 'error' }]);
  });
});

describe.skipIf(!hasCorpus)('a real KRM function: dist/bin/strip-route-host', () => {
  const executable = join(projectRoot, 'dist/bin/strip-route-host');
  beforeAll(() => {
    if (!existsSync(executable)) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
    }
  });

  const routeTexts = () =>
    corpusFiles()
      .filter((file) => readCorpus(file).includes('kind: Route'))
      .map(readCorpus);
  const routes = (texts: string[]) => texts.flatMap((text) => readInput(text).items.filter((item) => item.kind === 'Route'));

  test('the same objects, texts and results as the function run in process', async () => {
    const texts = routeTexts();
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { hostRewrites: 'example.com=example.org' } };
    const external = routes(texts);
    const local = routes(texts);
    expect(external.length).toBeGreaterThan(10);
    const outcome = await runExternalStep({ exec: executable }, external, config, { cwd: scratch });
    const expected = runFunction(stripRouteHost, local, readConfig(stripRouteHost, config, 'resource-list'));
    // Some Routes lose a generated host, some get a rewritten one, the rest pass through.
    expect(local.filter((item) => item.changed).length).toBeGreaterThan(2);
    expect(local.filter((item) => !item.changed).length).toBeGreaterThan(2);
    expect(outcome.items).toEqual(external);
    expect(outcome.items.map((item) => item.object)).toEqual(expected.items.map((item) => item.object));
    expect(outcome.items.map((item) => item.yamlSource)).toEqual(expected.items.map((item) => item.yamlSource));
    expect(outcome.items.map((item) => item.changed)).toEqual(expected.items.map((item) => item.changed));
    // The executable also prints every result on stderr (for kustomize): that comes as one more info result.
    const last = outcome.results[outcome.results.length - 1]!;
    expect(last.severity).toBe('info');
    expect(last.message).toMatch(/^exec \S+strip-route-host wrote on stderr: strip-route-host: \[info\]/);
    expect(outcome.results.slice(0, -1)).toEqual(expected.results);
  });
});

describe.skipIf(!hasCorpus)('KrmItem.update', () => {
  // Stream documents from the corpus (each one's text parses alone), re-read for every run; only those the
  // `yaml` library reads as the project does (it reads a `.` key as NaN under YAML 1.1, Kubernetes does not).
  const documents = corpusFiles()
    .filter((file) => /\.ya?ml$/.test(file) && readCorpus(file).length < 200_000)
    .flatMap((file) => {
      try {
        const input = readInput(readCorpus(file));
        return input.shape === 'stream' ? input.items.map((item) => ({ text: item.yamlSource!, object: item.object })) : [];
      } catch {
        return [];
      }
    })
    .filter(({ text, object }) => isDeepStrictEqual(parse(text, { version: '1.1' }), object))
    .map(({ text }) => text)
    .slice(0, 400);

  const key = fc.oneof(fc.stringMatching(/^[a-z][a-zA-Z0-9./_-]{0,10}$/), fc.constantFrom('on', 'yes', '8080', 'a b', 'key: x', '#hash', ''));
  const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 12 }), fc.constantFrom('yes', 'off', '0644', '1e3', '- x', 'a: b', '', 'multi\nline\n'));
  const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
  })).value;
  const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'delete', 'add'), key, value });

  /** Every path of a value (the root excluded). */
  function paths(node: Value, prefix: Array<string | number> = []): Array<Array<string | number>> {
    if (node === null || typeof node !== 'object') return [];
    const entries: Array<[string | number, Value]> = Array.isArray(node) ? node.map((entry, index) => [index, entry]) : Object.entries(node);
    return entries.flatMap(([segment, child]) => [[...prefix, segment], ...paths(child, [...prefix, segment])]);
  }

  function apply(target: ObjectValue, edits: Array<{ at: number; kind: string; key: string; value: Value }>): void {
    for (const { at, kind, key: name, value: shared } of edits) {
      const newValue = structuredClone(shared);
      const all = paths(target);
      if (kind === 'add') {
        const containers = [[], ...all].filter((path) => {
          const node = path.reduce<Value>((parent, segment) => (parent as ObjectValue)[segment as string] as Value, target);
          return node !== null && typeof node === 'object';
        });
        const path = containers[at % containers.length]!;
        const node = path.reduce<Value>((parent, segment) => (parent as ObjectValue)[segment as string] as Value, target) as ObjectValue | Value[];
        if (Array.isArray(node)) node.push(newValue);
        else node[name] = newValue;
        continue;
      }
      if (all.length === 0) continue;
      const path = all[at % all.length]!;
      const parent = path.slice(0, -1).reduce<Value>((node, segment) => (node as ObjectValue)[segment as string] as Value, target) as ObjectValue | Value[];
      const last = path[path.length - 1]!;
      if (kind === 'set') (parent as ObjectValue)[last as string] = newValue;
      else if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last as string];
    }
  }

  test('after update the object equals the target and the text reads back to it', () => {
    expect(documents.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.constantFrom(...documents), fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => {
        const item = readInput(text).items[0]!;
        const before = { object: structuredClone(item.object), text: item.yamlSource };
        const target = structuredClone(item.object);
        apply(target, edits);
        if (typeof target.apiVersion !== 'string' || typeof target.kind !== 'string') return;
        let changed: boolean;
        try {
          changed = item.update(target);
        } catch (error) {
          // Refused (an orchestrator annotation, an edit through an alias): the item is as it was.
          expect((error as Error).message).toMatch(/refusing to change|alias/);
          expect(item.object).toEqual(before.object);
          expect(item.yamlSource).toBe(before.text);
          return;
        }
        expect(item.object).toEqual(target);
        expect(changed).toBe(!isDeepStrictEqual(before.object, target));
        expect(parse(item.yamlSource!, { version: '1.1' })).toEqual(target);
        // A second update to the same target changes nothing.
        const text2 = item.yamlSource;
        expect(item.update(structuredClone(target))).toBe(false);
        expect(item.yamlSource).toBe(text2);
      }),
      { numRuns: 300 },
    );
  });

  test('update keeps the text of untouched fields and changes apiVersion and kind', () => {
    const item = readInput('apiVersion: v1 # core\nkind: ConfigMap\nmetadata:\n  name: a # keep\ndata:\n  x: "1" # one\n  w: "2"\n').items[0]!;
    expect(item.update({ apiVersion: 'example.com/v1', kind: 'Settings', metadata: { name: 'a' }, data: { x: '1', z: '3' } })).toBe(true);
    expect(item.yamlSource).toBe('apiVersion: example.com/v1 # core\nkind: Settings\nmetadata:\n  name: a # keep\ndata:\n  x: "1" # one\n  z: "3"\n');
    expect(item.update({ apiVersion: 'example.com/v1', kind: 'Settings', metadata: { name: 'a' }, data: { x: '1', z: '3' } })).toBe(false);
  });

  test('update refuses to change an orchestrator annotation and leaves the item as it was', () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/path: 'a.yaml'\ndata:\n  x: '1'\n";
    const item = readInput(text).items[0]!;
    expect(() => item.update({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', annotations: { 'config.kubernetes.io/path': 'b.yaml' } }, data: { x: '2' } })).toThrow(/refusing to change/);
    expect(item.yamlSource).toBe(text);
    expect(item.changed).toBe(false);
    expect(item.object).toEqual(parse(text));
  });
});
