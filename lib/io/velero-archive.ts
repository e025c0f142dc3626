/**
 * Velero backup archives (`<backup>.tar.gz`): read whole into memory, their items handed to functions,
 * written back once with only what changed rewritten.
 *
 * Layout (vmware-tanzu/velero `pkg/archive/filesystem.go`, `pkg/backup/item_backupper.go`,
 * `pkg/backup/backup.go`): a gzip-compressed tar of regular files; `metadata/version` holds the format
 * version (`1.1.0\n`); an item is the file `resources/<group-resource>/namespaces/<namespace>/<name>.json`,
 * or `resources/<group-resource>/cluster/<name>.json` when cluster-scoped, holding Go's
 * `json.Marshal` of the object (one line, no final newline). Since Velero 1.4 an item in its group's
 * preferred version is also stored under `resources/<group-resource>/<version>-preferredversion/...`, a
 * copy of the same bytes; with the `EnableAPIGroupVersions` feature flag other versions of the object go to
 * `resources/<group-resource>/<version>/...`.
 *
 * What is read and written:
 * - `items` are the unversioned item files, in archive order. The `<version>-preferredversion` copy of an
 *   item follows it: rewritten with the same bytes when the item changed, dropped with it when removed.
 * - Copies in other versions (`EnableAPIGroupVersions`) are a different API version of the object that
 *   this project cannot convert: they are kept unchanged while the item keeps its place, and dropped when
 *   the item is removed or moves (new name, namespace, group or kind). A restore that picks such a version
 *   restores the object as backed up, without the functions' changes.
 * - Versioned files without an unversioned item, directories, and every other file under `resources/` and
 *   `metadata/` are copied through unchanged, in order.
 * - A leading `./` (as `tar -C dir .` writes) is accepted and kept on every entry that keeps its path;
 *   `entryPath`, `archiveItemPath` and new entries have none.
 *
 * Rejected, with an InputError naming the entry: absolute paths, `..`, `.` or empty path segments,
 * backslashes; links, devices and FIFOs (only regular files and directories); entries outside `resources/`
 * and `metadata/`; an entry over `maxEntryBytes`; more than `maxTotalBytes` uncompressed (counted while
 * decompressing, so a gzip bomb stops there); the same path twice; an item file that is not `<name>.json`
 * holding a JSON object with apiVersion and kind whose metadata.name, metadata.namespace and API group
 * match its path; input that is not gzip or not tar. Nothing is extracted to disk; output goes to a
 * temporary file next to the output path, renamed over it once complete.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { extract, pack, type Header } from 'tar-stream';
import { InputError } from '../errors.js';
import { KrmItem } from '../item.js';
import type { Value } from '../yaml/scalar.js';
import { checkItem } from './input.js';
import { groupOfGroupResource, groupResource, guessResource } from './resource-names.js';

// Directory names and the format version (velero `pkg/apis/velero/v1/constants.go`, `pkg/backup/backup.go`).
const RESOURCES_DIR = 'resources';
const METADATA_DIR = 'metadata';
const CLUSTER_SCOPED_DIR = 'cluster';
const NAMESPACE_SCOPED_DIR = 'namespaces';
const PREFERRED_VERSION_SUFFIX = '-preferredversion';
const VERSION_FILE = `${METADATA_DIR}/version`;
const BACKUP_FORMAT_VERSION = '1.1.0\n';
/** The mode Velero gives every file it writes (`pkg/backup/item_backupper.go`). */
const FILE_MODE = 0o755;

const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** zlib and file chunks: large ones mean few thread-pool round trips (16 KiB chunks left the process idle most of the time). */
const ZLIB_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024;

export interface ArchiveLimits {
  /** Largest uncompressed entry accepted, in bytes (default 64 MiB). */
  maxEntryBytes?: number;
  /**
   * Largest total uncompressed size, in bytes (default 8 GiB): the sum of the entries, and the
   * decompressed tar stream (entries, headers and padding) while it is read – a gzip bomb stops here.
   */
  maxTotalBytes?: number;
}

