/**
 * Output written as parts (`Input.serialize`, lib/io/output-parts.ts): the parts of a changed JSON
 * input are exactly `JSON.stringify` of the whole output, in any indentation; batching loses and
 * reorders nothing; an atomic write leaves either the whole new file or the old one.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { readInput } from '../lib/io/read.js';
import { batches, writeAtomically } from '../lib/io/output-parts.js';
import { itemResult, resultsValue } from '../lib/results.js';

const scratch = mkdtempSync(join(tmpdir(), 'velero-krm-output-parts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const key = fc.string({ minLength: 1, maxLength: 6 }).filter((name) => !['items', 'results', 'apiVersion', 'kind', '__proto__'].includes(name));
const item = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'route.openshift.io/v1'),
  kind: fc.constantFrom('ConfigMap', 'Deployment', 'Route'),
  metadata: fc.record({ name: fc.string({ maxLength: 8 }), annotations: fc.dictionary(key, fc.string({ maxLength: 12 }), { maxKeys: 3 }) }),
  spec: fc.jsonValue({ maxDepth: 3 }),
});

describe('a changed JSON input is serialized as JSON.stringify would write it whole', () => {
  test('ResourceLists, Lists and single objects; any indentation; items kept, removed and added', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom('ResourceList', 'List', 'ConfigMapList', 'single'),
          extra: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
          itemsFirst: fc.boolean(),
          items: fc.array(item, { maxLength: 4 }),
          added: fc.array(item, { maxLength: 2 }),
          removeFirst: fc.boolean(),
          withResults: fc.boolean(),
          indent: fc.constantFrom('', ' ', '  ', '\t', '    ', ' '.repeat(12)),
          finalNewline: fc.constantFrom('', '\n', '\r\n'),
        }),
        ({ kind, extra, itemsFirst, items, added, removeFirst, withResults, indent, finalNewline }) => {
          const single = kind === 'single';
          const root = single ? items[0] ?? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only' }, spec: null } : itemsFirst ? { items, apiVersion: 'v1', kind, ...extra } : { apiVersion: 'v1', kind, ...extra, items };
          const input = readInput(JSON.stringify(root, null, indent) + finalNewline);
          expect(input.format).toBe('json');
          // A change, so the input is written anew rather than as its original text.
          input.items[0]?.set(['metadata', 'labels'], { changed: 'true' });
          const kept = removeFirst ? input.items.slice(1) : [...input.items];
          const newItems = added.map((object) => readInput(JSON.stringify(object)).items[0]!);
          const results = withResults && kind === 'ResourceList' ? [itemResult('info', 'a result')] : [];
          const output = [...kept, ...newItems];
          const parts = [...input.serialize(output, results)];

          let expected: unknown;
          if (single && output.length === 1) expected = output[0]!.object;
          else if (single) expected = { apiVersion: 'v1', kind: 'List', items: output.map((entry) => entry.object) };
          else {
            expected = { ...root, items: output.map((entry) => entry.object) };
            if (results.length > 0) (expected as { results: unknown }).results = resultsValue(results);
          }
          const unchanged = input.items.length === 0 && output.length === 0 && results.length === 0;
          if (!unchanged) expect(parts.join('')).toBe(JSON.stringify(expected, null, indent) + finalNewline);
          // One part per item at least, so a large output is never one string.
          if (!single && output.length > 1) expect(parts.length).toBeGreaterThan(output.length);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('batches', () => {
  test('keep every part in order, each batch but the last at least 1 MiB', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 400_000 }), { maxLength: 30 }), fc.string({ minLength: 1, maxLength: 3 }), (lengths, fill) => {
        const parts = lengths.map((length, index) => `${index}:`.padEnd(length, fill));
        const out = [...batches(parts)];
        expect(out.join('')).toBe(parts.join(''));
        out.slice(0, -1).forEach((batch) => expect(batch.length).toBeGreaterThanOrEqual(1024 * 1024));
        if (parts.join('') === '') expect(out).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('writeAtomically', () => {
  test('writes the parts whole, through batches, and leaves no temporary file', () => {
    const path = join(scratch, 'deep', 'er', 'out.json');
    const parts = Array.from({ length: 3000 }, (_, index) => `{"n":${index},"pad":"${'é'.repeat(500)}"}\n`);
    writeAtomically(path, parts);
    expect(readFileSync(path, 'utf8')).toBe(parts.join(''));
    expect(readdirSync(join(scratch, 'deep', 'er'))).toEqual(['out.json']);
  });

  test('a failure while writing leaves the previous file as it was, and no temporary file', () => {
    const path = join(scratch, 'kept.yaml');
    writeFileSync(path, 'old\n');
    function* failing(): Generator<string> {
      yield 'x'.repeat(2 * 1024 * 1024);
      throw new Error('the serializer failed');
    }
    expect(() => writeAtomically(path, failing())).toThrow('the serializer failed');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(scratch).filter((name) => name.startsWith('kept'))).toEqual(['kept.yaml']);
  });
});
