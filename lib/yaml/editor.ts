/**
 * Surgical edits on the YAML text of one manifest.
 *
 * Each edit locates its target in the `yaml` CST of the current text, splices the text at the target's
 * offsets and drops the CST, so every byte outside the edited field (comments and the spaces before them,
 * quoting, flow style, blank lines, CRLF line ends, a missing final newline) stays as it was. A replaced
 * scalar keeps its quoting style where the new value allows; new entries are written in block style at the
 * column of their siblings, or in flow style inside a flow collection.
 */
import { CST, Parser } from 'yaml';
import { isCommentOnly } from './cst-value.js';
import { columnAt, contentEnd, isMap, itemEnd, keyOf, lastOf, sourceEnd, tokenEnd } from './cst-tokens.js';
import { formatPath, type Path, type PathSegment } from './path.js';
import { isInline, renderBlockLines, renderFlow, renderInline, renderKey } from './render.js';
import type { ScalarStyle, Value } from './scalar.js';

type Collection = CST.BlockMap | CST.BlockSequence | CST.FlowCollection;


interface Located {
  node: CST.Token | undefined;
  parent: Collection | undefined;
  item: CST.CollectionItem | undefined;
}

function styleOf(token: CST.Token): ScalarStyle {
  if (token.type === 'single-quoted-scalar') return 'single';
  if (token.type === 'double-quoted-scalar') return 'double';
  return 'plain';
}

/** Raised when an edit cannot be expressed on the text (e.g. a path through an alias). */
export class EditError extends Error {
  override name = 'EditError';
}

/**
 * An editable YAML text holding one manifest as its single document.
 *
 * `pad` spaces prefixed to the text put a nested item (e.g. one entry of a ResourceList's `items`) back at
 * its original column so it parses alone; they are not part of `source`.
 */
export class YamlEditor {
  private current: string;
  private cst: CST.Document | undefined;
  private readonly newline: string;

  constructor(source: string, private readonly pad: number) {
    this.current = ' '.repeat(pad) + source;
    this.newline = source.includes('\r\n') ? '\r\n' : '\n';
  }

  /** The edited text, without the pad. */
  get source(): string {
    return this.current.slice(this.pad);
  }

  private document(): CST.Document {
    if (!this.cst) {
      for (const token of new Parser().parse(this.current)) {
        if (token.type === 'document') {
          this.cst = token;
          break;
        }
      }
      if (!this.cst) throw new EditError('the item holds no YAML document');
    }
    return this.cst;
  }

  private splice(start: number, end: number, replacement: string): void {
    this.current = this.current.slice(0, start) + replacement + this.current.slice(end);
    this.cst = undefined;
  }

  private columnOf(offset: number): number {
    return columnAt(this.current, offset);
  }

  private locate(path: Path): Located {
    let located: Located = { node: this.document().value, parent: undefined, item: undefined };
    for (let depth = 0; depth < path.length; depth += 1) {
      const segment = path[depth]!;
      const node = located.node;
      if (node?.type === 'alias') throw new EditError(`cannot edit ${formatPath(path)}: it is reached through an alias`);
      const item = this.child(node, segment);
      if (!item) throw new EditError(`cannot edit ${formatPath(path)}: ${formatPath(path.slice(0, depth + 1))} is missing`);
      located = { node: item.value, parent: node as Collection, item };
    }
    return located;
  }

  private child(node: CST.Token | undefined, segment: PathSegment): CST.CollectionItem | undefined {
    if (!node) return undefined;
    if (isMap(node)) {
      for (const item of (node as Collection).items as CST.CollectionItem[]) if (keyOf(item) === String(segment)) return item;
      return undefined;
    }
    if ((node.type === 'block-seq' || node.type === 'flow-collection') && typeof segment === 'number') {
      return (node.items as CST.CollectionItem[]).filter((item) => !isCommentOnly(item))[segment];
    }
    return undefined;
  }

  /** Column at which the entries of a new block collection under `located` start. */
  private childColumn(located: Located, value: Value): number {
    const parent = located.parent;
    let column = 0;
    if (parent?.type === 'block-map') column = this.columnOf(parent.offset);
    else if (parent?.type === 'block-seq') column = this.columnOf(located.item!.start.find((t) => t.type === 'seq-item-ind')!.offset);
    return Array.isArray(value) && parent?.type === 'block-map' ? column : column + 2;
  }

