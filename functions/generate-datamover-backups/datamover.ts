/**
 * The data-mover custom resources both generate-datamover-* functions write, and the rules they share:
 * API groups and kinds, object names, labels, and lookups among the items.
 *
 * Two families of resources:
 *
 * - `DataMoverType` / `DataMoverBackup` / `DataMoverRestore` of `datamover.velero-krm-functions.dev/v1alpha1`
 *   (CRDs in `schemas/crds/`). The Velero design "Add Datamover to Velero" (vmware-tanzu/velero PR 4768,
 *   `design/datamover.md`, never merged) names DataMoverBackup and DataMoverRestore but defines no schema;
 *   the longer OADP version of that design sketches `spec.dataMoverType`, `type: VolumeSnapshot|PVC`,
 *   `sourceClaimRef {name, namespace}`, `destinationClaimRef {name, namespace}` and a mover-specific
 *   `config` (e.g. `resticSecret: {name}`), with VolSync as the default mover. The shapes below are ours,
 *   built on that sketch, and not an upstream API. We deliberately do not use the design example's
 *   `velero.io/v1`: that group belongs to Velero, which serves no such kinds.
 * - Velero's built-in data mover (Velero >= 1.12): `DataUpload` / `DataDownload` of `velero.io/v2alpha1`
 *   (`vmware-tanzu/velero:pkg/apis/velero/v2alpha1/data_upload_types.go`, `data_download_types.go`), with
 *   the exact JSON keys and labels Velero's CSI PVC actions write.
 */
import { createHash } from 'node:crypto';
import type { KrmItem, ObjectValue } from '../../lib/item.js';
import type { FunctionContext } from '../../lib/krm-function.js';
import { isLocalConfig } from '../../lib/selectors.js';
import { deepEqual } from '../../lib/yaml/path.js';
import type { Value } from '../../lib/yaml/scalar.js';

/** The API group of DataMoverType, DataMoverBackup and DataMoverRestore. */
export const DATAMOVER_GROUP = 'datamover.velero-krm-functions.dev';
export const DATAMOVER_VERSION = 'v1alpha1';
export const DATAMOVER_API_VERSION = `${DATAMOVER_GROUP}/${DATAMOVER_VERSION}`;
export const DATA_MOVER_TYPE_KIND = 'DataMoverType';
export const DATA_MOVER_BACKUP_KIND = 'DataMoverBackup';
export const DATA_MOVER_RESTORE_KIND = 'DataMoverRestore';

/** Velero's data-mover API (Velero >= 1.12). */
export const VELERO_GROUP = 'velero.io';
export const VELERO_DATAMOVER_API_VERSION = `${VELERO_GROUP}/v2alpha1`;
export const DATA_UPLOAD_KIND = 'DataUpload';
export const DATA_DOWNLOAD_KIND = 'DataDownload';

/** Label keys Velero sets on DataUploads and DataDownloads (`velero:pkg/apis/velero/v1/labels_annotations.go`). */
export const BACKUP_NAME_LABEL = 'velero.io/backup-name';
export const RESTORE_NAME_LABEL = 'velero.io/restore-name';
export const PVC_UID_LABEL = 'velero.io/pvc-uid';

/** The mover of DataMoverBackups when the config names none: VolSync, as in the OADP design. */
export const DEFAULT_DATA_MOVER_TYPE = 'volsync';
/** `spec.datamover` of DataUploads when the config names none: Velero's built-in data mover (`""` means the same). */
export const VELERO_BUILT_IN_DATA_MOVER = 'velero';
/** Velero's default `backup.spec.csiSnapshotTimeout`, which it copies to `operationTimeout`. */
export const DEFAULT_OPERATION_TIMEOUT = '10m0s';

/** The two output families: our DataMover* kinds, or Velero's DataUpload/DataDownload. */
export type DataMoverFormat = 'datamover' | 'velero';

/** A reference to a PersistentVolumeClaim; `namespace` is absent when the claim has none. */
export interface ClaimRef {
  name: string;
  namespace?: string;
}

