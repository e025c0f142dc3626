/** Pipeline files (lib/pipeline/pipeline-file.ts): the shipped ones load; bad ones fail with a message naming the field. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { collectionFunction } from '../lib/pipeline/run-step.js';
import { pipelineFrom, readPipelineFile } from '../lib/pipeline/pipeline-file.js';
import { functions } from '../functions/index.js';
import { projectRoot } from './helpers.js';

const header = { apiVersion: 'fn.velero-krm-functions.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'p' } };
const load = (pipeline: unknown) => () => pipelineFrom({ ...header, pipeline }, '/tmp', 'p.yaml');

describe('shipped pipelines', () => {
  const files = readdirSync(join(projectRoot, 'pipelines')).filter((name) => name.endsWith('.yaml'));
  test.each(files)('%s loads, and every step runs in process', (file) => {
    const pipeline = readPipelineFile(join(projectRoot, 'pipelines', file));
    expect(pipeline.phases).toHaveLength(1);
    const stages = pipeline.stages(pipeline.phases[0]!);
    const steps = [...stages.pre, ...stages.items.mutators, ...stages.items.validators, ...stages.post];
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(collectionFunction(step, functions)?.name, step.exec).toBe(step.exec);
  });
});

describe('validation', () => {
  test.each([
    [{ restore: { mutators: [{ configMap: { a: 'b' } }] } }, 'pipeline file p.yaml field pipeline.restore.mutators[0]: give exactly one of exec or image'],
    [{ restore: { mutators: [{ exec: 'a', image: 'b' }] } }, 'pipeline file p.yaml field pipeline.restore.mutators[0]: give exactly one of exec or image'],
    [{ restore: { mutators: [{ exec: 'a', configPath: 'c.yaml', configMap: {} }] } }, 'pipeline file p.yaml field pipeline.restore.mutators[0]: give configPath or configMap, not both'],
    [{ restore: { mutator: [] } }, 'pipeline file p.yaml field pipeline.restore: unknown field "mutator" (known fields: mutators, validators)'],
    [{ restores: {} }, 'pipeline file p.yaml field pipeline: unknown field "restores" (known fields: preBackup, backup, postBackup, preRestore, restore, postRestore)'],
    [{ preRestore: [{ exec: 'check' }] }, 'pipeline file p.yaml field pipeline.preRestore[0]: missing required field "name"'],
    [{ restore: { mutators: [{ exec: 'a', configMap: { list: ['x'] } }] } }, 'pipeline file p.yaml field pipeline.restore.mutators[0].configMap.list: expected a string (or a number or boolean, written as a string)'],
    [{ restore: { mutators: [{ exec: 'a', selectors: [{ kinds: 'Route' }] }] } }, 'pipeline file p.yaml field pipeline.restore.mutators[0].selectors[0]: unknown field "kinds" (known fields: apiVersion, kind, name, namespace, labels, annotations)'],
  ])('%j', (pipeline, message) => {
    expect(load(pipeline)).toThrow(message);
  });

  test('hook steps need unique names: they run in name order', () => {
    expect(load({ postRestore: [{ name: 'a', exec: 'x' }, { name: 'a', exec: 'y' }] })).toThrow(
      'pipeline file p.yaml field pipeline.postRestore: two steps are named "a"; hook steps run in name order, so names must be unique',
    );
  });

  test('a phase the file does not define is refused by name', () => {
    expect(() => load({ backup: { mutators: [{ exec: 'quiesce-workloads' }] } })().stages('restore')).toThrow('pipeline p has no restore stages (it defines: backup)');
  });

  test('a Kptfile is a pipeline whose item stage serves either phase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-file-'));
    writeFileSync(join(dir, 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: strip-route-host\n');
    const pipeline = readPipelineFile(join(dir, 'Kptfile'));
    expect(pipeline.directory).toBe(dir);
    expect(pipeline.stages('restore').items.mutators).toEqual([{ exec: 'strip-route-host' }]);
    expect(pipeline.stages('backup').items.mutators).toEqual([{ exec: 'strip-route-host' }]);
    writeFileSync(join(dir, 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - image: a\n    exec: b\n');
    expect(() => readPipelineFile(join(dir, 'Kptfile'))).toThrow(`Kptfile ${join(dir, 'Kptfile')} field pipeline.restore.mutators[0]: give exactly one of exec or image`);
  });

  test('an unreadable file is named', () => {
    expect(() => readPipelineFile('/nonexistent/p.yaml')).toThrow('cannot read pipeline file /nonexistent/p.yaml: ENOENT');
  });
});

describe('which steps run in process', () => {
  test.each([
    [{ exec: 'strip-route-host' }, 'strip-route-host'],
    [{ exec: 'dist/bin/strip-route-host' }, 'strip-route-host'],
    [{ exec: 'strip-route-host --verbose' }, undefined],
    [{ exec: './my-function' }, undefined],
    [{ image: 'ghcr.io/acme/velero-krm-functions/rewrite-image-refs:0.1.0' }, 'rewrite-image-refs'],
    [{ image: 'velero-krm-functions/rewrite-image-refs@sha256:0123' }, 'rewrite-image-refs'],
    [{ image: 'localhost:5000/velero-krm-functions/strip-route-host' }, 'strip-route-host'],
    [{ image: 'ghcr.io/acme/strip-route-host:1' }, undefined],
    [{ image: 'gcr.io/kpt-fn/set-namespace:v0.4' }, undefined],
  ])('%j → %s', (step, name) => {
    expect(collectionFunction(step, functions)?.name).toBe(name);
  });
});
