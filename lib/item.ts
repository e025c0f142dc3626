/**
 * One KRM resource (an entry of a ResourceList's `items`, or a document of a stream) as functions see it.
 *
 * Functions read the decoded `object` freely and change it only through `set` and `delete`. For a YAML
 * item each change is also applied to the item's source text (see `yaml/editor.ts`), so the item is
 * written back byte for byte except in the fields that changed; an item nobody changed is written back as
 * its original bytes. Annotations the orchestrators own (`internal.config.kubernetes.io/*`, the legacy
 * `config.kubernetes.io/path|index`, `config.k8s.io/id`, `kustomize.config.k8s.io/id`) cannot be changed:
 * kpt and kustomize use them to map output items back to files and resources.
 */
import { YamlEditor } from './yaml/editor.js';
import { deepEqual, formatPath, getPath, type Path } from './yaml/path.js';
import type { Value } from './yaml/scalar.js';

export type ObjectValue = { [key: string]: Value };

/** Where an item came from, which decides how it is written out. */
export type ItemOrigin = 'yaml' | 'json' | 'new';

const ORCHESTRATOR_ANNOTATION_KEYS = new Set([
  'config.kubernetes.io/path',
  'config.kubernetes.io/index',
  'config.k8s.io/id',
  'kustomize.config.k8s.io/id',
]);

/** True for annotations kpt or kustomize own, which a function must not change. */
export function isOrchestratorAnnotation(key: string): boolean {
  return key.startsWith('internal.config.kubernetes.io/') || key.startsWith('internal.config.k8s.io/') || ORCHESTRATOR_ANNOTATION_KEYS.has(key);
}

function orchestratorAnnotations(object: ObjectValue): string {
  const annotations = getPath(object, ['metadata', 'annotations']);
  if (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations)) return '';
  return Object.keys(annotations)
    .filter(isOrchestratorAnnotation)
    .map((key) => `${key}=${JSON.stringify(annotations[key])}`)
    .join('\n');
}

function clone(value: Value): Value {
  return value === null || typeof value !== 'object' ? value : (structuredClone(value) as Value);
}