  private block(value: Value[] | { [key: string]: Value }, column: number): string {
    const lines = renderBlockLines(value, column);
    return ' '.repeat(column) + lines.join(this.newline);
  }

  /**
   * Replaces the value at `path` (which must exist) with `value`, rendered whole.
   * A scalar replacing a scalar keeps the old quoting style when it can hold the new value.
   */
  replace(path: Path, value: Value): void {
    const located = this.locate(path);
    const { node, parent, item } = located;
    if (node && CST.isScalar(node) && node.type !== 'block-scalar' && isInline(value)) {
      this.splice(node.offset, sourceEnd(node), renderInline(value, styleOf(node)));
      return;
    }
    if (!parent || !item) throw new EditError('cannot replace a whole document');
    if (parent.type === 'flow-collection') {
      if (!node) throw new EditError(`cannot edit ${formatPath(path)}: empty flow entry`);
      this.splice(node.offset, contentEnd(node), renderFlow(value));
      return;
    }
    const indicatorType = parent.type === 'block-map' ? 'map-value-ind' : 'seq-item-ind';
    const tokens = parent.type === 'block-map' ? item.sep : item.start;
    const indicator = tokens?.find((t) => t.type === indicatorType);
    if (!indicator) throw new EditError(`cannot edit ${formatPath(path)}: no value indicator`);
    const start = sourceEnd(indicator);
    const end = node ? (node.type === 'block-scalar' ? tokenEnd(node) : contentEnd(node)) : start;
    const trailing = node?.type === 'block-scalar' ? this.newline : '';
    if (isInline(value)) {
      this.splice(start, end, ' ' + renderInline(value) + trailing);
    } else {
      const column = this.childColumn(located, value);
      if (parent.type === 'block-seq' && !Array.isArray(value)) {
        // `- key: value` keeps the first entry on the dash's line.
        const lines = renderBlockLines(value as { [key: string]: Value }, column);
        this.splice(start, end, ' ' + lines.join(this.newline) + trailing);
      } else {
        this.splice(start, end, this.newline + this.block(value as Value[] | { [key: string]: Value }, column) + trailing);
      }
    }
  }

  /**
   * Adds `key: value` to the map at `mapPath` (which must exist and lack `key`).
   * A null or absent map at `mapPath` is replaced by `{key: value}`.
   */
  addKey(mapPath: Path, key: string, value: Value): void {
    const located = this.locate(mapPath);
    const node = located.node;
    if (!node || (CST.isScalar(node) && node.type !== 'block-scalar')) {
      this.replace(mapPath, { [key]: value });
      return;
    }
    if (node.type !== 'block-map' && !(node.type === 'flow-collection' && node.start.type === 'flow-map-start')) {
      throw new EditError(`cannot add ${key} to ${formatPath(mapPath)}: not a map`);
    }
    const splice = addKeySplice(this.current, node, key, value, this.newline);
    this.splice(splice.start, splice.end, splice.text);
  }

  /** Start of the comment lines directly above `lineStart` that sit at `column` (no blank line between). */
  private headCommentStart(lineStart: number, column: number): number {
    let start = lineStart;
    while (start > this.pad) {
      const previous = this.current.lastIndexOf('\n', start - 2) + 1;
      const line = this.current.slice(previous, start).replace(/\r?\n$/, '');
      const indent = /^( *)#/.exec(line)?.[1];
      if (indent === undefined || indent.length !== column || previous < this.pad) break;
      start = previous;
    }
    return start;
  }

