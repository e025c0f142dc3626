/**
 * The YAML layer: decoding agrees with the `yaml` library, edits touch only the edited field, and the
 * text and the decoded object never drift apart (property tests over the corpus).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { readInput } from '../lib/io/read.js';
import type { KrmItem } from '../lib/item.js';
import { isSafePlainString, renderScalar, resolvePlainScalar } from '../lib/yaml/scalar.js';
import { corpusFiles, hasCorpus, readCorpus } from './helpers.js';

function onlyItem(text: string): KrmItem {
  const input = readInput(text);
  expect(input.items).toHaveLength(1);
  return input.items[0]!;
}

/** Applies `change` to the only item of `text` and returns the whole output text. */
function edit(text: string, change: (item: KrmItem) => void): string {
  const input = readInput(text);
  change(input.items[0]!);
  const out = [...input.serialize(input.items, [])].join('');
  expect(normalize(parse(out, { version: '1.1' }))).toEqual(normalize(input.items[0]!.object));
  return out;
}

/** Compares our decoding with the yaml library's (YAML 1.1), where timestamps become Dates. */
function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(normalize);
  // The yaml library's YAML 1.1 schema reads a lone `.` (a managedFields key) as NaN; go-yaml, and we, read a string.
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k === 'NaN' ? '.' : k, normalize(v)]));
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)) return new Date(value).getTime();
  return value;
}