/** `spec` of a DataMoverBackup (CRD `schemas/crds/datamoverbackup.yaml`). */
export interface DataMoverBackupSpec {
  /** Name of the cluster-scoped DataMoverType that moves the data, e.g. `volsync`. */
  dataMoverType: string;
  /** `VolumeSnapshot`: the mover reads the CSI snapshot `volumeSnapshotRef`; `PVC`: it reads the claim itself. */
  type: 'VolumeSnapshot' | 'PVC';
  sourceClaimRef: ClaimRef;
  /** The VolumeSnapshot of the claim, in the same namespace; only with `type: VolumeSnapshot`. */
  volumeSnapshotRef?: { name: string };
  /** Mover-specific settings, e.g. `{resticSecret: {name: restic-secret}}` for VolSync's restic mover. */
  config?: ObjectValue;
}

/** `spec` of a DataMoverRestore (CRD `schemas/crds/datamoverrestore.yaml`). */
export interface DataMoverRestoreSpec {
  dataMoverType: string;
  /** The claim the data is restored into (namespace after namespaceMapping). */
  destinationClaimRef: ClaimRef;
  /** The claim the data was backed up from: movers key their repositories by it. */
  sourceClaimRef: ClaimRef;
  /** The DataMoverBackup this restore reads, as it was named on the source cluster. */
  dataMoverBackupRef: ClaimRef;
  config?: ObjectValue;
  /** The DataMoverBackup's `status.moverResult` (e.g. repository and snapshot ID), when it has one. */
  moverResult?: ObjectValue;
}

/** `spec` of a Velero DataUpload, keys in Velero's field order (`DataUploadSpec`). */
export interface DataUploadSpec {
  snapshotType: 'CSI';
  csiSnapshot: { volumeSnapshot: string; storageClass: string; snapshotClass?: string; driver?: string };
  sourcePVC: string;
  datamover: string;
  backupStorageLocation: string;
  sourceNamespace: string;
  dataMoverConfig?: { [key: string]: string };
  /** A Go duration, e.g. `10m0s`. */
  operationTimeout: string;
}

/** `spec` of a Velero DataDownload, keys in Velero's field order (`DataDownloadSpec`). */
export interface DataDownloadSpec {
  /** `pv` is always `""`: Velero fills it in once it provisioned the volume. */
  targetVolume: { pvc: string; pv: string; namespace: string };
  backupStorageLocation: string;
  datamover?: string;
  snapshotID: string;
  sourceNamespace: string;
  dataMoverConfig?: { [key: string]: string };
  operationTimeout: string;
  nodeOS?: string;
}

/**
 * Velero's `label.GetValidName` (`velero:pkg/label/label.go`): a name of at most 63 characters is kept;
 * a longer one becomes its first 57 characters plus the first 6 hex digits of its SHA-256.
 */
export function validName(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 57) + createHash('sha256').update(name).digest('hex').slice(0, 6);
}

/**
 * A deterministic object name: `<readable>-<8 hex digits of SHA-256 of identity joined by "/">`, through
 * `validName`, so it is also a valid label value (at most 63 characters). The same identity always gives
 * the same name, which is what makes the functions idempotent; the hash keeps claims of the same name in
 * different namespaces (or backups) apart.
 */
export function generatedName(readable: string, identity: readonly string[]): string {
  const hash = createHash('sha256').update(identity.join('/')).digest('hex').slice(0, 8);
  return validName(`${readable}-${hash}`);
}

/** Core `v1` PersistentVolumeClaims. */
export function isPersistentVolumeClaim(item: KrmItem): boolean {
  return item.kind === 'PersistentVolumeClaim' && item.apiVersion === 'v1';
}

export function isDataMoverBackup(item: KrmItem): boolean {
  return item.group === DATAMOVER_GROUP && item.kind === DATA_MOVER_BACKUP_KIND;
}

export function isDataUpload(item: KrmItem): boolean {
  return item.apiVersion === VELERO_DATAMOVER_API_VERSION && item.kind === DATA_UPLOAD_KIND;
}