  /** Removes `key` from the map at `mapPath`; a map left empty becomes `{}` (not null). */
  deleteKey(mapPath: Path, key: string): void {
    const located = this.locate(mapPath);
    const node = located.node;
    if (!node || !isMap(node)) throw new EditError(`cannot delete ${key} from ${formatPath(mapPath)}: not a map`);
    const items = ((node as Collection).items as CST.CollectionItem[]).filter((item) => !isCommentOnly(item));
    const index = items.findIndex((item) => keyOf(item) === key);
    if (index === -1) return;
    if (items.length === 1) {
      if (mapPath.length === 0) throw new EditError('cannot empty a whole document');
      this.replace(mapPath, {});
      return;
    }
    const item = items[index]!;
    if (node.type === 'flow-collection') {
      const start = index === 0 ? item.key!.offset : contentEnd(items[index - 1]!.value ?? items[index - 1]!.key!);
      const end = index === 0 ? firstContentOffset(items[1]!) : contentEnd(item.value ?? item.key!);
      this.splice(start, end, '');
      return;
    }
    const keyStart = (item as { explicitKey?: true }).explicitKey ? item.start.find((t) => t.type === 'explicit-key-ind')!.offset : item.key!.offset;
    const lineStart = this.current.lastIndexOf('\n', keyStart - 1) + 1;
    if (/^[ \t]*$/.test(this.current.slice(lineStart, keyStart))) {
      // The key opens its line: drop its line(s) and its head comment (comment lines right above it, at
      // its column), which describe it. At the end of a text without a final newline, the previous line
      // gives up its terminator instead.
      const start = this.headCommentStart(lineStart, keyStart - lineStart);
      const end = entryEnd(this.current, item, keyStart - lineStart);
      const atUnterminatedEnd = end === this.current.length && !this.current.endsWith('\n') && start > this.pad;
      this.splice(atUnterminatedEnd ? start - this.newline.length : start, end, '');
      return;
    }
    // The first key of a `- key: value` item: pull the next entry up to the dash's line.
    this.splice(keyStart, firstContentOffset(items[index + 1]!), '');
  }
}

/**
 * Offset just past a block map entry: the line its content ends on, and the comment lines below it that
 * are indented deeper than its key (`column`), which belong to it. Comment lines at the key's column or
 * less describe what follows: the CST counts them into the entry's value, but they are not the entry's.
 */
function entryEnd(text: string, item: CST.CollectionItem, column: number): number {
  const indicator = item.sep?.find((token) => token.type === 'map-value-ind');
  const content = item.value ? contentEnd(item.value) : indicator ? sourceEnd(indicator) : item.key ? contentEnd(item.key) : itemEnd(item, 0);
  const lineEnd = (from: number) => {
    const newline = text.indexOf('\n', from);
    return newline === -1 ? text.length : newline + 1;
  };
  let end = lineEnd(content);
  for (;;) {
    const indent = /^( *)#[^\n]*(?:\n|$)/.exec(text.slice(end, lineEnd(end)));
    if (!indent || indent[1]!.length <= column || end === text.length) return end;
    end = lineEnd(end);
  }
}

/** Offset of the first token of an item that is neither space nor comma: a comment, `?`, or the key. */
function firstContentOffset(item: CST.CollectionItem): number {
  for (const token of item.start) if (token.type !== 'space' && token.type !== 'comma' && token.type !== 'newline') return token.offset;
  if (item.key) return item.key.offset;
  const indicator = item.sep?.find((t) => t.type === 'map-value-ind');
  return indicator ? indicator.offset : 0;
}

/** A text replacement: `text` replaces the characters in [start, end). */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * The splice that adds `key: value` as the last entry of `map`, a block map or a flow map in `text`.
 * Block entries go at the column of their siblings; a text without a final newline stays without one.
 */
export function addKeySplice(text: string, map: CST.BlockMap | CST.FlowCollection, key: string, value: Value, newline: string): Splice {
  if (map.type === 'flow-collection') {
    const closing = map.end.find((t) => t.type === 'flow-map-end');
    if (!closing) throw new EditError('cannot add to an unterminated flow map');
    const entry = `${renderKey(key)}: ${renderFlow(value)}`;
    const last = lastOf(map.items.filter((item) => item.key || item.value));
    if (!last) return { start: closing.offset, end: closing.offset, text: entry };
    const at = contentEnd((last.value ?? last.key)!);
    return { start: at, end: at, text: `, ${entry}` };
  }
  const entries = (map.items as CST.CollectionItem[]).filter((item) => !isCommentOnly(item));
  const first = entries[0]!;
  const column = columnAt(text, first.key ? first.key.offset : map.offset);
  const at = entryEnd(text, lastOf(entries)!, column);
  const lead = text[at - 1] === '\n' ? '' : newline;
  const tail = lead === '' ? newline : '';
  let entry: string;
  if (isInline(value)) entry = `${renderKey(key)}: ${renderInline(value)}`;
  else {
    const childColumn = Array.isArray(value) ? column : column + 2;
    const lines = renderBlockLines(value as Value[] | { [key: string]: Value }, childColumn);
    entry = `${renderKey(key)}:${newline}${' '.repeat(childColumn)}${lines.join(newline)}`;
  }
  return { start: at, end: at, text: lead + ' '.repeat(column) + entry + tail };
}