describe('scalars', () => {
  test.each([
    ['yes', true],
    ['No', false],
    ['on', true],
    ['0644', 420],
    ['0x1F', 31],
    ['1_000', 1000],
    ['1e3', 1000],
    ['~', null],
    ['', null],
    ['2015-01-01', '2015-01-01'],
    ['v1', 'v1'],
    ['.inf', Infinity],
    ['190:20:30', 685230],
  ])('%s resolves as Kubernetes (YAML 1.1) reads it', (source, value) => {
    expect(resolvePlainScalar(source)).toEqual(value);
  });

  test.each(['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'null', '~', '0755', '1e3', '0o17', '2015-01-01', '12', '1.5', '', ' lead', 'a: b', 'a #b', '- x', '@x', '*x'])(
    'the string %j is written quoted',
    (text) => {
      expect(isSafePlainString(text)).toBe(false);
      const written = renderScalar(text);
      expect(parse(`k: ${written}`, { version: '1.1' }).k).toBe(text);
      expect(parse(`k: ${written}`, { version: '1.2' }).k).toBe(text);
    },
  );

  test('any string written plain or quoted reads back as itself in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const written = renderScalar(text);
        expect(parse(`k: ${written}`, { version: '1.1' }).k).toBe(text);
        expect(parse(`k: ${written}`, { version: '1.2' }).k).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('edits', () => {
  const route = `# head comment
apiVersion: route.openshift.io/v1   # trailing
kind: Route
metadata:
  name: web
  annotations: {openshift.io/host.generated: 'true'}

spec:
  # the host
  host: web-shop.apps.example.com # generated
  to:
    kind: Service
    name: web
  tls: {termination: edge}
`;

  test('deleting a key removes its line and its head comment; other comments, blank lines, flow style stay', () => {
    expect(edit(route, (item) => item.delete(['spec', 'host']))).toBe(route.replace('  # the host\n  host: web-shop.apps.example.com # generated\n', ''));
  });

  describe('comment lines after a collection belong to what follows it', () => {
    const pod = `apiVersion: v1
kind: Pod
spec:
  ports:
  - containerPort: 9000
    # deeper: about the port
  # head of volumeMounts
  volumeMounts:
  - name: data
  script: |
    echo hi
  next: 1
`;
    test.each([
      ['replace a list', (item: KrmItem) => item.set(['spec', 'ports'], 0), pod.replace('  ports:\n  - containerPort: 9000\n    # deeper: about the port\n', '  ports: 0\n    # deeper: about the port\n')],
      ['append to a list', (item: KrmItem) => item.set(['spec', 'ports', 1], 5), pod.replace('  - containerPort: 9000\n', '  - containerPort: 9000\n  - 5\n')],
      ['delete a key: its deeper comments go, the next key keeps its head comment', (item: KrmItem) => item.delete(['spec', 'ports']), pod.replace('  ports:\n  - containerPort: 9000\n    # deeper: about the port\n', '')],
      ['add to a map whose last value is followed by a comment of the parent', (item: KrmItem) => item.set(['spec', 'ports', 0, 'name'], 'http'), pod.replace('  - containerPort: 9000\n', '  - containerPort: 9000\n    name: http\n')],
      ['replace a block scalar', (item: KrmItem) => item.set(['spec', 'script'], 'x'), pod.replace('  script: |\n    echo hi\n', '  script: x\n')],
      ['delete the key before a block scalar', (item: KrmItem) => item.delete(['spec', 'volumeMounts']), pod.replace('  # head of volumeMounts\n  volumeMounts:\n  - name: data\n', '')],
      ['delete the key after a block scalar', (item: KrmItem) => item.delete(['spec', 'next']), pod.replace('  next: 1\n', '')],
      ['add a key after a block scalar', (item: KrmItem) => item.set(['spec', 'added'], true), pod + '  added: true\n'],
    ])('%s', (_name, change, expected) => {
      const out = edit(pod, change);
      expect(out).toBe(expected);
      expect(parse(out)).toBeTypeOf('object');
    });
  });

  test('replacing a scalar keeps its quoting style and trailing comment', () => {
    const out = edit(route, (item) => {
      item.set(['metadata', 'annotations', 'openshift.io/host.generated'], 'false');
      item.set(['spec', 'host'], 'web.apps.dst.example.com');
    });
    expect(out).toBe(
      route.replace(`'true'`, `'false'`).replace('web-shop.apps.example.com # generated', 'web.apps.dst.example.com # generated'),
    );
  });

  test('adding keys: block maps at the siblings column, flow maps inline, values YAML-1.1 safe', () => {
    const out = edit(route, (item) => {
      item.set(['metadata', 'annotations', 'example.com/flag'], 'yes');
      item.set(['metadata', 'labels', 'app'], '0755');
      item.set(['spec', 'tls', 'insecureEdgeTerminationPolicy'], 'Redirect');
    });
    expect(out).toBe(
      route
        .replace(`'true'}\n`, `'true', example.com/flag: "yes"}\n  labels:\n    app: "0755"\n`)
        .replace('{termination: edge}', '{termination: edge, insecureEdgeTerminationPolicy: Redirect}'),
    );
  });

  test('CRLF line ends and a missing final newline survive edits', () => {
    const text = 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\ndata:\r\n  a: "1"\r\n  b: "2"';
    const item = onlyItem(text);
    item.delete(['data', 'b']);
    item.set(['data', 'c'], 'three');
    expect(item.yamlSource).toBe('apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\ndata:\r\n  a: "1"\r\n  c: three');
  });

  test('deleting the only key of a map leaves {} (not null)', () => {
    const item = onlyItem('apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec:\n  host: a\n');
    item.delete(['spec', 'host']);
    expect(item.yamlSource).toBe('apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec: {}\n');
    expect(parse(item.yamlSource!)).toEqual(item.object);
  });

  test('deleting the first key of a `- key:` list entry pulls the next one up', () => {
    const item = onlyItem('apiVersion: v1\nkind: X\nmetadata:\n  name: x\nlist:\n- a: 1\n  # about b\n  b: 2\n');
    item.delete(['list', 0, 'a']);
    expect(item.yamlSource).toBe('apiVersion: v1\nkind: X\nmetadata:\n  name: x\nlist:\n- # about b\n  b: 2\n');
    expect(parse(item.yamlSource!)).toEqual(item.object);
  });

  test('orchestrator annotations cannot be changed', () => {
    const item = onlyItem("apiVersion: v1\nkind: X\nmetadata:\n  name: x\n  annotations:\n    internal.config.kubernetes.io/path: 'a.yaml'\n");
    expect(() => item.set(['metadata', 'annotations', 'internal.config.kubernetes.io/path'], 'b.yaml')).toThrow(/refusing/);
    expect(() => item.delete(['metadata', 'annotations'])).toThrow(/refusing/);
    expect(item.object.metadata).toEqual({ name: 'x', annotations: { 'internal.config.kubernetes.io/path': 'a.yaml' } });
  });
});

const yamlFiles = corpusFiles().filter((file) => !/^\s*\{/.test(readCorpus(file)));

describe.skipIf(!hasCorpus)('decoding agrees with the yaml library on the corpus', () => {
  test.each(yamlFiles)('%s', (file) => {
    const text = readCorpus(file);
    let input;
    try {
      input = readInput(text);
    } catch (error) {
      expect(String(error)).toMatch(/has no (apiVersion|kind)/);
      return;
    }
    const documents = parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS());
    // In a stream, a List or typed list document (not a ResourceList) holds items, as in a single-document input.
    const isList = (value: unknown): value is { items: unknown[] } =>
      typeof (value as { kind?: unknown } | null)?.kind === 'string' && (value as { kind: string }).kind.endsWith('List') && (value as { kind: string }).kind !== 'ResourceList' && Array.isArray((value as { items?: unknown }).items);
    const theirs = documents.flatMap((value) =>
      input.shape === 'stream' ? (value === null ? [] : isList(value) && documents.length > 1 ? value.items : [value]) : ((value as { items: unknown[] } | null)?.items ?? []),
    );
    expect(normalize(input.items.map((item) => item.object))).toEqual(normalize(theirs));
  });
});

/** True when the item's own text, read alone, is the item. */
function readsAlone(item: KrmItem): boolean {
  try {
    const again = readInput(item.yamlSource!).items;
    return again.length === 1 && JSON.stringify(again[0]!.object) === JSON.stringify(item.object);
  } catch {
    return false;
  }
}

describe.skipIf(!hasCorpus)('property: text and object stay in sync under random edits', () => {
  const items = yamlFiles.flatMap((file) => {
    try {
      const input = readInput(readCorpus(file));
      // Entries of a List start at a column > 0 and do not read alone; stream documents do.
      return input.shape === 'stream' ? input.items.filter((item) => readsAlone(item)).map((item) => item.yamlSource!) : [];
    } catch {
      return [];
    }
  });

  test('set/delete on random existing and new paths', () => {
    const key = fc.constantFrom('metadata', 'spec', 'x-new', 'annotations', 'name', 'host', 'replicas', 'nodeSelector');
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.constantFrom('a', 'b', 'yes'), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
    const operation = fc.record({ path: fc.array(key, { minLength: 1, maxLength: 3 }), value, remove: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: items.length - 1 }), fc.array(operation, { maxLength: 4 }), (index, operations) => {
        const item = onlyItem(items[index]!);
        for (const { path, value: next, remove } of operations) {
          const at = ['metadata', ...path];
          try {
            if (remove) item.delete(at);
            else item.set(at, next);
          } catch (error) {
            // Paths through scalars and orchestrator annotations are refused; anything else is a bug.
            expect(String(error)).toMatch(/not a map|refusing|no such list index|does not exist/);
            return;
          }
        }
        expect(normalize(parse(item.yamlSource!, { version: '1.1' }))).toEqual(normalize(item.object));
      }),
      { numRuns: 400 },
    );
  });
});

describe('property: decoding agrees with the yaml library on generated documents', () => {
  // Not `<<`: the yaml library writes that key unquoted even with quoted keys, which makes it a YAML 1.1
  // merge key that neither it nor we can read back (seed 542681984 found it).
  const mapKey = fc.string({ minLength: 1, maxLength: 8 }).filter((key) => key !== '<<');
  const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(mapKey, tie('node'), { maxKeys: 4 })),
  })).node;
  const document = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('ConfigMap'), data: value });

  test.each([
    ['block style', {}],
    ['flow style', { collectionStyle: 'flow' as const }],
    ['quoted keys and values', { defaultKeyType: 'QUOTE_DOUBLE' as const, defaultStringType: 'QUOTE_SINGLE' as const }],
    ['folded long lines', { lineWidth: 20, minContentWidth: 5 }],
  ])('%s', (_name, options) => {
    fc.assert(
      fc.property(document, (object) => {
        const text = stringify(object, { version: '1.1', ...options });
        const input = readInput(text);
        expect(normalize(input.items[0]!.object)).toEqual(normalize(parse(text, { version: '1.1' })));
        expect([...input.serialize(input.items, [])].join('')).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