/** Where an item file sits: `resources/<groupResource>/[<version>/]{namespaces/<namespace>|cluster}/<name>.json`. */
interface ItemLocation {
  readonly groupResource: string;
  /** The version directory (`v1-preferredversion`, `v1beta1`), `` for the unversioned file. */
  readonly version: string;
  /** `` for a cluster-scoped item. */
  readonly namespace: string;
  readonly name: string;
}

/** How an item's JSON was laid out, so a changed item is written the same way (see `serialize`). */
interface JsonLayout {
  readonly indent: string;
  readonly finalNewline: string;
  /** Go's json.Marshal escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`...; kept when the file has none raw. */
  readonly goEscapes: boolean;
}

/** Velero's own layout: `json.Marshal`, one line, no final newline. */
const VELERO_LAYOUT: JsonLayout = { indent: '', finalNewline: '', goEscapes: true };

/** What an entry is to the archive: an item's file, a versioned copy of one, or anything else. */
type EntryRole =
  | { readonly kind: 'other' }
  | { readonly kind: 'item' | 'preferred-copy' | 'version-copy'; readonly item: KrmItem };

interface ArchiveEntry {
  /** The header as read; `name` is the entry's path as stored. */
  readonly header: Header;
  /** The path without a leading `./` or a directory's trailing `/`. */
  readonly path: string;
  readonly data: Buffer;
  readonly role: EntryRole;
}

/** An item of the archive as it was read. */
interface ItemRecord {
  /** Its unversioned file's path (see `ArchiveEntry.path`) and bytes (its text is decoded again when asked for: most never are). */
  readonly path: string;
  readonly data: Buffer;
  readonly layout: JsonLayout;
  readonly location: ItemLocation;
  readonly group: string;
  readonly kind: string;
}

interface ArchiveContents {
  readonly entries: readonly ArchiveEntry[];
  readonly records: ReadonlyMap<KrmItem, ItemRecord>;
  /** `<group>/<kind>` → the group-resource directory holding items of that kind. */
  readonly directories: ReadonlyMap<string, string>;
}

let contentsOf: (archive: VeleroArchive) => ArchiveContents;

export class VeleroArchive {
  readonly #contents: ArchiveContents;
  /**
   * One item (origin `json`, the file's JSON.parse) per unversioned item file
   * `resources/<gr>/namespaces/<ns>/<name>.json` or `resources/<gr>/cluster/<name>.json`, in archive order.
   */
  readonly items: readonly KrmItem[];

  static {
    contentsOf = (archive) => archive.#contents;
  }

  private constructor(contents: ArchiveContents) {
    this.#contents = contents;
    this.items = [...contents.records.keys()];
  }

  /**
   * Reads a .tar.gz Velero backup archive.
   * @throws InputError naming the archive and the entry for unsafe or malformed archives (see the module
   * documentation), or when the file cannot be read
   */
  static async read(path: string, limits?: ArchiveLimits): Promise<VeleroArchive> {
    return VeleroArchive.fromStream(createReadStream(path, { highWaterMark: ZLIB_CHUNK_BYTES }), limits, path);
  }

  /** Same as `read`, from bytes already in memory (tests, stdin). */
  static async fromBuffer(bytes: Buffer, limits?: ArchiveLimits): Promise<VeleroArchive> {
    return VeleroArchive.fromStream(Readable.from([bytes]), limits);
  }

  /**
   * Same as `read`, from a stream of the compressed archive, which is read only as far as the limits allow.
   * @param label names the archive in error messages (a file path)
   */
  static async fromStream(source: Readable, limits: ArchiveLimits = {}, label?: string): Promise<VeleroArchive> {
    const prefix = label === undefined ? '' : `${label}: `;
    const entries = await readEntries(source, limits, prefix);
    return new VeleroArchive(classify(entries, prefix));
  }

