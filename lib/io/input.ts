/**
 * What a function reads and writes: the items, the functionConfig, and the shape to write them back in.
 *
 * Accepted shapes, in YAML or JSON:
 * - a `ResourceList` (`config.kubernetes.io/v1`, legacy `v1alpha1`/`v1beta1`, any apiVersion): items,
 *   functionConfig, results;
 * - a `kind: List` or a typed list (`RoleBindingList`, ...) with `items`, as `kubectl get -o yaml` prints
 *   (alone, or as documents of a stream: their entries are items too);
 * - a stream of documents (a bare multi-document YAML file, a single object), as kustomize legacy exec
 *   plugins receive.
 * Output keeps the input's format and shape; only a ResourceList carries `results`.
 */
import { InputError } from '../errors.js';
import type { KrmItem, ObjectValue } from '../item.js';
import type { Result } from '../results.js';

export type InputFormat = 'yaml' | 'json';
export type InputShape = 'resource-list' | 'list' | 'stream';

export interface Input {
  readonly format: InputFormat;
  readonly shape: InputShape;
  /** The items in input order. */
  readonly items: readonly KrmItem[];
  /** The ResourceList's functionConfig, if any. */
  readonly functionConfig: ObjectValue | undefined;
  /**
   * Serializes `items` in this input's format and shape. Items of this input that are missing from
   * `items` are removed; new items are appended; `results` go into a ResourceList's `results`.
   * @returns the output text as parts, in order (about one per item), possibly made as they are asked
   *   for (consume them before changing the items): their concatenation is the text; `output-parts.ts`
   *   writes them without joining a large output into one string
   */
  serialize(items: readonly KrmItem[], results: readonly Result[]): Iterable<string>;
}

/** True for the kinds that wrap items: `ResourceList`, `List` and typed lists such as `RoleBindingList`. */
export function isWrapperKind(kind: unknown): boolean {
  return typeof kind === 'string' && (kind === 'ResourceList' || kind.endsWith('List'));
}

/** The error message prefix that locates an item: `items[3] (line 40)` or `document 2 (line 12)`. */
export function itemLocation(shape: InputShape, index: number, line?: number): string {
  const where = shape === 'stream' ? `document ${index + 1}` : `items[${index}]`;
  return line === undefined ? where : `${where} (line ${line})`;
}

/**
 * Checks that a decoded item is a KRM object.
 * @throws InputError naming the item's location and the missing field
 */
export function checkItem(value: unknown, where: string | (() => string)): ObjectValue {
  const location = () => (typeof where === 'string' ? where : where());
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${location()}: expected a Kubernetes object (a map), found ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const object = value as ObjectValue;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof object[field] !== 'string' || object[field] === '') {
      throw new InputError(`${location()}: the object has no ${field}${field in object ? ' string' : ''}`);
    }
  }
  return object;
}
