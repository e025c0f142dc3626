/**
 * Where the pipeline's items come from and go to.
 *
 * Inputs: `-` (stdin) or a manifest file (a ResourceList, a List or a YAML stream; YAML or JSON); a
 * directory of manifests; a Velero backup archive (`.tar.gz`/`.tgz`, or any file starting with the
 * gzip magic bytes).
 * Outputs, by the `--output` path: `-` for stdout; `.tar.gz`/`.tgz` for a Velero backup archive; `.yaml`,
 * `.yml` or `.json` for one file; anything else for a directory. Text input written as text keeps its
 * shape and format (a ResourceList gets the results); a directory or archive written as text becomes a
 * ResourceList.
 */
import { openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { Input } from '../io/input.js';
import { ManifestDirectory, newItemFile, writeNewItems } from '../io/directory.js';
import { batches, writeAtomically } from '../io/output-parts.js';
import { readInput } from '../io/read.js';
import { archiveItemPath, VeleroArchive, writeVeleroArchive, type ArchiveLimits } from '../io/velero-archive.js';
import type { KrmItem } from '../item.js';
import { resultsValue, type Result } from '../results.js';
import { renderBlockLines } from '../yaml/render.js';
import type { Value } from '../yaml/scalar.js';

/** An opened input. */
export type InputEndpoint =
  | { type: 'text'; name: string; input: Input }
  | { type: 'directory'; name: string; directory: ManifestDirectory }
  | { type: 'archive'; name: string; archive: VeleroArchive };

/** Where the output goes. */
export type OutputTarget = { type: 'stdout' } | { type: 'file'; path: string } | { type: 'directory'; path: string } | { type: 'archive'; path: string };

const ARCHIVE = /\.(?:tar\.gz|tgz)$/i;

function startsWithGzipMagic(path: string): boolean {
  const descriptor = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(descriptor, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Opens an input.
 * @param path `-` or undefined for stdin
 * @throws InputError when the path does not exist or its content cannot be read
 */
export async function openInput(path: string | undefined, readStdin: () => Promise<string>, limits?: ArchiveLimits): Promise<InputEndpoint> {
  if (path === undefined || path === '-') return { type: 'text', name: 'stdin', input: readInput(await readStdin()) };
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`input ${path} does not exist`);
  if (stat.isDirectory()) return { type: 'directory', name: path, directory: ManifestDirectory.read(path) };
  if (ARCHIVE.test(path) || startsWithGzipMagic(path)) return { type: 'archive', name: path, archive: await VeleroArchive.read(path, limits) };
  try {
    return { type: 'text', name: path, input: readInput(readFileSync(path, 'utf8')) };
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  }
}

/** The input's items, in order. */
export function inputItems(endpoint: InputEndpoint): readonly KrmItem[] {
  if (endpoint.type === 'text') return endpoint.input.items;
  if (endpoint.type === 'directory') return endpoint.directory.items;
  return endpoint.archive.items;
}

/**
 * Where an item was read from, or goes to when it is new (a file of the directory, an entry of the
 * archive), for diffs and messages; undefined for text input.
 */
export function itemOrigin(endpoint: InputEndpoint, item: KrmItem): string | undefined {
  if (endpoint.type === 'directory') return endpoint.directory.fileOfItem(item) ?? newItemFile(item);
  if (endpoint.type === 'archive') return archiveItemPath(item, endpoint.archive);
  return undefined;
}

/** The backup's name as the input suggests it: the archive's or directory's base name. */
export function inputBaseName(endpoint: InputEndpoint): string | undefined {
  if (endpoint.type === 'text') return endpoint.name === 'stdin' ? undefined : basename(endpoint.name).replace(/\.[^.]+$/, '');
  return basename(endpoint.name).replace(ARCHIVE, '');
}

/**
 * The output target for `--output`.
 * @throws ConfigError when no output is given for a directory or archive input (writing one to stdout by
 * accident would be a surprise: ask for `-` explicitly)
 */
export function outputTarget(path: string | undefined, endpoint: InputEndpoint): OutputTarget {
  if (path === undefined) {
    if (endpoint.type === 'text') return { type: 'stdout' };
    throw new ConfigError(`give --output for the ${endpoint.type} ${endpoint.name}: a .tar.gz archive, a directory, a .yaml file, or - for a ResourceList on stdout (or --diff for a dry run)`);
  }
  if (path === '-') return { type: 'stdout' };
  if (ARCHIVE.test(path)) return { type: 'archive', path };
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return { type: 'directory', path };
  if (/\.(?:ya?ml|json)$/i.test(path)) return { type: 'file', path };
  return { type: 'directory', path };
}

/**
 * A YAML ResourceList of `items` and `results`, for outputs that did not come in as text.
 * @returns its text in parts made as they are asked for, one per item (see `Input.serialize`)
 */
function* renderResourceList(items: readonly KrmItem[], results: readonly Result[]): Generator<string> {
  yield 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';
  yield items.length === 0 ? 'items: []\n' : 'items:\n';
  for (const item of items) yield `- ${renderBlockLines(item.object, 2).join('\n')}\n`;
  if (results.length > 0) yield `results:\n${renderBlockLines(resultsValue(results) as Value[], 0).join('\n')}\n`;
}

/** The output as text parts (for stdout and single files). */
function outputParts(endpoint: InputEndpoint, items: readonly KrmItem[], results: readonly Result[]): Iterable<string> {
  return endpoint.type === 'text' ? endpoint.input.serialize(items, results) : renderResourceList(items, results);
}

/**
 * Writes the output.
 * @param writeStdout receives the text for a stdout target, in batches of about 1 MiB (output-parts.ts)
 * @param mtime the modification time of new and changed archive entries (default: now); set it, e.g.
 * from SOURCE_DATE_EPOCH, for a reproducible archive
 */
export async function writeOutput(
  target: OutputTarget,
  endpoint: InputEndpoint,
  items: readonly KrmItem[],
  results: readonly Result[],
  writeStdout: (text: string) => void,
  mtime?: Date,
): Promise<void> {
  switch (target.type) {
    case 'stdout':
      for (const batch of batches(outputParts(endpoint, items, results))) writeStdout(batch);
      return;
    case 'file':
      writeAtomically(target.path, outputParts(endpoint, items, results));
      return;
    case 'archive':
      await writeVeleroArchive(target.path, items, endpoint.type === 'archive' ? endpoint.archive : undefined, mtime ? { mtime } : {});
      return;
    case 'directory':
      if (endpoint.type === 'directory') endpoint.directory.write(target.path, items);
      else writeNewItems(target.path, items);
  }
}