  /** The archive path an item was read from (`resources/deployments.apps/namespaces/shop/web.json`), or undefined for an item not from this archive. */
  entryPath(item: KrmItem): string | undefined {
    return this.#contents.records.get(item)?.path;
  }

  /** The item's file text as read (for diffs), or undefined for an item not from this archive. */
  originalText(item: KrmItem): string | undefined {
    return this.#contents.records.get(item)?.data.toString('utf8');
  }

  /**
   * The text `writeVeleroArchive` stores for this item: the original text while the item is unchanged;
   * otherwise its JSON in the layout of the original file (indentation, final newline, Go's escapes of
   * `<`, `>`, `&`), or Velero's compact `json.Marshal` form for an item not from this archive.
   */
  outputText(item: KrmItem): string {
    const record = this.#contents.records.get(item);
    if (record && !item.changed) return record.data.toString('utf8');
    return serialize(item.object, record?.layout ?? VELERO_LAYOUT);
  }
}

/**
 * The archive path (without `./`) of an item's unversioned file: the path it was read from when it came
 * from `source` and still has the same group, kind, namespace and name; otherwise computed from its
 * apiVersion, kind, namespace and name, in the directory `source` already has for the same group and
 * kind, or else `<guessResource(kind)>.<group>`.
 * @throws InputError when the item has no metadata.name, or a name, namespace, kind or apiVersion that
 * cannot be a path segment
 */
export function archiveItemPath(item: KrmItem, source?: VeleroArchive): string {
  return itemPath(targetLocation(item, source && contentsOf(source)));
}

/**
 * Writes a Velero backup archive (.tar.gz) to `outputPath`, atomically: a temporary file in the same
 * directory, renamed over `outputPath` once complete, and removed on failure.
 *
 * With `source`, its entries are written in their order: every entry that is not an item's (metadata,
 * directories, other files) unchanged; the items of `source` present in `items` at their path
 * (`archiveItemPath`), as the original bytes when unchanged, with their preferred-version copy holding the
 * same bytes; the items of `source` missing from `items` not at all, nor any copy of them. Then the items
 * not from `source`, in `items` order, each at `archiveItemPath` and as a
 * `<version>-preferredversion` copy, as Velero stores an item in its preferred version. Without `source`:
 * `metadata/version` (`1.1.0\n`) and the items.
 *
 * Tar headers as Velero writes them: regular files, mode 0755, `options.mtime` (default: now) for new and
 * changed entries; entries copied through keep their header (mode, mtime, owner).
 * @throws InputError when two entries would have the same path, or for an item `archiveItemPath` rejects;
 * nothing is written then
 * @throws Error naming `outputPath` when writing fails
 */
export async function writeVeleroArchive(outputPath: string, items: readonly KrmItem[], source?: VeleroArchive, options: { mtime?: Date } = {}): Promise<void> {
  const planned = planEntries(items, source, options.mtime ?? new Date());
  const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeEntries(temporary, planned);
    await rename(temporary, outputPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(`cannot write ${outputPath}: ${(error as Error).message}`, { cause: error });
  }
}

// ---- reading ----

interface RawEntry {
  readonly header: Header;
  readonly path: string;
  readonly data: Buffer;
}