/** A map field of an item, or undefined when it is absent or not a map. */
export function mapAt(item: KrmItem, path: readonly (string | number)[]): ObjectValue | undefined {
  const value = item.get(path);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** A string field of an item, or undefined when it is absent, empty or not a string. */
export function stringAt(item: KrmItem, path: readonly (string | number)[]): string | undefined {
  const value = item.get(path);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The cluster resources among `items`: local-config items (the Kptfile, function configs) are not. */
export function clusterItems(items: readonly KrmItem[]): KrmItem[] {
  return items.filter((item) => !isLocalConfig(item));
}

/** Lookups over the cluster resources of one item list, built once per list: a run asks once per claim. */
interface ItemIndex {
  /** `group/kind/namespace/name` → the first such item. */
  byIdentity: Map<string, KrmItem>;
  /** `group/kind` → the items, in order. */
  byKind: Map<string, KrmItem[]>;
}

const indexes = new WeakMap<readonly KrmItem[], ItemIndex>();

/** The index of `items` (a function's `allItems`, which does not change during its run). */
function indexOf(items: readonly KrmItem[]): ItemIndex {
  let index = indexes.get(items);
  if (!index) {
    index = { byIdentity: new Map(), byKind: new Map() };
    for (const item of clusterItems(items)) {
      const kind = `${item.group}/${item.kind}`;
      const identity = `${kind}/${item.namespace}/${item.name}`;
      if (!index.byIdentity.has(identity)) index.byIdentity.set(identity, item);
      const sameKind = index.byKind.get(kind);
      if (sameKind) sameKind.push(item);
      else index.byKind.set(kind, [item]);
    }
    indexes.set(items, index);
  }
  return index;
}

/**
 * The item of API `group` and `kind` named `namespace`/`name` among `items`, if any (any version of the
 * group: a later version of the same object is the same object).
 */
export function findItem(items: readonly KrmItem[], group: string, kind: string, namespace: string, name: string): KrmItem | undefined {
  return indexOf(items).byIdentity.get(`${group}/${kind}/${namespace}/${name}`);
}

/** The cluster resources of API `group` and `kind` among `items`, in order. */
export function itemsOfKind(items: readonly KrmItem[], group: string, kind: string): readonly KrmItem[] {
  return indexOf(items).byKind.get(`${group}/${kind}`) ?? [];
}

/** True for a map with at least one key. */
export function hasEntries(map: ObjectValue | undefined): map is ObjectValue {
  return map !== undefined && Object.keys(map).length > 0;
}

/** The `moverConfig` entries that are not strings (Velero's `dataMoverConfig` is a `map[string]string`). */
export function nonStringEntries(config: ObjectValue | undefined): string[] {
  return Object.keys(config ?? {}).filter((key) => typeof config?.[key] !== 'string');
}

/**
 * What happens to a generated object whose name is already taken among the items.
 * @returns `absent` (add it), `same` (an equal spec exists: nothing to do) or `different`
 */
export function existingState(existing: KrmItem | undefined, spec: Value): 'absent' | 'same' | 'different' {
  if (!existing) return 'absent';
  return deepEqual(existing.get(['spec']), spec) ? 'same' : 'different';
}

/** `namespace`/`name`, or `name` alone for objects without a namespace. */
export function qualifiedName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** A typed shape as a plain value, without the keys whose value is undefined. */
export function plain(shape: object): ObjectValue {
  return JSON.parse(JSON.stringify(shape)) as ObjectValue;
}

/** Builds a new object's `metadata` with only the keys that have values. */
export function metadata(name: string, namespace: string | undefined, labels: { [key: string]: string }): ObjectValue {
  const out: ObjectValue = { name };
  if (namespace) out.namespace = namespace;
  if (Object.keys(labels).length > 0) out.labels = labels;
  return out;
}

/** Adds `object` unless an object of its name is among the items; warns when that one's spec differs. */
export function addOnce(context: FunctionContext, object: ObjectValue, existing: KrmItem | undefined, message: string): void {
  const spec = object.spec as Value;
  const state = existingState(existing, spec);
  if (state === 'same') return;
  if (state === 'different' && existing) {
    context.warning(`exists with a different spec than this config generates (${message}); left unchanged: delete it to regenerate`, existing, {
      path: ['spec'],
      currentValue: existing.get(['spec']),
      proposedValue: spec,
    });
    return;
  }
  context.info(`added ${message}`, context.add(object), { path: ['spec'], proposedValue: spec });
}
