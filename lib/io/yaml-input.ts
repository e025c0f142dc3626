/**
 * YAML input: parsed once with the `yaml` CST parser, decoded without building Documents, and written
 * back by splicing the original text. Untouched items, and everything between items (comments, `---`
 * markers, the ResourceList's functionConfig), come out as the original bytes.
 */
import { CST, Parser, parseAllDocuments } from 'yaml';
import { InputError, lineAndColumn } from '../errors.js';
import { KrmItem, type ObjectValue } from '../item.js';
import { resultsValue, type Result } from '../results.js';
import { CstDecodeError, decodeDocument, decodeNode, isCommentOnly } from '../yaml/cst-value.js';
import { columnAt, contentEnd, keyOf, tokenEnd } from '../yaml/cst-tokens.js';
import { addKeySplice, type Splice } from '../yaml/editor.js';
import { renderBlockLines, renderFlow } from '../yaml/render.js';
import type { Value } from '../yaml/scalar.js';
import { checkItem, isWrapperKind, itemLocation, type Input, type InputShape } from './input.js';

/** Turns a CST-level problem into an InputError, preferring the `yaml` Document layer's own message. */
function syntaxError(text: string, offset: number, message: string, where?: string): InputError {
  const documents = parseAllDocuments(text, { version: '1.1' });
  const documentList = Array.isArray(documents) ? documents : [];
  for (const document of documentList) {
    const error = document.errors[0];
    if (error) return new InputError(`invalid YAML${where ? ` in ${where}` : ''}: ${error.message.trimEnd()}`);
  }
  const { line, column } = lineAndColumn(text, offset);
  return new InputError(`invalid YAML${where ? ` in ${where}` : ''} at line ${line}, column ${column}: ${message}`);
}

/** Runs a decode; `where` (computed only on error: it scans the text for the line) names the item. */
function decode<T>(text: string, where: () => string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CstDecodeError) throw syntaxError(text, error.offset, error.message, where());
    throw error;
  }
}


function mapItems(token: CST.Token | undefined): CST.CollectionItem[] | undefined {
  if (token?.type === 'block-map') return token.items as CST.CollectionItem[];
  if (token?.type === 'flow-collection' && token.start.type === 'flow-map-start') return token.items;
  return undefined;
}


function newlineOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** A part of a text: offsets [start, end). */
interface TextRange {
  start: number;
  end: number;
}

/** `text` with the splices applied, as parts: the text between splices, and each splice's text. */
function applySplices(text: string, splices: Splice[]): string[] {
  const ordered = splices.map((splice, order) => ({ ...splice, order })).sort((a, b) => a.start - b.start || a.order - b.order);
  const parts: string[] = [];
  let at = 0;
  for (const splice of ordered) {
    parts.push(text.slice(at, splice.start), splice.text);
    at = Math.max(at, splice.end);
  }
  parts.push(text.slice(at));
  return parts;
}

/**
 * A stream of documents: each one item, except a `List` or typed list (`kind: RoleBindingList`) document,
 * as `kubectl get -o yaml` prints several into one file, whose entries are items (written back inside it).
 */
class YamlStream implements Input {
  readonly format = 'yaml';
  readonly shape: InputShape = 'stream';
  readonly functionConfig = undefined;

  constructor(
    private readonly pieces: Array<string | KrmItem | YamlWrapper>,
    readonly items: readonly KrmItem[],
    private readonly newline: string,
  ) {}

  serialize(items: readonly KrmItem[], _results: readonly Result[]): Iterable<string> {
    const keep = new Set(items);
    const parts: string[] = [];
    for (const piece of this.pieces) {
      if (typeof piece === 'string') parts.push(piece);
      else if (piece instanceof YamlWrapper) for (const part of piece.serialize(piece.items.filter((item) => keep.has(item)), [])) parts.push(part);
      else if (keep.has(piece)) parts.push(piece.yamlSource!);
    }
    const original = new Set(this.items);
    let last = '';
    for (let index = parts.length - 1; index >= 0 && last === ''; index -= 1) last = parts[index]!;
    for (const item of items) {
      if (original.has(item)) continue;
      if (last !== '' && !last.endsWith('\n')) parts.push(this.newline);
      if (last !== '') parts.push('---' + this.newline);
      last = renderBlockLines(item.object, 0).join(this.newline) + this.newline;
      parts.push(last);
    }
    return parts;
  }
}