/** Decompresses and untars `source` into memory, checking every header before reading its data. */
async function readEntries(source: Readable, limits: ArchiveLimits, prefix: string): Promise<RawEntry[]> {
  const maxEntryBytes = limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const maxTotalBytes = limits.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const entries: RawEntry[] = [];
  const paths = new Set<string>();
  const position = () => (entries.length === 0 ? 'before the first entry' : `after entry ${entries[entries.length - 1]!.header.name}`);

  let decompressed = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      decompressed += chunk.length;
      // One chunk of slack: the entries' declared sizes are checked first, where the message can name the entry.
      if (decompressed > maxTotalBytes + ZLIB_CHUNK_BYTES) done(new InputError(`${prefix}the archive is larger than ${maxTotalBytes} bytes uncompressed (maxTotalBytes), ${position()}`));
      else done(null, chunk);
    },
  });
  const tar = extract();
  const piping = pipeline(source, createGunzip({ chunkSize: ZLIB_CHUNK_BYTES }), counter, tar);
  // Observed at once (a failure can come while an entry is being read); awaited below.
  piping.catch(() => undefined);
  let total = 0;
  try {
    for await (const entry of tar) {
      const header = entry.header;
      const path = checkHeader(header, `${prefix}${header.name}`);
      const size = header.size ?? 0;
      if (size > maxEntryBytes) throw new InputError(`${prefix}${header.name}: the entry is ${size} bytes, more than the limit of ${maxEntryBytes} (maxEntryBytes)`);
      total += size;
      if (total > maxTotalBytes) throw new InputError(`${prefix}${header.name}: the entries exceed ${maxTotalBytes} bytes uncompressed (maxTotalBytes)`);
      if (paths.has(path)) throw new InputError(`${prefix}${header.name}: the archive holds this path twice`);
      paths.add(path);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ header, path, data: Buffer.concat(chunks) });
    }
    await piping;
  } catch (error) {
    source.destroy();
    await piping.catch(() => undefined);
    throw readFailure(error, prefix, entries.length === 0, position());
  }
  return entries;
}

/** Turns a decompression, tar or file error into an InputError that says where reading stopped. */
function readFailure(error: unknown, prefix: string, atStart: boolean, position: string): InputError {
  if (error instanceof InputError) return error;
  const { code, syscall, message } = error as NodeJS.ErrnoException;
  if (syscall !== undefined) return new InputError(`${prefix}cannot read the archive: ${message}`);
  if (code?.startsWith('Z_')) {
    return new InputError(`${prefix}${atStart ? 'not a gzip-compressed archive' : `corrupt or truncated gzip data ${position}`} (${message})`);
  }
  return new InputError(`${prefix}${atStart ? 'not a tar archive' : `corrupt or truncated tar data ${position}`} (${message})`);
}

/**
 * Checks an entry's type and path.
 * @returns the path without a leading `./` and without a directory's trailing `/`
 * @throws InputError naming the entry
 */
function checkHeader(header: Header, where: string): string {
  const type = header.type ?? 'unknown';
  if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory') {
    const target = header.linkname ? ` to ${header.linkname}` : '';
    throw new InputError(`${where}: the entry is a ${type}${target}; a Velero backup holds only regular files and directories`);
  }
  const name = header.name;
  if (name.startsWith('/')) throw new InputError(`${where}: absolute paths are not allowed`);
  if (name.includes('\\')) throw new InputError(`${where}: backslashes are not allowed in paths`);
  let path = name.startsWith('./') ? name.slice(2) : name;
  if (type === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '' && type === 'directory') return path;
  const segments = path.split('/');
  if (segments.includes('..')) throw new InputError(`${where}: paths with .. are not allowed`);
  if (segments.some((segment) => segment === '' || segment === '.')) throw new InputError(`${where}: the path has an empty or . segment`);
  const top = segments[0];
  if ((top !== RESOURCES_DIR && top !== METADATA_DIR) || (segments.length === 1 && type !== 'directory')) {
    throw new InputError(`${where}: the entry is outside ${RESOURCES_DIR}/ and ${METADATA_DIR}/`);
  }
  return path;
}

/**
 * Where an entry sits in the item layout: `resources/<gr>/{namespaces/<ns>|cluster}/<name>.json`, or the
 * same with a version directory after `<gr>`; undefined for directories and files elsewhere.
 * @throws InputError for a file at an item's place that is not named `<name>.json`
 */
