/** Shared test helpers: corpus discovery and running a function in process. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import { parse, parseAllDocuments } from 'yaml';
import { processInvocation, type ConfigFile, type Invocation } from '../lib/runtime.js';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const corpusRoot = join(projectRoot, '..', 'shared', 'corpus');
export const hasCorpus = existsSync(corpusRoot);
if (!hasCorpus) console.warn(`SKIPPING corpus tests: ${corpusRoot} is absent`);

/** Every manifest file of the shared corpus, as paths relative to it. */
export function corpusFiles(): string[] {
  if (!hasCorpus) return [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(name)) files.push(relative(corpusRoot, path));
    }
  };
  walk(corpusRoot);
  return files;
}

export function readCorpus(file: string): string {
  return readFileSync(join(corpusRoot, file), 'utf8');
}

/** Runs a function in process on `stdin`, as its executable would. */
export function run<Config extends SelectionConfig>(fn: KrmFunction<Config>, stdin: string, configFile?: ConfigFile): Invocation {
  return processInvocation(fn, stdin, configFile);
}

/** Wraps items (YAML snippets, each a block map at column 0) into a ResourceList with an optional functionConfig. */
export function resourceList(items: string[], functionConfig?: string): string {
  const indent = (text: string) => text.trimEnd().split('\n').map((line, index) => (index === 0 ? `- ${line}` : `  ${line}`)).join('\n');
  let out = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.map(indent).join('\n')}\n`;
  if (functionConfig) out += `functionConfig:\n${functionConfig.trimEnd().split('\n').map((line) => `  ${line}`).join('\n')}\n`;
  return out;
}

/** A decoded manifest, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = { [key: string]: any };

/**
 * The items of a file as an independent reader sees them: the `yaml` Document API (YAML 1.1) or
 * JSON.parse, with ResourceLists, Lists and typed lists (`RoleBindingList`) flattened. Golden tests
 * compute their expectations from this, not from the project's own reader.
 */
export function independentItems(text: string): Manifest[] {
  let values: unknown[];
  if (/^\s*[{[]/.test(text)) {
    try {
      values = [JSON.parse(text)];
    } catch {
      values = [parse(text, { version: '1.1' })];
    }
  } else values = parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS());
  const items: Manifest[] = [];
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const object = value as Manifest;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) items.push(...(object.items as Manifest[]));
    else items.push(object);
  }
  return items;
}
