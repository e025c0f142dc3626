/**
 * The executables validate configs with validators the build compiled ahead of time (ajv standalone
 * code, scripts/precompiled-schemas.mjs); tests and sources compile them at first use
 * (lib/schema-validators.ts). Both must give the same verdict, the same messages and the same filled-in
 * defaults. Checked here on every schema, with configs made from the worked examples and the shipped
 * pipelines by replacing, removing or adding fields with arbitrary JSON values.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateConfig } from '../lib/config.js';
import type { ObjectValue } from '../lib/item.js';
import { functions } from '../functions/index.js';
import pipelineSchema from '../schemas/pipeline.schema.json' with { type: 'json' };
import { projectRoot } from './helpers.js';

type Validate = typeof validateConfig;

const scratch = mkdtempSync(join(tmpdir(), 'velero-krm-precompiled-'));
let precompiledValidate: Validate;

beforeAll(async () => {
  // The same plugin and two-pass build as scripts/build.mjs, over an entry that imports every schema.
  const script: string = join(projectRoot, 'scripts/precompiled-schemas.mjs');
  const { buildWithPrecompiledSchemas, schemaPrecompiler } = await import(script);
  const outfile = join(scratch, 'validate.cjs');
  const entry = [
    "export { validateConfig } from './lib/config.ts';",
    "import './functions/index.ts';",
    "import './lib/pipeline/pipeline-file.ts';",
  ].join('\n');
  await buildWithPrecompiledSchemas(
    { absWorkingDir: projectRoot, stdin: { contents: entry, resolveDir: projectRoot, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' },
    await schemaPrecompiler(projectRoot, scratch),
  );
  const bundle = readFileSync(outfile, 'utf8');
  // Not vacuous: the bundle holds ajv's generated code, and not ajv's compiler.
  expect(bundle).toContain('velero-krm-functions:compiled-schemas');
  expect(bundle).not.toContain('ajv/dist/compile/index.js');
  precompiledValidate = (createRequire(import.meta.url)(outfile) as { validateConfig: Validate }).validateConfig;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What validating gives: the defaulted fields, or the error message. */
function outcome(validate: Validate, schema: object, fields: ObjectValue): { fields: ObjectValue } | { error: string } {
  try {
    return { fields: validate(schema, structuredClone(fields)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A config's fields: the object without apiVersion, kind and metadata. */
function fieldsOf(path: string): ObjectValue {
  const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...fields } = parse(readFileSync(join(projectRoot, path), 'utf8')) as ObjectValue;
  return fields;
}

const cases: Array<{ name: string; schema: object; bases: ObjectValue[] }> = [
  ...functions.map((fn) => ({ name: fn.name, schema: fn.schema, bases: [fieldsOf(`functions/${fn.name}/examples/config.yaml`), {}] })),
  { name: 'pipeline', schema: pipelineSchema, bases: ['pipelines/restore-openshift.yaml', 'pipelines/backup.yaml'].map((path) => parse(readFileSync(join(projectRoot, path), 'utf8')) as ObjectValue) },
];

/** Replaces, removes or adds one field at a path of up to three keys or indexes. */
function mutated(base: ObjectValue): fc.Arbitrary<ObjectValue> {
  const paths: Array<Array<string | number>> = [];
  const walk = (value: unknown, path: Array<string | number>) => {
    paths.push(path);
    if (path.length === 3 || value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
  };
  walk(base, []);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    key: fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }), fc.constantFrom('name', 'from', 'to', 'selectors', 'kind', 'exec', 'image')),
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
  });
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    const config = structuredClone(base) as { [key: string]: unknown };
    for (const { path, key, value } of edits) {
      // An earlier edit may have replaced part of the path.
      let target: unknown = config;
      for (const step of path) target = target !== null && typeof target === 'object' ? (target as { [key: string]: unknown })[step as string] : undefined;
      if (target === null || typeof target !== 'object') continue;
      const slot = key === '' ? Object.keys(target)[0] ?? 'extra' : key;
      if (value === undefined) delete (target as { [key: string]: unknown })[slot];
      else (target as { [key: string]: unknown })[slot] = value;
    }
    return config as ObjectValue;
  });
}

describe.each(cases)('$name', ({ schema, bases }) => {
  test('the worked example and the empty config validate alike', () => {
    for (const base of bases) expect(outcome(precompiledValidate, schema, base)).toEqual(outcome(validateConfig, schema, base));
  });

  test('configs with fields replaced, removed or added validate alike', () => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.constantFrom(...bases).chain(mutated), (config) => {
        const fromSources = outcome(validateConfig, schema, config);
        if ('error' in fromSources) rejected += 1;
        expect(outcome(precompiledValidate, schema, config)).toEqual(fromSources);
      }),
      { numRuns: 300 },
    );
    // The error paths were exercised, not only valid configs.
    expect(rejected).toBeGreaterThan(30);
  });
});