function isPlainMap(value: Value | undefined): value is ObjectValue {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** Builds `{a: {b: value}}` from `['a', 'b']`. */
function nest(path: Path, value: Value): Value {
  let out = value;
  for (let index = path.length - 1; index >= 0; index -= 1) out = { [String(path[index])]: out };
  return out;
}

export class KrmItem {
  private editorInstance: YamlEditor | undefined;
  private revisionCount = 0;

  /**
   * @param object the decoded resource; owned by the item from now on
   * @param origin `yaml` items need `source` (their exact text) and `pad` (the column their text starts at)
   */
  constructor(
    readonly object: ObjectValue,
    readonly origin: ItemOrigin,
    private readonly source?: { text: string; pad: number },
  ) {}

  /** The text editor, created on the first edit: most items are never edited. */
  private get editor(): YamlEditor | undefined {
    if (!this.editorInstance && this.origin === 'yaml' && this.source) this.editorInstance = new YamlEditor(this.source.text, this.source.pad);
    return this.editorInstance;
  }

  get apiVersion(): string {
    return typeof this.object.apiVersion === 'string' ? this.object.apiVersion : '';
  }

  get kind(): string {
    return typeof this.object.kind === 'string' ? this.object.kind : '';
  }

  /** The API group: `route.openshift.io` for `route.openshift.io/v1`, `` for `v1`. */
  get group(): string {
    const slash = this.apiVersion.indexOf('/');
    return slash === -1 ? '' : this.apiVersion.slice(0, slash);
  }

  get name(): string {
    const name = getPath(this.object, ['metadata', 'name']);
    return typeof name === 'string' ? name : '';
  }

  get namespace(): string {
    const namespace = getPath(this.object, ['metadata', 'namespace']);
    return typeof namespace === 'string' ? namespace : '';
  }

  /** `metadata.annotations[key]` when it is a string. */
  annotation(key: string): string | undefined {
    const value = getPath(this.object, ['metadata', 'annotations', key]);
    return typeof value === 'string' ? value : undefined;
  }

  /** `metadata.labels[key]` when it is a string. */
  label(key: string): string | undefined {
    const value = getPath(this.object, ['metadata', 'labels', key]);
    return typeof value === 'string' ? value : undefined;
  }

  /** The value at `path`, or undefined. Treat it as read-only: change it with `set`. */
  get(path: Path): Value | undefined {
    return getPath(this.object, path);
  }

  /** True once `set` or `delete` changed something. */
  get changed(): boolean {
    return this.revisionCount > 0;
  }

  /**
   * How many changes `set` and `delete` made so far: a pipeline compares it before and after a step to
   * count the items that step changed.
   */
  get revision(): number {
    return this.revisionCount;
  }

  /** The item's YAML text: the original bytes when unchanged. Undefined for JSON and new items. */
  get yamlSource(): string | undefined {
    return this.editorInstance ? this.editorInstance.source : this.source?.text;
  }

  /**
   * Sets the value at `path`, creating missing maps on the way.
   * @returns false when the value was already equal (nothing changes)
   * @throws Error when the change would alter an orchestrator annotation, or when `path` runs through a
   * scalar or a list index that does not exist
   */
  set(path: Path, value: Value): boolean {
    const old = getPath(this.object, path);
    if (old !== undefined && deepEqual(old, value)) return false;
    this.guard(path, () => {
      if (this.editor) this.editText(path, old, value);
      this.setObject(path, clone(value));
    });
    return true;
  }

  /**
   * Removes the key at `path` (a map entry). A map left empty stays as `{}`.
   * @returns false when there was nothing to remove
   */
  delete(path: Path): boolean {
    if (path.length === 0) throw new Error('cannot delete a whole item');
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1]!;
    const parent = getPath(this.object, parentPath);
    if (!isPlainMap(parent) || typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(parent, key)) return false;
    this.guard(path, () => {
      this.editor?.deleteKey(parentPath, key);
      delete parent[key];
    });
    return true;
  }

  /**
   * Makes the item's object equal to `object` with the fewest `set`/`delete` edits, so a YAML item keeps
   * its text, comments and key order everywhere else. Maps are compared key by key (new and changed keys
   * first, then removed ones, so no map is emptied on the way), lists of the same length entry by entry;
   * any other difference is one `set` of the new value. apiVersion and kind may change too.
   * Used to take back an object that left the process (an external function's output).
   * @returns true when something changed
   * @throws Error like `set()` when an orchestrator annotation would change, or when the text cannot be
   * edited (a change reached through a YAML alias); the item is then left exactly as it was
   */
  update(object: ObjectValue): boolean {
    if (deepEqual(this.object, object)) return false;
    const signature = (value: ObjectValue) => orchestratorAnnotations(value).split('\n').sort().join('\n');
    if (signature(this.object) !== signature(object)) {
      throw new Error('refusing to change metadata.annotations: kpt and kustomize own the internal.config.kubernetes.io/* and legacy path/index/id annotations');
    }
    const saved = { object: structuredClone(this.object), editor: this.editorInstance, revision: this.revisionCount };
    // A fresh editor over the current text, so a failed edit can be dropped with it.
    if (this.editorInstance && this.source) this.editorInstance = new YamlEditor(this.editorInstance.source, this.source.pad);
    try {
      this.updateAt([], this.object, object);
    } catch (error) {
      for (const key of Object.keys(this.object)) delete this.object[key];
      Object.assign(this.object, saved.object);
      this.editorInstance = saved.editor;
      this.revisionCount = saved.revision;
      throw error;
    }
    return true;
  }

  /** Edits the value at `path` (`current`, which differs from `target`) into `target`. */
  private updateAt(path: Path, current: Value, target: Value): void {
    const has = (map: ObjectValue, key: string) => Object.prototype.hasOwnProperty.call(map, key);
    if (isPlainMap(current) && isPlainMap(target)) {
      for (const key of Object.keys(target)) {
        if (!has(current, key)) this.set([...path, key], target[key]!);
        else if (!deepEqual(current[key], target[key])) this.updateAt([...path, key], current[key]!, target[key]!);
      }
      for (const key of Object.keys(current)) if (!has(target, key)) this.delete([...path, key]);
      return;
    }
    if (Array.isArray(current) && Array.isArray(target) && current.length === target.length) {
      target.forEach((entry, index) => {
        if (!deepEqual(current[index], entry)) this.updateAt([...path, index], current[index]!, entry);
      });
      return;
    }
    this.set(path, target);
  }

  private guard(path: Path, change: () => void): void {
    const touchesMetadata = path.length <= 3 && (path.length === 0 || path[0] === 'metadata');
    const before = touchesMetadata ? orchestratorAnnotations(this.object) : '';
    const backup = touchesMetadata ? (structuredClone(this.object.metadata) as Value | undefined) : undefined;
    change();
    this.revisionCount += 1;
    if (touchesMetadata && orchestratorAnnotations(this.object) !== before) {
      if (backup === undefined) delete this.object.metadata;
      else this.object.metadata = backup;
      throw new Error(`refusing to change ${formatPath(path)}: kpt and kustomize own the internal.config.kubernetes.io/* and legacy path/index/id annotations`);
    }
  }

  private setObject(path: Path, value: Value): void {
    if (path.length === 0) throw new Error('cannot replace a whole item');
    let node: Value = this.object;
    for (let index = 0; index < path.length - 1; index += 1) {
      const segment = path[index]!;
      const container = node as ObjectValue | Value[];
      let next: Value | undefined = Array.isArray(container) ? container[segment as number] : container[segment as string];
      if (next === null || next === undefined || typeof next !== 'object') {
        if (Array.isArray(container)) throw new Error(`cannot set ${formatPath(path)}: ${formatPath(path.slice(0, index + 1))} does not exist`);
        next = {};
        container[segment as string] = next;
      }
      node = next;
    }
    const last = path[path.length - 1]!;
    if (Array.isArray(node)) {
      if (typeof last !== 'number' || last > node.length) throw new Error(`cannot set ${formatPath(path)}: no such list index`);
      node[last] = value;
    } else (node as ObjectValue)[String(last)] = value;
  }

  /** Mirrors a change of the value at `path` from `old` to `value` onto the YAML text, minimally. */
  private editText(path: Path, old: Value | undefined, value: Value): void {
    const editor = this.editor!;
    if (old === undefined) {
      let depth = path.length - 1;
      while (depth > 0 && getPath(this.object, path.slice(0, depth)) === undefined) depth -= 1;
      const holder = getPath(this.object, path.slice(0, depth));
      const key = path[depth]!;
      if (Array.isArray(holder)) {
        if (typeof key !== 'number' || key !== holder.length || depth !== path.length - 1) {
          throw new Error(`cannot set ${formatPath(path)}: no such list index`);
        }
        editor.replace(path.slice(0, depth), [...holder, value]);
      } else if (holder === null || isPlainMap(holder)) {
        editor.addKey(path.slice(0, depth), String(key), nest(path.slice(depth + 1), value));
      } else {
        throw new Error(`cannot set ${formatPath(path)}: ${formatPath(path.slice(0, depth))} is not a map`);
      }
      return;
    }
    if (isPlainMap(old) && isPlainMap(value)) {
      // Additions before removals, so a map is never emptied (and rewritten as `{}`) on the way.
      for (const key of Object.keys(value)) {
        if (!(key in old)) editor.addKey(path, key, value[key]!);
        else if (!deepEqual(old[key], value[key])) this.editText([...path, key], old[key], value[key]!);
      }
      for (const key of Object.keys(old)) if (!(key in value)) editor.deleteKey(path, key);
      return;
    }
    if (Array.isArray(old) && Array.isArray(value) && old.length === value.length) {
      value.forEach((entry, index) => {
        if (!deepEqual(old[index], entry)) this.editText([...path, index], old[index], entry);
      });
      return;
    }
    editor.replace(path, value);
  }
}
