/**
 * The Velero Backup or Restore object (`velero.io/v1`) that pre and post steps receive as their only
 * item, as Velero's own pre/post hooks and the seed's pre/post actions see the operation.
 *
 * Given by the user (`--velero-object restore.yaml`, e.g. `velero restore create ... -o yaml`), or made
 * from the command line: a Restore with `spec.backupName` and `spec.namespaceMapping`, a Backup with
 * `spec.includedNamespaces`. Post steps get the same object with a `status` like the one Velero writes:
 * `phase` (`Completed`, `Failed`, `FailedValidation`), `startTimestamp`, `completionTimestamp`,
 * `errors`, `warnings`, and `progress` (`totalItems`, `itemsRestored`/`itemsBackedUp`).
 */
import { ConfigError } from '../errors.js';
import type { ObjectValue } from '../item.js';
import type { Value } from '../yaml/scalar.js';
import type { Phase } from './pipeline-file.js';

const KINDS: Record<Phase, string> = { backup: 'Backup', restore: 'Restore' };

/** What the command line knows about the operation. */
export interface OperationFacts {
  /** The backup's name, e.g. from the archive's file name. */
  backupName: string;
  /** Namespaces of the items (a Backup's `includedNamespaces`). */
  namespaces: readonly string[];
  /** old → new namespace (a Restore's `spec.namespaceMapping`). */
  namespaceMapping: { readonly [from: string]: string };
}

/** A Backup or Restore object for `phase`, in the `velero` namespace. */
export function makeOperation(phase: Phase, facts: OperationFacts): ObjectValue {
  const metadata: ObjectValue = { name: phase === 'backup' ? facts.backupName : `${facts.backupName}-restore`, namespace: 'velero' };
  const spec: ObjectValue =
    phase === 'backup'
      ? { includedNamespaces: [...facts.namespaces] }
      : { backupName: facts.backupName, ...(Object.keys(facts.namespaceMapping).length > 0 && { namespaceMapping: { ...facts.namespaceMapping } }) };
  return { apiVersion: 'velero.io/v1', kind: KINDS[phase], metadata, spec };
}

/**
 * Checks a user-given operation object against the phase.
 * @throws ConfigError when it is not a velero.io Backup (backup phase) or Restore (restore phase)
 */
export function checkOperation(phase: Phase, object: ObjectValue, source: string): ObjectValue {
  if (typeof object.apiVersion !== 'string' || !object.apiVersion.startsWith('velero.io/') || object.kind !== KINDS[phase]) {
    throw new ConfigError(`${source}: expected a velero.io ${KINDS[phase]} object for the ${phase} stages, found ${String(object.apiVersion)} ${String(object.kind)}`);
  }
  return object;
}

/** The namespace mapping of a Restore object (`spec.namespaceMapping`), or an empty map. */
export function namespaceMappingOf(object: ObjectValue): { [from: string]: string } {
  const spec = object.spec as ObjectValue | undefined;
  const mapping = spec?.namespaceMapping;
  if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) return {};
  return Object.fromEntries(Object.entries(mapping).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Velero's status phases this pipeline can end in. */
export type OperationPhase = 'Completed' | 'Failed' | 'FailedValidation';

/** How the run went, for the post steps. */
export interface OperationStatus {
  phase: OperationPhase;
  started: Date;
  completed: Date;
  errors: number;
  warnings: number;
  totalItems: number;
  /** Items written out (0 when the run failed). */
  itemsDone: number;
}

/** A copy of `object` with a Velero-like `status`. */
export function withStatus(phase: Phase, object: ObjectValue, status: OperationStatus): ObjectValue {
  const progress: Value = { totalItems: status.totalItems, [phase === 'backup' ? 'itemsBackedUp' : 'itemsRestored']: status.itemsDone };
  return {
    ...object,
    status: {
      phase: status.phase,
      startTimestamp: status.started.toISOString().replace(/\.\d+Z$/, 'Z'),
      completionTimestamp: status.completed.toISOString().replace(/\.\d+Z$/, 'Z'),
      errors: status.errors,
      warnings: status.warnings,
      progress,
      ...(phase === 'backup' && { formatVersion: '1.1.0' }),
    },
  };
}
