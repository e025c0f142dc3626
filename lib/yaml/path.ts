/**
 * Paths into a manifest: `['spec', 'containers', 0, 'image']`, and their display form in results,
 * `spec.containers[0].image` (the KRM Functions Specification's `field.path` form; keys that are not
 * plain identifiers are bracketed: `metadata.annotations["openshift.io/host.generated"]`).
 */
import type { Value } from './scalar.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Formats a path for `results[].field.path` and messages. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The value at `path`, or `undefined` when some segment is missing. */
export function getPath(root: Value | undefined, path: Path): Value | undefined {
  let node: Value | undefined = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      if (typeof segment !== 'number') return undefined;
      node = node[segment];
    } else {
      if (typeof segment !== 'string' || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
      node = node[segment];
    }
  }
  return node;
}

/** Structural equality of decoded values (key order ignored, NaN equal to NaN). */
export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || a === undefined || b === undefined) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as Value[];
    return a.length === other.length && a.every((entry, index) => deepEqual(entry, other[index]));
  }
  const left = a as { [key: string]: Value };
  const right = b as { [key: string]: Value };
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && deepEqual(left[key], right[key]));
}
