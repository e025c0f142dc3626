/**
 * A directory of manifests (a kpt package, a `kubectl get -o yaml` dump, a GitOps folder): every
 * `.yaml`, `.yml` and `.json` file below it, each read as one `Input` (a stream, a List or a
 * ResourceList), so each file is written back in its own format and shape, byte for byte where nothing
 * changed. Hidden files and folders (`.git`, `.krmignore`) and `node_modules` are skipped.
 *
 * New items go to new files named as kpt names them: `<namespace>/<kind>_<name>.yaml` (lower-case
 * kind; cluster-scoped items at the top).
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import type { KrmItem } from '../item.js';
import { renderBlockLines } from '../yaml/render.js';
import type { Input } from './input.js';
import { writeAtomically } from './output-parts.js';
import { readInput } from './read.js';

const MANIFEST = /\.(?:ya?ml|json)$/i;

function walk(root: string, folder: string, out: string[]): void {
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile() && MANIFEST.test(entry.name)) out.push(path);
  }
}

/** The YAML text of an item written to a file of its own (rendered: its source may be indented inside a list). */
function itemDocument(item: KrmItem): string {
  return renderBlockLines(item.object, 0).join('\n') + '\n';
}

/** The file kpt would create for a new item: `<namespace>/<kind>_<name>.yaml`. */
export function newItemFile(item: KrmItem): string {
  const file = `${item.kind.toLowerCase()}_${item.name}.yaml`;
  return item.namespace ? `${item.namespace}/${file}` : file;
}

export class ManifestDirectory {
  private constructor(
    /** The directory, as given. */
    readonly path: string,
    private readonly files: ReadonlyArray<{ file: string; input: Input; text: string }>,
    private readonly fileOf: ReadonlyMap<KrmItem, string>,
  ) {}

  /**
   * Reads every manifest file below `path`.
   * @throws InputError naming the file for unreadable or malformed manifests
   */
  static read(path: string): ManifestDirectory {
    const names: string[] = [];
    walk(path, '', names);
    const files: Array<{ file: string; input: Input; text: string }> = [];
    const fileOf = new Map<KrmItem, string>();
    for (const file of names) {
      const text = readFileSync(join(path, file), 'utf8');
      let input: Input;
      try {
        input = readInput(text);
      } catch (error) {
        if (error instanceof InputError) throw new InputError(`${join(path, file)}: ${error.message}`);
        throw error;
      }
      files.push({ file, input, text });
      for (const item of input.items) fileOf.set(item, file);
    }
    return new ManifestDirectory(path, files, fileOf);
  }

  /** Every item, file by file in path order. */
  get items(): KrmItem[] {
    return this.files.flatMap((entry) => entry.input.items);
  }

  /** The file an item was read from, relative to the directory (`shop/routes.yaml`). */
  fileOfItem(item: KrmItem): string | undefined {
    return this.fileOf.get(item);
  }

  /**
   * Writes the items to `output` (which may be this directory: files are replaced atomically). Files
   * none of whose items changed are copied as they are; files that lost all their items are not written
   * (and deleted when writing in place); items from elsewhere go to new files (`newItemFile`).
   * @throws Error when a new item's file already exists (the output would lose it)
   */
  write(output: string, items: readonly KrmItem[]): void {
    const inPlace = resolve(output) === resolve(this.path);
    const byFile = new Map<string, KrmItem[]>();
    const others: KrmItem[] = [];
    for (const item of items) {
      const file = this.fileOf.get(item);
      if (file === undefined) others.push(item);
      else byFile.set(file, [...(byFile.get(file) ?? []), item]);
    }
    for (const { file, input, text } of this.files) {
      const kept = byFile.get(file) ?? [];
      const target = join(output, file);
      if (kept.length === 0 && input.items.length > 0) {
        if (inPlace) rmSync(target, { force: true });
        continue;
      }
      const unchanged = kept.length === input.items.length && kept.every((item) => !item.changed);
      if (unchanged && inPlace) continue;
      writeAtomically(target, unchanged ? text : input.serialize(kept, []));
    }
    writeNewItems(output, others, new Set(this.files.map((entry) => entry.file)));
  }
}

/**
 * Writes items to new files below `output`, one item per file, named by `newItemFile`.
 * @param taken files that must not be overwritten
 * @throws Error when two items, or an item and a taken file, would share a file
 */
export function writeNewItems(output: string, items: readonly KrmItem[], taken: ReadonlySet<string> = new Set()): void {
  const used = new Set(taken);
  for (const item of items) {
    const file = newItemFile(item);
    if (relative(output, join(output, file)).split(sep).includes('..')) throw new Error(`refusing to write ${file} outside ${output}`);
    if (used.has(file) || statSync(join(output, file), { throwIfNoEntry: false })) {
      throw new Error(`cannot write ${item.kind} ${item.namespace ? `${item.namespace}/` : ''}${item.name}: ${join(output, file)} is already taken`);
    }
    used.add(file);
    writeAtomically(join(output, file), itemDocument(item));
  }
}