/** A ResourceList or List document: items inside its `items` sequence. */
class YamlWrapper implements Input {
  readonly format = 'yaml';

  constructor(
    readonly shape: InputShape,
    private readonly text: string,
    private readonly root: CST.BlockMap | CST.FlowCollection,
    private readonly sequence: CST.Token | undefined,
    private readonly sequenceItem: CST.CollectionItem | undefined,
    private readonly entries: ReadonlyArray<{ item: KrmItem; entry: CST.CollectionItem; value: CST.Token }>,
    readonly functionConfig: ObjectValue | undefined,
    /** The part of `text` that is this document, when it is one document of a stream. */
    private readonly within?: TextRange,
  ) {}

  get items(): readonly KrmItem[] {
    return this.entries.map((entry) => entry.item);
  }

  serialize(items: readonly KrmItem[], results: readonly Result[]): Iterable<string> {
    const newline = newlineOf(this.text);
    const keep = new Set(items);
    const splices: Splice[] = [];
    for (const { item, entry, value } of this.entries) {
      const end = tokenEnd(value);
      if (!keep.has(item)) splices.push(this.removal(entry, value, end));
      else if (item.changed) splices.push({ start: value.offset, end, text: item.yamlSource! });
    }
    const original = new Set(this.entries.map((entry) => entry.item));
    const added = items.filter((item) => !original.has(item)).map((item) => item.object);
    if (added.length > 0) splices.push(this.addition(added, newline));
    if (this.shape === 'resource-list') {
      const splice = this.resultsSplice(results, newline);
      if (splice) splices.push(splice);
    }
    if (!this.within) return applySplices(this.text, splices);
    const { start, end } = this.within;
    return applySplices(this.text.slice(start, end), splices.map((splice) => ({ ...splice, start: splice.start - start, end: splice.end - start })));
  }

  private removal(entry: CST.CollectionItem, value: CST.Token, end: number): Splice {
    if (this.sequence?.type === 'flow-collection') {
      const comma = entry.start.find((token) => token.type === 'comma');
      if (comma) return { start: comma.offset, end: contentEnd(value), text: '' };
      const next = (this.sequence.items[this.sequence.items.indexOf(entry) + 1]);
      const nextComma = next?.start.find((token) => token.type === 'comma');
      return { start: value.offset, end: nextComma ? nextComma.offset + 1 : contentEnd(value), text: '' };
    }
    const dash = entry.start.find((token) => token.type === 'seq-item-ind')!;
    return { start: this.text.lastIndexOf('\n', dash.offset - 1) + 1, end, text: '' };
  }

  private addition(objects: ObjectValue[], newline: string): Splice {
    const sequence = this.sequence;
    if (sequence?.type === 'block-seq') {
      const dash = sequence.items.find((entry) => !isCommentOnly(entry))!.start.find((token) => token.type === 'seq-item-ind')!;
      const column = columnAt(this.text, dash.offset);
      const at = tokenEnd(sequence);
      const lead = this.text[at - 1] === '\n' ? '' : newline;
      const lines = objects.map((object) => ' '.repeat(column) + '- ' + renderBlockLines(object, column + 2).join(newline));
      return { start: at, end: at, text: lead + lines.join(newline) + (lead ? '' : newline) };
    }
    if (sequence?.type === 'flow-collection') {
      const closing = sequence.end.find((token) => token.type === 'flow-seq-end');
      const at = closing ? closing.offset : contentEnd(sequence);
      const text = objects.map((object) => renderFlow(object)).join(', ');
      return { start: at, end: at, text: sequence.items.length > 0 ? `, ${text}` : text };
    }
    // No `items` key at all (kpt render sends a ResourceList with only a functionConfig then).
    if (!this.sequenceItem) return addKeySplice(this.text, this.root, 'items', objects, newline);
    // `items:` with no value, or `items: null`.
    const indicator = this.sequenceItem!.sep!.find((token) => token.type === 'map-value-ind')!;
    const column = columnAt(this.text, this.sequenceItem!.key!.offset);
    const start = indicator.offset + 1;
    const lines = objects.map((object) => ' '.repeat(column) + '- ' + renderBlockLines(object, column + 2).join(newline));
    return { start, end: sequence ? contentEnd(sequence) : start, text: newline + lines.join(newline) };
  }