function locate(entry: RawEntry, where: string): ItemLocation | undefined {
  const segments = entry.path.split('/');
  if (entry.header.type === 'directory' || segments[0] !== RESOURCES_DIR || segments.length < 4) return undefined;
  const groupResource = segments[1]!;
  let rest = segments.slice(2);
  let version = '';
  if (rest[0] !== NAMESPACE_SCOPED_DIR && rest[0] !== CLUSTER_SCOPED_DIR) {
    version = rest[0]!;
    rest = rest.slice(1);
  }
  let namespace: string;
  if (rest[0] === CLUSTER_SCOPED_DIR && rest.length === 2) namespace = '';
  else if (rest[0] === NAMESPACE_SCOPED_DIR && rest.length === 3) namespace = rest[1]!;
  else return undefined;
  const file = rest[rest.length - 1]!;
  if (!file.endsWith('.json') || file === '.json') throw new InputError(`${where}: an item file must be named <name>.json`);
  return { groupResource, version, namespace, name: file.slice(0, -'.json'.length) };
}

function locationKey(location: ItemLocation): string {
  return `${location.groupResource}/${location.namespace}/${location.name}`;
}

/** Reads the items (the unversioned item files), then finds their versioned copies among the other entries. */
function classify(entries: readonly RawEntry[], prefix: string): ArchiveContents {
  const locations = entries.map((entry) => locate(entry, `${prefix}${entry.header.name}`));
  const records = new Map<KrmItem, ItemRecord>();
  const itemsByKey = new Map<string, KrmItem>();
  const directories = new Map<string, string>();
  entries.forEach((entry, index) => {
    const location = locations[index];
    if (location === undefined || location.version !== '') return;
    const text = entry.data.toString('utf8');
    const item = readItem(text, location, `${prefix}${entry.header.name}`);
    records.set(item, { path: entry.path, data: entry.data, layout: layoutOf(text), location, group: item.group, kind: item.kind });
    itemsByKey.set(locationKey(location), item);
    const directoryKey = `${item.group}/${item.kind}`;
    if (!directories.has(directoryKey)) directories.set(directoryKey, location.groupResource);
  });
  const roleOf = (location: ItemLocation | undefined): EntryRole => {
    const item = location && itemsByKey.get(locationKey(location));
    if (!item) return { kind: 'other' };
    if (location.version === '') return { kind: 'item', item };
    return { kind: location.version.endsWith(PREFERRED_VERSION_SUFFIX) ? 'preferred-copy' : 'version-copy', item };
  };
  const classified = entries.map((entry, index): ArchiveEntry => {
    const role = roleOf(locations[index]);
    // Velero stores a preferred-version copy with the item's own bytes: they are kept once, not twice.
    const itemData = role.kind === 'preferred-copy' ? records.get(role.item)!.data : undefined;
    return { ...entry, data: itemData?.equals(entry.data) ? itemData : entry.data, role };
  });
  return { entries: classified, records, directories };
}

/**
 * Parses an item file and checks it against its path, as Velero names files after the object.
 * @throws InputError naming the entry
 */
function readItem(text: string, location: ItemLocation, where: string): KrmItem {
  let value: Value;
  try {
    value = JSON.parse(text) as Value;
  } catch (error) {
    throw new InputError(`${where}: invalid JSON (${(error as Error).message})`);
  }
  const item = new KrmItem(checkItem(value, where), 'json');
  if (item.name !== location.name) {
    throw new InputError(`${where}: metadata.name is ${JSON.stringify(item.name)}, but the file is named after ${JSON.stringify(location.name)}`);
  }
  if (item.namespace !== location.namespace) {
    const place = location.namespace === '' ? `${CLUSTER_SCOPED_DIR}/ (cluster-scoped)` : `${NAMESPACE_SCOPED_DIR}/${location.namespace}/`;
    throw new InputError(`${where}: metadata.namespace is ${JSON.stringify(item.namespace)}, but the file is under ${place}`);
  }
  if (item.group !== groupOfGroupResource(location.groupResource)) {
    throw new InputError(`${where}: apiVersion ${JSON.stringify(item.apiVersion)} is not in the API group of ${RESOURCES_DIR}/${location.groupResource}/`);
  }
  return item;
}

