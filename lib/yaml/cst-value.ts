/**
 * Decodes a `yaml` CST (the `Parser` layer) into plain values, without building a `yaml` Document.
 *
 * The CST keeps every source byte, which the editor (`edit.ts`) relies on; decoding it directly is about
 * twice as fast as the Document layer. The `Parser` accepts some malformed input that only the Document
 * layer rejects, so this decoder checks the structural rules a manifest can break (values after keys,
 * key columns, tabs as indentation, unterminated quotes and flow collections, compact nested maps,
 * duplicate keys) and throws a `CstDecodeError` at the offending offset.
 *
 * Scalars resolve as Kubernetes reads them (YAML 1.1, see `scalar.ts`); `<<` merge keys and anchors are
 * honoured, aliases are expanded as copies, and an expansion past `maxAliasNodes` is refused (YAML bomb).
 */
import { CST } from 'yaml';
import { columnAt } from './cst-tokens.js';
import { resolvePlainScalar, type Value } from './scalar.js';

export class CstDecodeError extends Error {
  override name = 'CstDecodeError';
  constructor(
    message: string,
    /** Offset in the parsed text of the token at fault. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Limits that protect against hostile input. */
export interface DecodeLimits {
  /** Most nodes that alias expansion may copy in one document (default 100 000). */
  maxAliasNodes: number;
}

const DEFAULT_LIMITS: DecodeLimits = { maxAliasNodes: 100_000 };

type Item = CST.CollectionItem;


/** Deep copy of a decoded value, counting nodes against the alias budget. */
function copyValue(value: Value, budget: { left: number }, offset: number): Value {
  budget.left -= 1;
  if (budget.left < 0) throw new CstDecodeError('alias expansion exceeds the limit (a YAML "billion laughs" bomb?)', offset);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((entry) => copyValue(entry, budget, offset));
  const copy: { [key: string]: Value } = {};
  for (const key of Object.keys(value)) copy[key] = copyValue(value[key]!, budget, offset);
  return copy;
}

/** Decoder for one document; holds anchors, which are scoped to a document. */
class Decoder {
  private readonly anchors = new Map<string, Value>();
  private readonly budget: { left: number };

  constructor(
    private readonly text: string,
    limits: DecodeLimits,
  ) {
    this.budget = { left: limits.maxAliasNodes };
  }

  /** Decodes a node, with the props (anchor, tag) that precede it in its parent's token list. */
  node(token: CST.Token | null | undefined, props: readonly CST.SourceToken[] | undefined): Value {
    let anchor: string | undefined;
    let tag: string | undefined;
    if (props) {
      for (let index = 0; index < props.length; index += 1) {
        const prop = props[index]!;
        if (prop.type === 'anchor') anchor = prop.source.slice(1);
        else if (prop.type === 'tag') tag = prop.source;
        else if (prop.type === 'space' && prop.source.includes('\t') && props[index - 1]?.type === 'newline') {
          throw new CstDecodeError('tabs are not allowed as indentation', prop.offset);
        }
      }
    }
    const value = this.bare(token, tag);
    if (anchor !== undefined) this.anchors.set(anchor, value);
    return value;
  }

  private bare(token: CST.Token | null | undefined, tag: string | undefined): Value {
    if (!token) return tag === '!!str' ? '' : null;
    switch (token.type) {
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        return this.scalar(token, tag);
      case 'alias': {
        const name = token.source.slice(1);
        if (!this.anchors.has(name)) throw new CstDecodeError(`alias *${name} refers to no anchor`, token.offset);
        return copyValue(this.anchors.get(name)!, this.budget, token.offset);
      }
      case 'block-map':
        return this.blockMap(token);
      case 'block-seq':
        return token.items.filter((item) => !isCommentOnly(item)).map((item) => this.itemValue(item));
      case 'flow-collection':
        return this.flowCollection(token);
      case 'error':
        throw new CstDecodeError(token.message, token.offset);
      default:
        throw new CstDecodeError(`unexpected ${token.type} token`, token.offset);
    }
  }

  private scalar(token: CST.FlowScalar | CST.BlockScalar, tag: string | undefined): Value {
    if (token.type === 'block-scalar') {
      for (const prop of token.props) if (prop.type === 'anchor' || prop.type === 'tag') throw new CstDecodeError('unexpected properties', prop.offset);
    }
    let problem: CstDecodeError | undefined;
    const resolved = CST.resolveAsScalar(token, true, (offset, _code, message) => {
      problem ??= new CstDecodeError(message, offset);
    });
    if (problem) throw problem;
    const source = resolved.value;
    if (token.type !== 'scalar') {
      if (tag === undefined || tag === '!!str' || tag === '!' || tag === '!!binary') return source;
      return resolveTagged(source, tag);
    }
    if (tag === undefined || (tag.startsWith('!') && !tag.startsWith('!!'))) return resolvePlainScalar(source);
    if (tag === '!!str' || tag === '!!binary') return source;
    return resolveTagged(source, tag);
  }

  private blockMap(token: CST.BlockMap): Value {
    const map: { [key: string]: Value } = {};
    const seen = new Set<string>();
    let column = -1;
    for (const item of token.items) {
      if (isCommentOnly(item)) continue;
      const keyOffset = item.key ? item.key.offset : (item.start[item.start.length - 1]?.offset ?? token.offset);
      const keyColumn = item.explicitKey
        ? columnAt(this.text, item.start.find((t) => t.type === 'explicit-key-ind')!.offset)
        : columnAt(this.text, keyOffset);
      if (column === -1) column = keyColumn;
      else if (keyColumn !== column) throw new CstDecodeError('all mapping items must start at the same column', keyOffset);
      const hasValueIndicator = item.sep?.some((t) => t.type === 'map-value-ind') ?? false;
      if (!item.explicitKey && !hasValueIndicator) {
        throw new CstDecodeError('implicit map keys need to be followed by map values', keyOffset);
      }
      if (!item.explicitKey && item.key && item.key.type !== 'block-map' && 'source' in item.key && /[\n\r]/.test(item.key.source)) {
        throw new CstDecodeError('implicit keys must be on a single line', item.key.offset);
      }
      if (item.value?.type === 'block-map' && !item.explicitKey && this.sameLine(keyOffset, item.value.offset)) {
        throw new CstDecodeError('nested mappings are not allowed in compact mappings', item.value.offset);
      }
      this.entry(map, seen, item, keyOffset);
    }
    return map;
  }

  private sameLine(from: number, to: number): boolean {
    const newline = this.text.indexOf('\n', from);
    return newline === -1 || newline > to;
  }

  /** Adds one key/value item to `map`, applying `<<` merge keys. */
  private entry(map: { [key: string]: Value }, seen: Set<string>, item: Item, keyOffset: number): void {
    const keyValue = this.node(item.key, item.start);
    const valueProps = item.sep;
    const value = this.node(item.value, valueProps);
    if (keyValue === '<<' && item.key?.type === 'scalar') {
      const sources = Array.isArray(value) ? value : [value];
      for (const source of sources) {
        if (source === null || typeof source !== 'object' || Array.isArray(source)) {
          throw new CstDecodeError('merge keys (<<) take a map or a list of maps', item.value?.offset ?? keyOffset);
        }
        for (const key of Object.keys(source)) if (!(key in map)) map[key] = source[key]!;
      }
      return;
    }
    const key = keyString(keyValue, keyOffset);
    if (seen.has(key)) throw new CstDecodeError(`map keys must be unique; "${key}" is repeated`, keyOffset);
    seen.add(key);
    map[key] = value;
  }

  private flowCollection(token: CST.FlowCollection): Value {
    const closing = token.start.type === 'flow-map-start' ? 'flow-map-end' : 'flow-seq-end';
    if (!token.end.some((t) => t.type === closing)) {
      throw new CstDecodeError(`flow collection is missing its closing ${closing === 'flow-map-end' ? '}' : ']'}`, token.offset);
    }
    for (const t of token.end) if (t.type === 'flow-error-end') throw new CstDecodeError('unexpected end of flow collection', t.offset);
    if (token.start.type === 'flow-map-start') {
      const map: { [key: string]: Value } = {};
      const seen = new Set<string>();
      for (const item of token.items) if (!isCommentOnly(item)) this.entry(map, seen, item, item.key?.offset ?? token.offset);
      return map;
    }
    return token.items.filter((item) => !isCommentOnly(item)).map((item) => {
      if (item.sep?.some((t) => t.type === 'map-value-ind')) {
        const pair: { [key: string]: Value } = {};
        this.entry(pair, new Set(), item, item.key?.offset ?? token.offset);
        return pair;
      }
      return this.itemValue(item);
    });
  }

  private itemValue(item: Item): Value {
    return this.node(item.value, item.start);
  }
}

/** An item holding only comments (and spaces) that trail a collection; no entry. */
export function isCommentOnly(item: Item): boolean {
  return !item.key && !item.sep && !item.value && !item.start.some((token) => token.type === 'explicit-key-ind' || token.type === 'seq-item-ind');
}

function keyString(key: Value, offset: number): string {
  if (typeof key === 'string') return key;
  if (key === null || typeof key !== 'object') return String(key);
  throw new CstDecodeError('map keys must be scalars', offset);
}

function resolveTagged(source: string, tag: string): Value {
  const resolved = resolvePlainScalar(source);
  switch (tag) {
    case '!!int':
    case '!!float':
      return typeof resolved === 'number' ? resolved : Number(source);
    case '!!bool':
      return typeof resolved === 'boolean' ? resolved : source === 'true';
    case '!!null':
      return null;
    default:
      return resolved;
  }
}

/**
 * Decodes the value of one CST document.
 * @param text the exact text the CST was parsed from (offsets index into it)
 * @throws CstDecodeError at the first structural problem
 */
export function decodeDocument(document: CST.Document, text: string, limits: DecodeLimits = DEFAULT_LIMITS): Value {
  for (const token of (document.end ?? []) as CST.Token[]) {
    if (token.type !== 'comment' && token.type !== 'newline' && token.type !== 'space' && token.type !== 'doc-end') {
      throw new CstDecodeError(`unexpected ${token.type === 'scalar' ? 'content' : token.type} after the document's value`, token.offset);
    }
  }
  return new Decoder(text, limits).node(document.value, document.start);
}

/**
 * Decodes one node (e.g. an item of a ResourceList's `items`) outside its document.
 * Anchors defined elsewhere in the document are not visible; an alias to one is an error.
 */
export function decodeNode(token: CST.Token, text: string, limits: DecodeLimits = DEFAULT_LIMITS): Value {
  return new Decoder(text, limits).node(token, undefined);
}