  private resultsSplice(results: readonly Result[], newline: string): Splice | undefined {
    const existing = mapItems(this.root)!.find((item) => keyOf(item) === 'results');
    if (!existing && results.length === 0) return undefined;
    const value: Value = resultsValue(results);
    if (!existing) return addKeySplice(this.text, this.root, 'results', value, newline);
    const indicator = existing.sep?.find((token) => token.type === 'map-value-ind');
    if (!indicator) throw new InputError('the ResourceList has a malformed results field');
    const start = indicator.offset + 1;
    const end = existing.value ? contentEnd(existing.value) : start;
    if (this.root.type === 'flow-collection') return { start, end, text: ' ' + renderFlow(value) };
    if (results.length === 0) return { start, end, text: ' []' };
    const column = columnAt(this.text, existing.key!.offset);
    return { start, end, text: newline + ' '.repeat(column) + renderBlockLines(value as Value[], column).join(newline) };
  }
}

/**
 * Reads YAML text: a ResourceList, a List, or a stream of documents.
 * @throws InputError for malformed YAML (with line and column), a document that is not an object, or
 * an item without apiVersion or kind
 */
export function readYaml(text: string): Input {
  // Documents are decoded as the parser yields them and their CST is dropped, so a large stream is never
  // held as tokens. A document that may wrap items (kind ResourceList, List, *List) is held back while it
  // is the only one: a wrapper is a single-document input; a second document makes it a plain item.
  const pieces: Array<string | KrmItem | YamlWrapper> = [];
  const items: KrmItem[] = [];
  let documentIndex = 0;
  let held: { document: CST.Document; end: number; index: number; slot: number } | undefined;
  const toItem = (document: CST.Document, end: number, position: number): KrmItem => {
    const where = () => itemLocation('stream', position, lineAndColumn(text, document.value!.offset).line);
    const object = checkItem(decode(text, where, () => decodeDocument(document, text)), where);
    return new KrmItem(object, 'yaml', { text: text.slice(document.offset, end), pad: columnAt(text, document.offset) });
  };
  // A List document among others: its entries are items; the document is written back around them.
  const toList = (document: CST.Document, end: number, position: number): YamlWrapper | undefined => {
    try {
      return readWrapper(text, document, { start: document.offset, end });
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`document ${position + 1} (line ${lineAndColumn(text, document.value!.offset).line}), ${error.message}`);
      throw error;
    }
  };
  const release = () => {
    if (!held) return;
    const list = toList(held.document, held.end, held.index);
    const entry = list ?? toItem(held.document, held.end, held.index);
    pieces[held.slot] = entry;
    items.unshift(...(list ? list.items : [entry as KrmItem])); // the held document is the first one with a value
    held = undefined;
  };
  const handle = (token: CST.Token, end: number) => {
    if (token.type !== 'document' || !token.value) {
      pieces.push(text.slice(token.offset, end));
      if (token.type === 'document') documentIndex += 1;
      return;
    }
    const first = items.length === 0 && !held;
    release();
    const kind = kindOf(token.value);
    const list = !first && isWrapperKind(kind) && kind !== 'ResourceList' ? toList(token, end, documentIndex) : undefined;
    if (first && isWrapperKind(kind)) {
      held = { document: token, end, index: documentIndex, slot: pieces.length };
      pieces.push('');
    } else if (list) {
      pieces.push(list);
      items.push(...list.items);
    } else {
      const item = toItem(token, end, documentIndex);
      pieces.push(item);
      items.push(item);
    }
    documentIndex += 1;
  };
  let previous: CST.Token | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type === 'error') throw syntaxError(text, token.offset, token.message);
    if (previous) handle(previous, token.offset);
    previous = token;
  }
  if (previous) handle(previous, text.length);
  if (held) {
    const wrapper = readWrapper(text, held.document);
    if (wrapper) return wrapper;
    release();
  }
  return new YamlStream(pieces, items, newlineOf(text));
}

