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

  *serialize(items: readonly KrmItem[], results: readonly Result[]): Generator<string> {
    const unchanged = results.length === 0 && items.length === this.items.length && items.every((item, index) => item === this.items[index] && !item.changed);
    if (unchanged) {
      yield this.text;
      return;
    }
    if (this.shape === 'stream' && items.length === 1) {
      yield JSON.stringify(items[0]!.object, null, this.indent) + this.finalNewline;
      return;
    }
    // A single object in, several out: a List keeps the output one JSON value.
    const wrapper: ObjectValue = this.shape === 'stream' ? { apiVersion: 'v1', kind: 'List', items: [] } : { ...this.root!, items: [] };
    if (this.shape === 'resource-list' && (results.length > 0 || 'results' in this.root!)) wrapper.results = resultsValue(results);
    yield* wrapperParts(wrapper, items, this.indent);
    yield this.finalNewline;
  }
}

/**
 * `JSON.stringify(value, null, unit)` as it appears `depth` levels deep in an enclosing JSON.stringify
 * output: its inner lines indented `depth` units more. Made by JSON.stringify itself, on the value
 * wrapped in `depth` one-entry lists whose brackets are then sliced off (no copy of the text).
 */
function stringifyAt(value: Value, unit: string, depth: number): string {
  let wrapped = value;
  let prefix = 0;
  let suffix = 0;
  for (let level = 1; level <= depth; level += 1) {
    wrapped = [wrapped];
    prefix += 1 + (unit === '' ? 0 : 1 + unit.length * level);
    suffix += 1 + (unit === '' ? 0 : 1 + unit.length * (level - 1));
  }
  const text = JSON.stringify(wrapped, null, unit);
  return text.slice(prefix, text.length - suffix);
}

/**
 * `JSON.stringify({...wrapper, items}, null, indent)`, byte for byte, in parts made as they are asked
 * for: one per item, so a large List is never one string, and each part can be dropped once written.
 * `items` takes the place of the wrapper's `items` key (an empty list there).
 */
function* wrapperParts(wrapper: ObjectValue, items: readonly KrmItem[], indent: string): Generator<string> {
  // JSON.stringify's layout: with an indent (at most 10 characters of it), each entry on a line of its
  // own, nested values one indent deeper.
  const unit = indent.slice(0, 10);
  const line = unit === '' ? '' : '\n' + unit;
  yield '{';
  let first = true;
  for (const [key, value] of Object.entries(wrapper)) {
    if (value === undefined) continue;
    yield `${first ? '' : ','}${line}${JSON.stringify(key)}:${unit === '' ? '' : ' '}`;
    first = false;
    if (key !== 'items' || items.length === 0) {
      yield stringifyAt(value, unit, 1);
      continue;
    }
    yield '[';
    for (const [index, item] of items.entries()) yield `${index === 0 ? '' : ','}${line}${unit}${stringifyAt(item.object, unit, 2)}`;
    yield `${line}]`;
  }
  yield `${unit === '' ? '' : '\n'}}`;
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
