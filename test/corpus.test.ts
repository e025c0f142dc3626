/**
 * Golden tests over the real manifests in ../shared/corpus: strip-route-host must handle every Route
 * there by the openshift-velero-plugin rule, leave every other file byte-identical, and be idempotent.
 * Expectations are computed with an independent reader (the `yaml` Document API, or JSON.parse), not
 * with the project's own code.
 */
import { describe, expect, test } from 'vitest';
import { stripRouteHost } from '../functions/strip-route-host/function.js';
import { corpusFiles, hasCorpus, independentItems, readCorpus, run } from './helpers.js';

type Obj = { [key: string]: unknown };


function generatedRoute(item: Obj): boolean {
  const metadata = (item.metadata ?? {}) as Obj;
  const annotations = (metadata.annotations ?? {}) as Obj;
  const spec = (item.spec ?? {}) as Obj;
  return (
    item.kind === 'Route' &&
    (item.apiVersion === 'route.openshift.io/v1' || item.apiVersion === 'v1') &&
    annotations['openshift.io/host.generated'] === 'true' &&
    typeof spec.host === 'string'
  );
}

/** True when `output` is `input` with some lines removed, each of them a `host:` line. */
function onlyHostLinesRemoved(input: string, output: string): { removed: string[]; ok: boolean } {
  const inputLines = input.split('\n');
  const outputLines = output.split('\n');
  const removed: string[] = [];
  let at = 0;
  for (const line of inputLines) {
    if (at < outputLines.length && outputLines[at] === line) at += 1;
    else removed.push(line);
  }
  return { removed, ok: at === outputLines.length && removed.every((line) => /^\s*host:\s/.test(line)) };
}

const files = corpusFiles();

describe.skipIf(!hasCorpus)('strip-route-host over ../shared/corpus', () => {
  test('the corpus is there and holds Routes', () => {
    expect(files.length).toBeGreaterThan(100);
    const routes = files.flatMap((file) => {
      try {
        return independentItems(readCorpus(file)).filter(generatedRoute);
      } catch {
        return [];
      }
    });
    expect(routes.length).toBeGreaterThan(0);
  });

  test.each(files)('%s', (file) => {
    const input = readCorpus(file);
    const items = independentItems(input);
    const first = run(stripRouteHost, input);
    if (items.some((item) => typeof item.apiVersion !== 'string' || typeof item.kind !== 'string')) {
      // Fragments without apiVersion/kind are not KRM resources: a clear error, nothing on stdout.
      expect(first.exitCode).toBe(1);
      expect(first.stdout).toBe('');
      expect(first.stderr).toMatch(/document \d+ \(line \d+\): the object has no (apiVersion|kind)/);
      return;
    }
    expect(first.exitCode, first.stderr).toBe(0);
    const stripped = items.filter(generatedRoute);
    if (stripped.length === 0) {
      expect(first.stdout).toBe(input);
      expect(first.stderr).toBe('');
      return;
    }
    // Every generated host is gone, nothing else changed.
    const expected = items.map((item) => {
      if (!generatedRoute(item)) return item;
      const copy = structuredClone(item);
      delete (copy.spec as Obj).host;
      return copy;
    });
    expect(independentItems(first.stdout)).toEqual(expected);
    if (!/^\s*\{/.test(input)) {
      const diff = onlyHostLinesRemoved(input, first.stdout);
      expect(diff.ok, `unexpected line changes: ${JSON.stringify(diff.removed)}`).toBe(true);
      expect(diff.removed).toHaveLength(stripped.length);
    }
    const infos = first.stderr.split('\n').filter((line) => line.includes('[info]'));
    expect(infos).toHaveLength(stripped.length);
    for (const line of infos) expect(line).toContain(' spec.host: removed the generated host ');
    // Idempotent: a second run changes nothing more.
    const second = run(stripRouteHost, first.stdout);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });
});