/** The layout of a JSON file: indentation from its second line and final newline, as `json-input.ts` detects them. */
function layoutOf(text: string): JsonLayout {
  return {
    indent: /\n([ \t]+)\S/.exec(text)?.[1] ?? '',
    finalNewline: /\r?\n$/.exec(text)?.[0] ?? '',
    goEscapes: !/[<>&\u2028\u2029]/.test(text),
  };
}

/** JSON text of an object in a layout; integer-like keys come first, as in every JavaScript object. */
function serialize(object: Value, layout: JsonLayout): string {
  const text = JSON.stringify(object, null, layout.indent);
  // These characters occur only inside JSON strings, where the escape means the same character.
  const escaped = layout.goEscapes ? text.replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
  return escaped + layout.finalNewline;
}

// ---- writing ----

/** The header fields an entry is written with; `pack` fills in the rest (size, owner 0). */
type HeaderFields = Partial<Header> & Pick<Header, 'name'>;

interface PlannedEntry {
  readonly header: HeaderFields;
  readonly data: Buffer;
}

/** `Deployment shop/web`, `PersistentVolume pv1`: an item in messages. */
function describe(item: KrmItem): string {
  return `${item.kind} ${item.namespace === '' ? '' : `${item.namespace}/`}${item.name}`;
}

/** The version part of an apiVersion: `v1` for `apps/v1` and for `v1`. */
function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

function itemPath(location: ItemLocation): string {
  const version = location.version === '' ? [] : [location.version];
  const scope = location.namespace === '' ? [CLUSTER_SCOPED_DIR] : [NAMESPACE_SCOPED_DIR, location.namespace];
  return [RESOURCES_DIR, location.groupResource, ...version, ...scope, `${location.name}.json`].join('/');
}

/** @throws InputError when `value` cannot be one segment of an archive path */
function checkSegment(item: KrmItem, field: string, value: string): void {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new InputError(`${describe(item)}: ${field} ${JSON.stringify(value)} cannot name a file or directory in a Velero backup`);
  }
}

/** The unversioned location of an item in the archive written from `source` (see `archiveItemPath`). */
function targetLocation(item: KrmItem, source: ArchiveContents | undefined): ItemLocation {
  const record = source?.records.get(item);
  if (record && record.group === item.group && record.kind === item.kind && record.location.namespace === item.namespace && record.location.name === item.name) {
    return record.location;
  }
  if (item.name === '') throw new InputError(`${describe(item)}: the item has no metadata.name, which names its file in a Velero backup`);
  checkSegment(item, 'metadata.name', item.name);
  if (item.namespace !== '') checkSegment(item, 'metadata.namespace', item.namespace);
  const sameKind = record && record.group === item.group && record.kind === item.kind ? record.location.groupResource : undefined;
  const directory = sameKind ?? source?.directories.get(`${item.group}/${item.kind}`) ?? groupResource(guessResource(item.kind), item.group);
  checkSegment(item, 'apiVersion and kind', directory);
  return { groupResource: directory, version: '', namespace: item.namespace, name: item.name };
}

/** The location of an item's preferred-version copy next to its unversioned location. */
function preferredLocation(item: KrmItem, location: ItemLocation): ItemLocation {
  const version = versionOf(item.apiVersion);
  checkSegment(item, 'apiVersion', version);
  return { ...location, version: `${version}${PREFERRED_VERSION_SUFFIX}` };
}

/** The header of an entry copied through: everything but the size, which pack computes. */
function copiedHeader(header: Header): HeaderFields {
  const { name, type, mode, mtime, uid, gid, uname, gname } = header;
  return { name, type, mode, mtime, uid, gid, uname, gname };
}

