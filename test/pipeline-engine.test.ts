/**
 * The pipeline engine (lib/pipeline/engine.ts) in process: stage order and failure rules, step
 * selection, config overrides, validators, and the report counts. Small test functions make each rule
 * observable; the collection's own functions are covered against their executables in pipeline-batch.
 */
import { describe, expect, test } from 'vitest';
import { readInput } from '../lib/io/read.js';
import type { KrmItem, ObjectValue } from '../lib/item.js';
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import { runPipeline, type PipelineRunOptions } from '../lib/pipeline/engine.js';
import { pipelineFrom } from '../lib/pipeline/pipeline-file.js';
import type { FunctionRegistry } from '../lib/pipeline/run-step.js';
import { makeOperation } from '../lib/pipeline/velero-operation.js';

type Fn = KrmFunction<SelectionConfig & never>;

/** Every call, in order: `<function>:<config note>:<item names>`. */
let calls: string[] = [];

function testFunction(name: string, run: (items: readonly KrmItem[], config: { note?: string; namespaceMapping?: { [key: string]: string } }, context: Parameters<Fn['run']>[2]) => void): Fn {
  return {
    name,
    kind: name,
    description: name,
    type: 'mutator',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        note: { type: 'string' },
        namespaceMapping: { type: 'object', additionalProperties: { type: 'string' } },
        selectors: { type: 'array' },
        exclude: { type: 'array' },
      },
    },
    run: (items, config, context) => {
      calls.push(`${name}:${(config as { note?: string }).note ?? ''}:${items.map((item) => item.name).join(',')}`);
      run(items, config as never, context);
    },
  } as Fn;
}

const functions: FunctionRegistry = [
  testFunction('record', () => undefined),
  testFunction('label', (items) => items.forEach((item) => item.set(['metadata', 'labels', 'seen'], 'yes'))),
  testFunction('fail', (items, _config, context) => context.error('refused', items[0])),
  testFunction('warn', (items, _config, context) => context.warning('careful', items[0])),
  testFunction('add', (_items, _config, context) => void context.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'added', namespace: 'shop' } })),
  testFunction('drop', (items, _config, context) => items.filter((item) => item.kind === 'Secret').forEach((item) => context.remove(item))),
  testFunction('mapping', (items, config) => items.forEach((item) => item.set(['metadata', 'annotations', 'mapping'], JSON.stringify(config.namespaceMapping ?? {})))),
  testFunction('status', (items, _config, context) => context.info(JSON.stringify(items[0]!.object.status), items[0])),
];

const manifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings # kept
  namespace: shop
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: shop
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: other
`;

function pipeline(stages: ObjectValue) {
  return pipelineFrom({ apiVersion: 'fn.velero-krm-functions.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'test' }, pipeline: stages }, '/tmp', 'test.yaml');
}

async function runWith(stages: ObjectValue, extra: Partial<PipelineRunOptions> = {}) {
  calls = [];
  const input = readInput(manifests);
  const commits: Array<readonly KrmItem[]> = [];
  const outcome = await runPipeline({
    pipeline: pipeline(stages),
    phase: 'restore',
    items: input.items,
    functions,
    operation: makeOperation('restore', { backupName: 'nightly', namespaces: ['shop'], namespaceMapping: { shop: 'shop-dr' } }),
    commit: async (items) => void commits.push(items),
    now: () => new Date('2026-11-22T10:00:00.123Z'),
    ...extra,
  });
  return { outcome, commits, input };
}

describe('stage order', () => {
  test('pre steps run by name, once, with the Restore object; then mutators, validators, commit, post steps', async () => {
    const { outcome, commits } = await runWith({
      preRestore: [
        { name: 'b-second', exec: 'record', configMap: { note: 'pre-b' } },
        { name: 'a-first', exec: 'record', configMap: { note: 'pre-a' } },
        { name: 'B-upper', exec: 'record', configMap: { note: 'pre-B' } },
      ],
      restore: { validators: [{ exec: 'record', configMap: { note: 'validator' } }], mutators: [{ exec: 'record', configMap: { note: 'mutator' } }] },
      postRestore: [{ name: 'z', exec: 'record', configMap: { note: 'post' } }],
    });
    // Code-point order: upper case before lower case, the same on every machine.
    expect(calls).toEqual([
      'record:pre-B:nightly-restore',
      'record:pre-a:nightly-restore',
      'record:pre-b:nightly-restore',
      'record:mutator:settings,token,web',
      'record:validator:settings,token,web',
      'record:post:nightly-restore',
    ]);
    expect(commits).toHaveLength(1);
    expect(outcome.failed).toBe(false);
    expect(outcome.committed).toBe(true);
    expect(outcome.steps.map((step) => `${step.stage}/${step.name}`)).toEqual(['preRestore/B-upper', 'preRestore/a-first', 'preRestore/b-second', 'restore/record', 'restore/record', 'postRestore/z']);
  });

  test('an error in a pre step stops the run before any item step; nothing is committed; post steps still run and see FailedValidation', async () => {
    const { outcome, commits, input } = await runWith({
      preRestore: [{ name: '1-check', exec: 'fail' }, { name: '2-never', exec: 'record' }],
      restore: { mutators: [{ exec: 'label' }] },
      postRestore: [{ name: 'report', exec: 'status' }],
    });
    expect(calls.map((call) => call.split(':')[0])).toEqual(['fail', 'status']);
    expect(commits).toHaveLength(0);
    expect(outcome.failed).toBe(true);
    expect(input.items.every((item) => !item.changed)).toBe(true);
    const status = JSON.parse(outcome.steps.at(-1)!.results[0]!.message);
    expect(status).toMatchObject({ phase: 'FailedValidation', errors: 1, warnings: 0, progress: { totalItems: 3, itemsRestored: 0 } });
    expect(status.startTimestamp).toBe('2026-11-22T10:00:00Z');
  });

  test('a failing item step stops the stage (later steps do not run) and nothing is committed', async () => {
    const { outcome, commits } = await runWith({
      restore: { mutators: [{ exec: 'label' }, { exec: 'fail' }, { exec: 'record' }], validators: [{ exec: 'record' }] },
      postRestore: [{ name: 'report', exec: 'status' }],
    });
    expect(calls.map((call) => call.split(':')[0])).toEqual(['label', 'fail', 'status']);
    expect(commits).toHaveLength(0);
    expect(outcome.failed).toBe(true);
    expect(JSON.parse(outcome.steps.at(-1)!.results[0]!.message)).toMatchObject({ phase: 'Failed', errors: 1 });
  });

  test('post steps see Completed with the counts, and their own errors fail the run after the commit', async () => {
    const { outcome, commits } = await runWith({
      restore: { mutators: [{ exec: 'warn' }, { exec: 'add' }] },
      postRestore: [{ name: 'a', exec: 'status' }, { name: 'b', exec: 'fail' }],
    });
    expect(commits).toHaveLength(1);
    expect(JSON.parse(outcome.steps[2]!.results[0]!.message)).toMatchObject({ phase: 'Completed', errors: 0, warnings: 1, progress: { totalItems: 3, itemsRestored: 4 } });
    expect(outcome.committed).toBe(true);
    expect(outcome.failed).toBe(true);
  });

  test('a commit that throws fails the run and post steps see Failed', async () => {
    const { outcome } = await runWith(
      { restore: { mutators: [{ exec: 'record' }] }, postRestore: [{ name: 'a', exec: 'status' }] },
      {
        commit: async () => {
          throw new Error('disk full');
        },
      },
    );
    expect(outcome.failed).toBe(true);
    expect(outcome.committed).toBe(false);
    expect(outcome.results.map((result) => result.message)).toContain('disk full');
    expect(JSON.parse(outcome.steps.at(-1)!.results[0]!.message)).toMatchObject({ phase: 'Failed' });
  });

  test('pre and post steps cannot change the Restore object for later steps', async () => {
    const { outcome } = await runWith({ preRestore: [{ name: 'a', exec: 'label' }, { name: 'b', exec: 'status' }] });
    expect(outcome.operation.metadata).toEqual({ name: 'nightly-restore', namespace: 'velero' });
  });
});

describe('steps', () => {
  test('a validator that changes items fails the run', async () => {
    const { outcome, commits } = await runWith({ restore: { validators: [{ exec: 'label' }] } });
    expect(commits).toHaveLength(0);
    expect(outcome.results.at(-1)!.message).toBe('validator label changed items (3 changed, 0 added, 0 removed); validators must only report');
  });

  test('step selectors pick the items a step sees; the report counts what it did', async () => {
    const { outcome, commits } = await runWith({
      restore: {
        mutators: [
          { exec: 'label', selectors: [{ namespace: 'shop' }], exclude: [{ kind: 'Secret' }] },
          { exec: 'drop' },
          { exec: 'add' },
        ],
      },
    });
    expect(calls[0]).toBe('label::settings');
    const [label, drop, add] = outcome.steps;
    expect(label).toMatchObject({ runner: 'in-process', items: 1, changed: 1, added: 0, removed: 0 });
    expect(drop).toMatchObject({ items: 3, changed: 0, added: 0, removed: 1 });
    expect(add).toMatchObject({ items: 2, changed: 0, added: 1, removed: 0 });
    expect(commits[0]!.map((item) => item.name)).toEqual(['settings', 'web', 'added']);
    // The changed item keeps its comment: edits go through the item's text.
    expect(commits[0]![0]!.yamlSource).toContain('name: settings # kept\n  namespace: shop\n  labels:\n    seen: "yes"');
  });

  test('overrides reach the steps whose function declares the field, and win over the configMap', async () => {
    const { commits } = await runWith(
      { restore: { mutators: [{ exec: 'mapping', configMap: { namespaceMapping: 'a=b', note: 'n' } }] } },
      { overrides: { namespaceMapping: 'shop=shop-dr,other=other-dr', unknownField: 'x' } },
    );
    expect(commits[0]![0]!.annotation('mapping')).toBe('{"shop":"shop-dr","other":"other-dr"}');
    expect(calls[0]).toBe('mapping:n:settings,token,web');
  });

  test('defaults (what the Velero object implies) fill in only the fields a step does not set', async () => {
    const { commits } = await runWith(
      { restore: { mutators: [{ exec: 'mapping', configMap: { namespaceMapping: 'a=b' } }, { exec: 'record', selectors: [{ name: 'none' }] }, { exec: 'mapping', selectors: [{ kind: 'Secret' }] }] } },
      { defaults: { namespaceMapping: 'shop=shop-dr', note: 'from-default' } },
    );
    expect(commits[0]![0]!.annotation('mapping')).toBe('{"a":"b"}');
    expect(commits[0]![1]!.annotation('mapping')).toBe('{"shop":"shop-dr"}');
    expect(calls.map((call) => call.split(':').slice(0, 2).join(':'))).toEqual(['mapping:from-default', 'record:from-default', 'mapping:from-default']);
  });

  test('a bad config fails the step with a message naming the field', async () => {
    const { outcome } = await runWith({ restore: { mutators: [{ exec: 'record', configMap: { nope: 'x' } }] } });
    expect(outcome.failed).toBe(true);
    expect(outcome.results[0]!.message).toBe('functionConfig field data: unknown field "nope" (known fields: note, namespaceMapping, selectors, exclude)');
  });

  test('a function that throws fails its step, it does not crash the run', async () => {
    const throwing: Fn = { ...functions[0]!, name: 'throws', run: () => { throw new TypeError('boom'); } };
    const { outcome } = await runWith({ restore: { mutators: [{ exec: 'throws' }] } }, { functions: [throwing] });
    expect(outcome.results).toEqual([{ severity: 'error', message: 'boom' }]);
  });
});
