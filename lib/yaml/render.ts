/**
 * Renders values that a function adds to a manifest: block style for new map entries and items,
 * flow style inside an existing flow collection. Strings are quoted per `scalar.ts`, so YAML 1.1 readers
 * (kubectl, Go tools) read back the same strings. Sequences use the compact style kubectl writes
 * (`- ` at the parent key's column).
 */
import { doubleQuoted, isSafePlainString, renderScalar, type ScalarStyle, type Value } from './scalar.js';

function isCollection(value: Value): value is Value[] | { [key: string]: Value } {
  return value !== null && typeof value === 'object';
}

function isEmptyCollection(value: Value): boolean {
  return isCollection(value) && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
}

/** Renders a value that fits on its key's line: a scalar, `{}` or `[]`. */
export function renderInline(value: Value, preferred?: ScalarStyle): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  return renderScalar(value, preferred);
}

/** True when `value` is written on the same line as its key or dash. */
export function isInline(value: Value): boolean {
  return !isCollection(value) || isEmptyCollection(value);
}

/**
 * Renders a map key.
 */
export function renderKey(key: string): string {
  return isSafePlainString(key) ? key : doubleQuoted(key);
}

/**
 * Block lines for a collection whose first line starts at column `indent`.
 * @returns lines without line terminators; the first one is not indented (the caller places it)
 */
export function renderBlockLines(value: Value[] | { [key: string]: Value }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  const push = (first: string, rest: string[]) => {
    lines.push(lines.length === 0 ? first : pad + first);
    for (const line of rest) lines.push(line);
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (isInline(entry)) push(`- ${renderInline(entry)}`, []);
      else {
        const [first, ...rest] = renderBlockLines(entry as Value[] | { [key: string]: Value }, indent + 2);
        push(`- ${first}`, rest);
      }
    }
    return lines;
  }
  for (const key of Object.keys(value)) {
    const entry = value[key]!;
    if (isInline(entry)) {
      push(`${renderKey(key)}: ${renderInline(entry)}`, []);
    } else {
      const childIndent = Array.isArray(entry) ? indent : indent + 2;
      const nested = renderBlockLines(entry as Value[] | { [key: string]: Value }, childIndent);
      push(`${renderKey(key)}:`, [' '.repeat(childIndent) + nested[0], ...nested.slice(1)]);
    }
  }
  return lines;
}

const FLOW_UNSAFE = /[,[\]{}]/;

/** Renders a value in flow style, for insertion into an existing `{...}` or `[...]`. */
export function renderFlow(value: Value): string {
  if (Array.isArray(value)) return `[${value.map(renderFlow).join(', ')}]`;
  if (isCollection(value)) {
    return `{${Object.keys(value)
      .map((key) => `${FLOW_UNSAFE.test(key) ? doubleQuoted(key) : renderKey(key)}: ${renderFlow(value[key]!)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string' && FLOW_UNSAFE.test(value)) return doubleQuoted(value);
  return renderScalar(value);
}

/**
 * Renders a whole document (a new item a function adds) as block YAML lines.
 */
export function renderDocumentLines(value: { [key: string]: Value }): string[] {
  return renderBlockLines(value, 0);
}