/** Lays out the output archive's entries in order, checking that no two share a path. */
function planEntries(items: readonly KrmItem[], source: VeleroArchive | undefined, mtime: Date): PlannedEntry[] {
  const contents = source && contentsOf(source);
  const planned: PlannedEntry[] = [];
  const writers = new Map<string, string>();
  const add = (path: string, writer: string, entry: PlannedEntry) => {
    const previous = writers.get(path);
    if (previous !== undefined) throw new InputError(`${previous} and ${writer} would both be written at ${path}`);
    writers.set(path, writer);
    planned.push(entry);
  };
  const fresh = (path: string, data: Buffer): PlannedEntry => ({ header: { name: path, type: 'file', mode: FILE_MODE, mtime }, data });

  const kept = new Map<KrmItem, { location: ItemLocation; data: Buffer; touched: boolean }>();
  const added: KrmItem[] = [];
  for (const item of items) {
    const record = contents?.records.get(item);
    if (!record) {
      added.push(item);
      continue;
    }
    const data = item.changed ? Buffer.from(source!.outputText(item)) : record.data;
    kept.set(item, { location: targetLocation(item, contents), data, touched: !data.equals(record.data) });
  }

  if (!contents) add(VERSION_FILE, VERSION_FILE, fresh(VERSION_FILE, Buffer.from(BACKUP_FORMAT_VERSION)));
  for (const entry of contents?.entries ?? []) {
    const role = entry.role;
    if (role.kind === 'other') {
      add(entry.path, entry.header.name, { header: copiedHeader(entry.header), data: entry.data });
      continue;
    }
    const output = kept.get(role.item);
    if (!output) continue;
    const record = contents!.records.get(role.item)!;
    const moved = output.location !== record.location;
    if (role.kind === 'version-copy' && moved) continue;
    let path = entry.path;
    if (role.kind === 'item') path = itemPath(output.location);
    else if (role.kind === 'preferred-copy' && output.touched) path = itemPath(preferredLocation(role.item, output.location));
    const copied = !output.touched || role.kind === 'version-copy';
    // An entry that keeps its path keeps its name as stored (with a leading `./`, if it had one).
    const name = path === entry.path ? entry.header.name : path;
    add(path, describe(role.item), copied ? { header: copiedHeader(entry.header), data: entry.data } : fresh(name, output.data));
  }
  for (const item of added) {
    const location = targetLocation(item, contents);
    const data = Buffer.from(serialize(item.object, VELERO_LAYOUT));
    add(itemPath(location), describe(item), fresh(itemPath(location), data));
    const preferred = itemPath(preferredLocation(item, location));
    add(preferred, describe(item), fresh(preferred, data));
  }
  return planned;
}

/**
 * Joins a stream's small chunks into chunks of at least `size` bytes: the tar packer writes each header
 * and file on its own, and each write to gzip is a round trip through the thread pool.
 */
function coalescing(size: number): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      if (length < size) return done();
      const joined = Buffer.concat(parts, length);
      parts = [];
      length = 0;
      done(null, joined);
    },
    flush(done) {
      if (length > 0) this.push(Buffer.concat(parts, length));
      done();
    },
  });
}

/** Writes the entries as a gzip-compressed tar to a new file (it must not exist). */
async function writeEntries(path: string, entries: readonly PlannedEntry[]): Promise<void> {
  const tar = pack();
  const writing = pipeline(tar, coalescing(ZLIB_CHUNK_BYTES), createGzip({ chunkSize: ZLIB_CHUNK_BYTES }), createWriteStream(path, { flags: 'wx' }));
  const feeding = (async () => {
    // Entries are queued without waiting for each one to be packed (a wait per entry is a round trip
    // through gzip's thread pool: most of the time went there), and waited for every few MiB, so the
    // queue stays small.
    let pending: Array<Promise<void>> = [];
    let queued = 0;
    for (const entry of entries) {
      pending.push(new Promise<void>((resolve, reject) => tar.entry({ ...entry.header }, entry.data, (error) => (error ? reject(error) : resolve()))));
      queued += entry.data.length + 512;
      if (queued >= ZLIB_CHUNK_BYTES * 8) {
        await Promise.all(pending);
        pending = [];
        queued = 0;
      }
    }
    await Promise.all(pending);
    tar.finalize();
  })();
  const [written, fed] = await Promise.allSettled([writing, feeding]);
  if (written.status === 'rejected') throw written.reason;
  if (fed.status === 'rejected') throw fed.reason;
}