/** The `kind` of a root map token, read without decoding the document. */
function kindOf(root: CST.Token): string | undefined {
  const kindItem = mapItems(root)?.find((item) => keyOf(item) === 'kind');
  return kindItem?.value && CST.isScalar(kindItem.value) ? CST.resolveAsScalar(kindItem.value).value : undefined;
}

/**
 * Reads a ResourceList or List document, or returns undefined when it does not wrap items (kyaml's rule).
 * @param within for a List or typed list document inside a stream (a ResourceList there is not read as
 * one): the document's own part of `text`, which is all its `serialize` returns
 */
function readWrapper(text: string, document: CST.Document, within?: TextRange): YamlWrapper | undefined {
  const root = document.value!;
  const rootItems = mapItems(root);
  if (!rootItems) return undefined;
  const kind = kindOf(root);
  if (within && kind === 'ResourceList') return undefined;
  const sequenceItem = rootItems.find((item) => keyOf(item) === 'items');
  // kyaml's rule: a ResourceList or List document with `items` or `functionConfig` wraps items.
  if (!isWrapperKind(kind) || !(sequenceItem || (kind === 'ResourceList' && rootItems.some((item) => keyOf(item) === 'functionConfig')))) {
    return undefined;
  }
  const sequence = sequenceItem?.value;
  const isSequence = sequence?.type === 'block-seq' || (sequence?.type === 'flow-collection' && sequence.start.type === 'flow-seq-start');
  const isNull = !sequence || (sequence.type === 'scalar' && /^(?:~|null|Null|NULL|)$/.test(sequence.source));
  if (!isSequence && !isNull) return undefined;
  const shape: InputShape = kind === 'ResourceList' ? 'resource-list' : 'list';
  // Decode the wrapper's own fields, all but the items, to check them and get the functionConfig.
  const others = rootItems.filter((item) => item !== sequenceItem);
  const probe: CST.Document = { ...document, value: { ...(root as CST.BlockMap), items: others as CST.BlockMap['items'] } };
  const fields = decode(text, () => 'the ResourceList', () => decodeDocument(probe, text)) as ObjectValue;
  const config = shape === 'resource-list' ? fields.functionConfig : undefined;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new InputError('the ResourceList functionConfig is not an object');
  }
  const functionConfig = config ?? undefined;
  const entries: Array<{ item: KrmItem; entry: CST.CollectionItem; value: CST.Token }> = [];
  const sequenceEntries: CST.CollectionItem[] = isSequence
    ? ((sequence as CST.BlockSequence | CST.FlowCollection).items as CST.CollectionItem[]).filter((entry) => !isCommentOnly(entry))
    : [];
  sequenceEntries.forEach((entry, index) => {
    const offset = entry.value?.offset ?? entry.start[0]?.offset ?? 0;
    const where = () => itemLocation(shape, index, lineAndColumn(text, offset).line);
    if (!entry.value || entry.sep) throw new InputError(`${where()}: expected a Kubernetes object (a map)`);
    const value = entry.value;
    const object = checkItem(decode(text, where, () => decodeNode(value, text)), where);
    const itemText = text.slice(value.offset, tokenEnd(value));
    entries.push({ item: new KrmItem(object, 'yaml', { text: itemText, pad: columnAt(text, value.offset) }), entry, value });
  });
  return new YamlWrapper(shape, text, root as CST.BlockMap | CST.FlowCollection, isSequence ? sequence : undefined, sequenceItem, entries, functionConfig, within);
}
