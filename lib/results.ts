/**
 * Structured results, as the KRM Functions Specification (v1) defines them: `results[]` of the output
 * ResourceList, each with `message`, `severity`, and optionally `resourceRef`, `field` and `file`.
 *
 * `severity` is always set (the spec defaults a missing one to error, kpt displays it as info), and is
 * `warning`, not the old TypeScript SDK's `warn`. kustomize never shows results, so each one is also
 * printed on stderr as one line in kpt's own display format:
 * `[severity] apiVersion/Kind/namespace/name field.path: message`.
 */
import type { KrmItem } from './item.js';
import { formatPath, type Path } from './yaml/path.js';
import type { Value } from './yaml/scalar.js';

export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: Value; proposedValue?: Value };
  file?: { path: string; index?: number };
  tags?: { [key: string]: string };
}

/** The `resourceRef` of an item. */
export function resourceRef(item: KrmItem): ResourceRef {
  const ref: ResourceRef = { apiVersion: item.apiVersion, kind: item.kind, name: item.name };
  if (item.namespace) ref.namespace = item.namespace;
  return ref;
}

/** The `file` of an item, from the path/index annotations kpt sets (internal first, then legacy). */
export function fileRef(item: KrmItem): Result['file'] {
  const path = item.annotation('internal.config.kubernetes.io/path') ?? item.annotation('config.kubernetes.io/path');
  if (path === undefined) return undefined;
  const index = item.annotation('internal.config.kubernetes.io/index') ?? item.annotation('config.kubernetes.io/index');
  const parsed = index === undefined ? NaN : Number(index);
  return Number.isInteger(parsed) ? { path, index: parsed } : { path };
}

/** Options for a result about one item. */
export interface ItemResultOptions {
  /** The field the result is about. */
  path?: Path;
  currentValue?: Value;
  proposedValue?: Value;
  tags?: { [key: string]: string };
}

/** Builds a result about `item` (or about no item), with its resourceRef, file and field filled in. */
export function itemResult(severity: Severity, message: string, item?: KrmItem, options: ItemResultOptions = {}): Result {
  const result: Result = { message, severity };
  if (item) {
    result.resourceRef = resourceRef(item);
    const file = fileRef(item);
    if (file) result.file = file;
  }
  if (options.path) {
    result.field = { path: formatPath(options.path) };
    if (options.currentValue !== undefined) result.field.currentValue = options.currentValue;
    if (options.proposedValue !== undefined) result.field.proposedValue = options.proposedValue;
  }
  if (options.tags) result.tags = options.tags;
  return result;
}

/** One human-readable line for stderr, in kpt's display format. */
export function formatResult(result: Result): string {
  let subject = '';
  if (result.resourceRef) {
    const ref = result.resourceRef;
    subject = ` ${[ref.apiVersion, ref.kind, ref.namespace, ref.name].filter((part) => part).join('/')}`;
  }
  if (result.field) subject += ` ${result.field.path}`;
  return `[${result.severity}]${subject}: ${result.message}`;
}

/** True when any result is an error: the function then exits 1. */
export function hasErrors(results: readonly Result[]): boolean {
  return results.some((result) => result.severity === 'error');
}

/** The results as plain values, for serialization in the output ResourceList. */
export function resultsValue(results: readonly Result[]): Value {
  return results.map((result) => JSON.parse(JSON.stringify(result)) as Value);
}
