/**
 * JSON input (a ResourceList, a List, or a single object), written back as JSON with the input's
 * indentation (detected from its second line: spaces, tabs, or none) and its final newline. When
 * nothing changed (no item changed, added or removed, no results) the original text is written as is,
 * keeping what a re-serialization would not (Go's `\u003e` escapes, key spacing).
 */
import { InputError } from '../errors.js';
import { KrmItem, type ObjectValue } from '../item.js';
import { resultsValue, type Result } from '../results.js';
import type { Value } from '../yaml/scalar.js';
import { checkItem, isWrapperKind, itemLocation, type Input, type InputShape } from './input.js';

class JsonInput implements Input {
  readonly format = 'json';

  constructor(
    readonly shape: InputShape,
    private readonly root: ObjectValue | undefined,
    readonly items: readonly KrmItem[],
    private readonly indent: string,
    private readonly finalNewline: string,
    private readonly text: string,
  ) {}

  get functionConfig(): ObjectValue | undefined {
    const config = this.shape === 'resource-list' ? this.root?.functionConfig : undefined;
    return config && typeof config === 'object' && !Array.isArray(config) ? config : undefined;
  }

  write(items: readonly KrmItem[], results: readonly Result[]): string {
    const unchanged = results.length === 0 && items.length === this.items.length && items.every((item, index) => item === this.items[index] && !item.changed);
    if (unchanged) return this.text;
    let out: Value;
    if (this.shape === 'stream') {
      if (items.length !== 1) {
        // A single object in, several out: a List keeps the output one JSON value.
        out = { apiVersion: 'v1', kind: 'List', items: items.map((item) => item.object) };
      } else out = items[0]!.object;
    } else {
      out = { ...this.root!, items: items.map((item) => item.object) };
      if (this.shape === 'resource-list' && (results.length > 0 || 'results' in this.root!)) out.results = resultsValue(results);
    }
    return JSON.stringify(out, null, this.indent) + this.finalNewline;
  }
}

/**
 * Reads JSON text.
 * @throws InputError for a value that is not an object, or an item without apiVersion or kind
 * @throws SyntaxError from JSON.parse for malformed JSON (the caller falls back to YAML)
 */
export function readJson(text: string): Input {
  const value = JSON.parse(text) as Value;
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '';
  const finalNewline = /\r?\n$/.exec(text)?.[0] ?? '';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('expected a JSON object (a ResourceList, a List or a Kubernetes object)');
  }
  if (isWrapperKind(value.kind) && (Array.isArray(value.items) || value.items === null || value.items === undefined)) {
    const shape: InputShape = value.kind === 'ResourceList' ? 'resource-list' : 'list';
    const entries = (value.items ?? []) as Value[];
    const items = entries.map((entry, index) => new KrmItem(checkItem(entry, itemLocation(shape, index)), 'json'));
    return new JsonInput(shape, value, items, indent, finalNewline, text);
  }
  return new JsonInput('stream', undefined, [new KrmItem(checkItem(value, itemLocation('stream', 0)), 'json')], indent, finalNewline, text);
}
