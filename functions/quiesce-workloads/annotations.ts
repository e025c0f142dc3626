/**
 * The quiesce records: which annotation keys hold what a workload looked like before it was quiesced,
 * and how the values are written and read. Shared by quiesce-workloads and unquiesce-workloads, so the
 * two can only agree.
 *
 * Keys and formats are MTC's (konveyor/mig-controller `pkg/apis/migration/v1alpha1/annotations.go`, and
 * `pkg/controller/migmigration/quiesce.go`; crane-lib `state_transfer/quiesce.go` is a copy), so a
 * workload quiesced by MTC or crane can be unquiesced here and the other way round:
 * - `<prefix>/preQuiesceReplicas`: the original `spec.replicas` (Deployment, DeploymentConfig,
 *   StatefulSet, ReplicaSet, ReplicationController) or the original `spec.parallelism` (Job), in decimal;
 * - `<prefix>/preQuiesceSuspend`: CronJobs; see `parseSuspendRecord` for what its value means;
 * - `<prefix>/preQuiesceNodeSelector`: the original `spec.template.spec.nodeSelector` of a DaemonSet as
 *   JSON, `{}` when it had none;
 * - `<prefix>/quiesceDaemonSet`: not an annotation but the node-selector key added to a quiesced
 *   DaemonSet's pod template, with the value `"true"`, so that no node matches.
 *
 * `<prefix>` is `migration.openshift.io` unless the `annotationPrefix` config field says otherwise; the
 * node-selector key uses the same prefix, so a user who does not want MTC's keys gets none of them.
 */
import type { KrmItem } from '../../lib/item.js';
import type { FunctionContext } from '../../lib/krm-function.js';
import type { Value } from '../../lib/yaml/scalar.js';

/** MTC's prefix, the default of `annotationPrefix`. */
export const DEFAULT_ANNOTATION_PREFIX = 'migration.openshift.io';

/** The value of the DaemonSet quiesce node-selector key (MTC's). */
export const QUIESCE_NODE_SELECTOR_VALUE = 'true';

/** The keys of one prefix. */
export interface QuiesceKeys {
  /** Annotation: original replicas, or a Job's original parallelism. */
  replicas: string;
  /** Annotation: marks a CronJob suspended by quiesce. */
  suspend: string;
  /** Annotation: a DaemonSet's original pod nodeSelector, as JSON. */
  nodeSelector: string;
  /** Node-selector key (not an annotation) that keeps a quiesced DaemonSet's pods off every node. */
  daemonSetNodeSelector: string;
}

/** The config fields both functions share. */
export interface AnnotationConfig {
  /** DNS subdomain the keys are prefixed with, e.g. `migration.openshift.io`. */
  annotationPrefix: string;
}

/** The keys under `prefix`, e.g. `migration.openshift.io/preQuiesceReplicas`. */
export function quiesceKeys(prefix: string): QuiesceKeys {
  return {
    replicas: `${prefix}/preQuiesceReplicas`,
    suspend: `${prefix}/preQuiesceSuspend`,
    nodeSelector: `${prefix}/preQuiesceNodeSelector`,
    daemonSetNodeSelector: `${prefix}/quiesceDaemonSet`,
  };
}

/** The path of annotation `key`, for set/delete and results. */
export function annotationPath(key: string): readonly string[] {
  return ['metadata', 'annotations', key];
}

/** The largest value of an int32 field (replicas, parallelism). */
const INT32_MAX = 2 ** 31 - 1;

/** True for the counts Kubernetes accepts in `spec.replicas` and `spec.parallelism`: int32, not negative. */
export function isCount(value: Value | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= INT32_MAX;
}

/** A count as MTC writes it (Go `strconv.FormatInt(n, 10)`). */
export function formatCount(count: number): string {
  return String(count);
}

/**
 * Reads a `preQuiesceReplicas` value. MTC reads it with Go's `strconv.Atoi`; this accepts the
 * non-negative part of that (digits with an optional `+`, leading zeros allowed), up to int32.
 * @returns the count, or undefined when the text is not one
 */
export function parseCount(text: string): number | undefined {
  if (!/^\+?[0-9]{1,10}$/.test(text)) return undefined;
  const count = Number(text);
  return count <= INT32_MAX ? count : undefined;
}

/**
 * Reads a `preQuiesceSuspend` value: the `spec.suspend` unquiesce restores.
 *
 * `"false"` is what quiesce-workloads writes. `"true"` is what MTC and crane write for every CronJob
 * they suspend: their "already suspended" check compares pointers and never matches, so the value does
 * not tell the original and both set `suspend: false` on unquiesce, whatever the value. A `"true"` is
 * read the same way, so CronJobs quiesced by MTC come back running. (quiesce-workloads does not write a
 * record for a CronJob that was already suspended, so such a CronJob stays suspended through a round
 * trip here; one quiesced by MTC cannot be told apart and is unsuspended, as MTC itself does.)
 * @returns false (the restored `spec.suspend`) and whether the value was MTC's `"true"` marker, or
 * undefined when the text is neither `"true"` nor `"false"`
 */
