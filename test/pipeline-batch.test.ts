/**
 * One code path: the batched pipeline (every step in one process, one parse, one serialization) gives
 * exactly the bytes that chaining the single-function runtime gives (each step parsing and serializing
 * the previous step's output, as `a | b | c` with the executables would), on every corpus file, and a
 * second run over its own output changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { functions } from '../functions/index.js';
import { pipelineMain } from '../lib/pipeline/cli.js';
import { corpusFiles, hasCorpus, independentItems, projectRoot, readCorpus, run } from './helpers.js';
import { join } from 'node:path';

const restoreSteps = ['rewrite-image-refs', 'remap-namespace-subjects', 'strip-route-host', 'unquiesce-workloads', 'generate-datamover-restores'];
const internalRegistries = 'image-registry.openshift-image-registry.svc:5000,docker-registry.default.svc:5000';

/** Maps every namespace of the input to `<namespace>-dr`. */
function mappingFor(text: string): string {
  let items;
  try {
    items = independentItems(text);
  } catch {
    return '';
  }
  const namespaces = new Set(items.map((item) => item?.metadata?.namespace).filter((namespace) => typeof namespace === 'string' && namespace !== ''));
  return [...namespaces].map((namespace) => `${namespace}=${namespace}-dr`).join(',');
}

/** The ConfigMap each step gets in the shipped pipeline with `-n <mapping>` (the Restore is `backup-restore` in `velero`). */
function configFor(step: string, mapping: string): string {
  const fn = functions.find((candidate) => candidate.name === step)!;
  const declared = Object.keys((fn.schema as { properties: object }).properties);
  const data: { [key: string]: string } = {};
  if (step === 'rewrite-image-refs') data.internalRegistries = internalRegistries;
  if (mapping && declared.includes('namespaceMapping')) data.namespaceMapping = mapping;
  if (declared.includes('restoreName')) data.restoreName = 'backup-restore';
  if (declared.includes('veleroNamespace')) data.veleroNamespace = 'velero';
  return stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: step }, data });
}

async function batched(input: string, mapping: string) {
  let stdout = '';
  let stderr = '';
  const args = ['-p', join(projectRoot, 'pipelines/restore-openshift.yaml'), '--backup-name', 'backup', '-q', ...(mapping ? ['-n', mapping] : [])];
  const code = await pipelineMain(functions, args, { readStdin: async () => input, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) }, 'test');
  return { code, stdout, stderr };
}

function chained(input: string, mapping: string) {
  let text = input;
  for (const step of restoreSteps) {
    const fn = functions.find((candidate) => candidate.name === step)!;
    const out = run(fn, text, { path: `${step}.yaml`, text: configFor(step, mapping) });
    if (out.exitCode !== 0) return { code: out.exitCode, stdout: '' };
    text = out.stdout;
  }
  return { code: 0, stdout: text };
}

describe.skipIf(!hasCorpus)('batched pipeline = chained executables, on the corpus', () => {
  const files = corpusFiles();
  let changedFiles = 0;
  test('the corpus is there', () => expect(files.length).toBeGreaterThan(200));
  test.each(files)('%s', async (file) => {
    const input = readCorpus(file);
    const mapping = mappingFor(input);
    const one = await batched(input, mapping);
    const many = chained(input, mapping);
    expect(one.code, one.stderr).toBe(many.code);
    if (one.code !== 0) return;
    // A ResourceList carries results: the pipeline's hold every step's, a chain's only the last step's.
    if (/^kind: ResourceList$/m.test(input)) return;
    expect(one.stdout).toBe(many.stdout);
    if (one.stdout !== input) changedFiles += 1;
    const again = await batched(one.stdout, mapping);
    expect(again.code).toBe(0);
    expect(again.stdout, 'a second run changes nothing').toBe(one.stdout);
  });
  test('the comparison is not vacuous: the restore changed many corpus files', () => {
    console.log(`${changedFiles} of ${files.length} corpus files changed by the restore pipeline`);
    expect(changedFiles).toBeGreaterThan(25);
  });
});
