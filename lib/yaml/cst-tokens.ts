/**
 * Geometry of `yaml` CST tokens: where a token's text ends (with or without its trailing comments and
 * line end), the key of a map entry, the column of an offset. Shared by the decoder, the editor and the
 * ResourceList IO, which all work on offsets into the original text.
 */
import { CST } from 'yaml';

export function sourceEnd(token: { offset: number; source: string }): number {
  return token.offset + token.source.length;
}

export function lastOf<T>(list: readonly T[] | undefined): T | undefined {
  return list && list.length > 0 ? list[list.length - 1] : undefined;
}

function findLast<T>(list: readonly T[], predicate: (entry: T) => unknown): T | undefined {
  for (let index = list.length - 1; index >= 0; index -= 1) if (predicate(list[index]!)) return list[index];
  return undefined;
}

/** Offset just past the last character that belongs to `token`, trailing comments and newline included. */
export function tokenEnd(token: CST.Token): number {
  switch (token.type) {
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
    case 'alias': {
      const end = lastOf(token.end);
      return end ? sourceEnd(end) : sourceEnd(token);
    }
    case 'block-scalar': {
      const header = lastOf(token.props);
      return (header ? tokenEnd(header) : token.offset) + token.source.length;
    }
    case 'block-map':
    case 'block-seq':
      return itemEnd(lastOf(token.items as CST.CollectionItem[]), token.offset);
    case 'flow-collection': {
      const end = lastOf(token.end);
      return end ? sourceEnd(end) : itemEnd(lastOf(token.items), sourceEnd(token.start));
    }
    case 'document': {
      const end = lastOf(token.end);
      if (end) return sourceEnd(end);
      return token.value ? tokenEnd(token.value) : (lastOf(token.start) ? sourceEnd(lastOf(token.start)!) : token.offset);
    }
    default:
      return sourceEnd(token as CST.SourceToken);
  }
}

export function itemEnd(item: CST.CollectionItem | undefined, fallback: number): number {
  if (!item) return fallback;
  if (item.value) return tokenEnd(item.value);
  const sep = lastOf(item.sep);
  if (sep) return sourceEnd(sep);
  if (item.key) return tokenEnd(item.key);
  const start = lastOf(item.start);
  return start ? sourceEnd(start) : fallback;
}

/** Offset just past the last character of `token`'s own content: no trailing comment or line end. */
export function contentEnd(token: CST.Token): number {
  switch (token.type) {
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
    case 'alias':
      return sourceEnd(token);
    case 'block-map':
    case 'block-seq': {
      // Comment lines after the last entry are parsed as an item of their own: they are not content.
      const items = token.items as CST.CollectionItem[];
      const item = findLast(items, (candidate) => candidate.key || candidate.value || candidate.sep || candidate.start.some((t) => t.type === 'seq-item-ind' || t.type === 'explicit-key-ind')) ?? items[0]!;
      if (item.value) return contentEnd(item.value);
      const indicator = item.sep?.find((t) => t.type === 'map-value-ind');
      if (indicator) return sourceEnd(indicator);
      if (item.key) return contentEnd(item.key);
      const marker = item.start.find((t) => t.type === 'seq-item-ind' || t.type === 'explicit-key-ind');
      return marker ? sourceEnd(marker) : itemEnd(item, token.offset);
    }
    case 'block-scalar': {
      // The scalar's source ends with the line break of its last line, which separates it from what follows.
      const end = tokenEnd(token);
      return token.source.endsWith('\r\n') ? end - 2 : token.source.endsWith('\n') ? end - 1 : end;
    }
    case 'flow-collection': {
      const closing = token.end.find((t) => t.type === 'flow-map-end' || t.type === 'flow-seq-end');
      return closing ? sourceEnd(closing) : tokenEnd(token);
    }
    default:
      return tokenEnd(token);
  }
}

export function keyOf(item: CST.CollectionItem): string | undefined {
  if (!item.key || !CST.isScalar(item.key)) return undefined;
  return CST.resolveAsScalar(item.key).value;
}

export function isMap(token: CST.Token | undefined): boolean {
  return token?.type === 'block-map' || (token?.type === 'flow-collection' && token.start.type === 'flow-map-start');
}

/** The column (0-based) of `offset` in `text`. */
export function columnAt(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}