export function parseSuspendRecord(text: string): { original: false; mtcMarker: boolean } | undefined {
  if (text === 'false') return { original: false, mtcMarker: false };
  if (text === 'true') return { original: false, mtcMarker: true };
  return undefined;
}

/** An original scalar value read back from its record, for unquiesce. */
export interface RecordedScalar {
  /** The value to restore. */
  original: number | boolean;
  /** True for MTC's `preQuiesceSuspend: "true"` marker (see `parseSuspendRecord`). */
  mtcMarker: boolean;
}

/**
 * Reads the record of a scalar field: a count for `preQuiesceReplicas`, the suspend record for
 * `preQuiesceSuspend`.
 * @returns undefined when the text is not a valid record of its key
 */
export function parseScalarRecord(key: 'replicas' | 'suspend', text: string): RecordedScalar | undefined {
  if (key === 'suspend') return parseSuspendRecord(text);
  const count = parseCount(text);
  return count === undefined ? undefined : { original: count, mtcMarker: false };
}

/** The record of a scalar field's original value: a decimal count, or `"false"` for `spec.suspend`. */
export function formatScalarRecord(original: number | boolean): string {
  return typeof original === 'number' ? formatCount(original) : String(original);
}

/** What a valid record of `key` looks like, for error messages. */
export function expectedRecord(key: 'replicas' | 'suspend' | 'nodeSelector'): string {
  if (key === 'replicas') return 'a non-negative integer';
  if (key === 'suspend') return '"true" or "false"';
  return 'a JSON object of node labels';
}

/** A node selector as decoded from a manifest: label keys to values (strings in valid manifests). */
export type NodeSelector = { [key: string]: Value };

/** True for a map whose values are all scalars, the only node selectors this module records. */
export function isNodeSelector(value: Value | undefined): value is NodeSelector {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => entry === null || typeof entry !== 'object')
  );
}

/**
 * A node selector as MTC records it: Go's `json.Marshal` of a `map[string]string`, i.e. compact JSON with
 * the keys sorted; `{}` for none.
 */
export function formatNodeSelector(selector: NodeSelector): string {
  const sorted: NodeSelector = {};
  for (const key of Object.keys(selector).sort()) sorted[key] = selector[key]!;
  return JSON.stringify(sorted);
}

/**
 * Reads a `preQuiesceNodeSelector` value.
 * @returns the recorded selector, or undefined when the text is not a JSON object of scalars
 */
export function parseNodeSelector(text: string): NodeSelector | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isNodeSelector(value as Value) ? (value as NodeSelector) : undefined;
}

/**
 * The raw value of annotation `key`: a string, undefined when absent, or `null` after reporting an
 * error when the annotation is not a string (Kubernetes rejects such a manifest; a typed YAML value such
 * as an unquoted `3` is not guessed at).
 */
export function readRecord(item: KrmItem, key: string, context: FunctionContext): string | undefined | null {
  const value = item.get(annotationPath(key));
  if (value === undefined || typeof value === 'string') return value;
  context.error(`annotation ${key} must be a string; quote its value`, item, { path: annotationPath(key), currentValue: value });
  return null;
}

/**
 * Reports a record that is present but cannot be read back, as an error: the workload's original state
 * is unknown, so it is neither quiesced again nor restored.
 */
export function reportInvalidRecord(item: KrmItem, key: string, kind: 'replicas' | 'suspend' | 'nodeSelector', record: string, context: FunctionContext): void {
  context.error(`annotation ${key}: ${JSON.stringify(record)} is not ${expectedRecord(kind)}; fix or remove it`, item, {
    path: annotationPath(key),
    currentValue: record,
  });
}

/** Writes annotation `key` and reports it. */
export function writeRecord(item: KrmItem, key: string, value: string, what: string, context: FunctionContext): void {
  if (item.set(annotationPath(key), value)) {
    context.info(`recorded ${what}, ${value}, for unquiesce`, item, { path: annotationPath(key), proposedValue: value });
  }
}

/**
 * Removes annotation `key` and reports it; removes `metadata.annotations` too when nothing else is left
 * in it, as the API server itself would store the object (`omitempty`), so that a quiesce and unquiesce
 * round trip gives back an object without annotations byte for byte.
 */
export function removeRecord(item: KrmItem, key: string, context: FunctionContext): void {
  const path = annotationPath(key);
  const currentValue = item.get(path);
  if (currentValue === undefined) return;
  const annotations = item.get(['metadata', 'annotations']);
  const onlyOne = annotations !== null && typeof annotations === 'object' && !Array.isArray(annotations) && Object.keys(annotations).length === 1;
  if (onlyOne) item.delete(['metadata', 'annotations']);
  else item.delete(path);
  context.info('removed the quiesce record', item, { path, currentValue });
}
