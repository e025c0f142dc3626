/**
 * Every JSON Schema of the project (function configs, selectors, pipeline files) is a valid draft-07
 * schema that ajv compiles in strict mode: the runtime skips this check at every start (lib/schema-validators.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect, test } from 'vitest';
import { projectRoot } from './helpers.js';

const directory = join(projectRoot, 'schemas');
const files = readdirSync(directory).filter((name) => name.endsWith('.schema.json'));

test('the schemas are there', () => expect(files.length).toBeGreaterThanOrEqual(9));

test.each(files)('%s is a valid schema and compiles in strict mode', (file) => {
  const ajv = new Ajv({ allErrors: true, strict: true, validateSchema: true });
  ajv.addVocabulary(['x-pair', 'x-messages']);
  for (const other of files.filter((name) => name !== file)) ajv.addSchema(JSON.parse(readFileSync(join(directory, other), 'utf8')));
  const schema = JSON.parse(readFileSync(join(directory, file), 'utf8'));
  expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  expect(() => ajv.compile(schema)).not.toThrow();
});

test('a broken schema is caught', () => {
  const ajv = new Ajv({ strict: true, validateSchema: true });
  expect(ajv.validateSchema({ type: 'objekt' })).toBe(false);
});
