/**
 * generate-datamover-backups: adds one data-mover backup request per bound PersistentVolumeClaim.
 *
 * Rule, `format: datamover` (default): for each selected `v1` PersistentVolumeClaim that is bound, add a
 * `DataMoverBackup` (`datamover.velero-krm-functions.dev/v1alpha1`, see `datamover.ts`) in the claim's
 * namespace with `spec.dataMoverType` (config, default `volsync`), `type: VolumeSnapshot` plus
 * `volumeSnapshotRef` when a VolumeSnapshot among the items has `spec.source.persistentVolumeClaimName`
 * naming the claim, else `type: PVC`, `sourceClaimRef {name, namespace}`, and the optional mover `config`.
 * Source: the OADP version of the Velero design "Add Datamover to Velero" (`design/datamover.md`, VolSync
 * proof of concept): "the plugin would lookup for the PVCs present in the user namespace and will create a
 * DMB CR for every PVC", `type: VolumeSnapshot` when the CSI plugin is used, else `PVC`. That design puts
 * the snapshot content's name into `sourceClaimRef.name`; we keep the claim there and name the snapshot in
 * its own field, so a reference always means one kind of object.
 *
 * Rule, `format: velero`: a Velero `DataUpload` (`velero.io/v2alpha1`) per bound claim that has a
 * VolumeSnapshot among the items, built like Velero's `newDataUpload`
 * (`vmware-tanzu/velero:pkg/backup/actions/csi/pvc_action.go`): in the Velero namespace, labels
 * `velero.io/backup-name` (Velero's `label.GetValidName` of the backup name) and `velero.io/pvc-uid` (when
 * the claim has a uid), spec `snapshotType: CSI`, `csiSnapshot {volumeSnapshot, storageClass,
 * snapshotClass (when the snapshot names one), driver (when its VolumeSnapshotContent is among the
 * items)}`, `sourcePVC`, `datamover`, `backupStorageLocation`, `sourceNamespace`, `operationTimeout`.
 * Where we differ: Velero names DataUploads `generateName: <backup>-`, owns them by the Backup, and labels
 * them with the backup's uid and an async operation id; offline none of these exist, so names are
 * deterministic (`<backup>-<claim>-<hash>`) and those labels and the ownerReference are left out.
 *
 * Both formats: a claim is bound when it has a `spec.volumeName` and its `status.phase`, if present, is
 * `Bound` (`Pending` and `Lost` claims have no data to move; status is often stripped from manifests, the
 * volume name is not). Unbound claims are skipped with a warning. Names are deterministic
 * (`generatedName`); an object of that name already among the items is not added again, so a second run
 * adds nothing. New objects carry no `internal.config.kubernetes.io/path`: kpt writes them to
 * `<namespace>/<kind>_<name>.yaml` by itself, and outside kpt the annotation would leak into the manifests.
 */
import type { KrmItem, ObjectValue } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import type { Path } from '../../lib/yaml/path.js';
import type { Value } from '../../lib/yaml/scalar.js';
import schema from '../../schemas/generate-datamover-backups.schema.json' with { type: 'json' };
import {
  BACKUP_NAME_LABEL,
  DATA_MOVER_BACKUP_KIND,
  DATA_UPLOAD_KIND,
  DATAMOVER_API_VERSION,
  DATAMOVER_GROUP,
  DEFAULT_DATA_MOVER_TYPE,
  addOnce,
  findItem,
  generatedName,
  hasEntries,
  isPersistentVolumeClaim,
  metadata,
  nonStringEntries,
  plain,
  PVC_UID_LABEL,
  qualifiedName,
  stringAt,
  validName,
  VELERO_BUILT_IN_DATA_MOVER,
  VELERO_DATAMOVER_API_VERSION,
  VELERO_GROUP,
  type DataMoverBackupSpec,
  type DataMoverFormat,
  type DataUploadSpec,
} from './datamover.js';
import { findClaimSnapshot, snapshotDriver } from './snapshots.js';

export interface GenerateDataMoverBackupsConfig extends SelectionConfig {
  /** `datamover`: DataMoverBackups; `velero`: Velero DataUploads. */
  format: DataMoverFormat;
  /** The mover; default `volsync` (datamover) or `velero` (Velero's built-in mover). */
  dataMoverType?: string;
  /** Mover-specific settings: `spec.config`, or `spec.dataMoverConfig` (strings only) for DataUploads. */
  moverConfig?: ObjectValue;
  /** The Velero backup; required with `format: velero`. */
  backupName?: string;
  /** Namespace of the DataUploads (Velero's namespace). */
  veleroNamespace: string;
  backupStorageLocation: string;
  /** A Go duration, e.g. `10m0s`. */
  operationTimeout: string;
}

/** Why `claim` has no volume data to move, or undefined when it is bound. */
export function unboundReason(claim: KrmItem): { reason: string; path: Path; currentValue?: Value } | undefined {
  const phase = claim.get(['status', 'phase']);
  if (phase !== undefined && phase !== 'Bound') return { reason: `status.phase is ${JSON.stringify(phase)}`, path: ['status', 'phase'], currentValue: phase };
  if (stringAt(claim, ['spec', 'volumeName']) === undefined) return { reason: 'it has no spec.volumeName', path: ['spec', 'volumeName'] };
  return undefined;
}


function warnNotReady(snapshot: KrmItem, claim: KrmItem, context: FunctionContext): void {
  if (snapshot.get(['status', 'readyToUse']) === false) {
    context.warning(`VolumeSnapshot ${snapshot.name} of this claim is not ready to use (status.readyToUse: false): the mover waits for it`, claim);
  }
}

function addDataMoverBackup(claim: KrmItem, snapshot: KrmItem | undefined, config: GenerateDataMoverBackupsConfig, context: FunctionContext): void {
  const namespace = claim.namespace || undefined;
  if (!namespace) {
    context.warning('claim has no metadata.namespace: its DataMoverBackup has none either, and belongs in the namespace the claim is applied to', claim, {
      path: ['metadata', 'namespace'],
    });
  }
  const identity = config.backupName ? [config.backupName, claim.namespace, claim.name] : [claim.namespace, claim.name];
  const name = generatedName(claim.name, identity);
  const spec: DataMoverBackupSpec = {
    dataMoverType: config.dataMoverType ?? DEFAULT_DATA_MOVER_TYPE,
    type: snapshot ? 'VolumeSnapshot' : 'PVC',
    sourceClaimRef: { name: claim.name, namespace },
    volumeSnapshotRef: snapshot ? { name: snapshot.name } : undefined,
    config: hasEntries(config.moverConfig) ? config.moverConfig : undefined,
  };
  const labels: { [key: string]: string } = config.backupName ? { [BACKUP_NAME_LABEL]: validName(config.backupName) } : {};
  const object: ObjectValue = {
    apiVersion: DATAMOVER_API_VERSION,
    kind: DATA_MOVER_BACKUP_KIND,
    metadata: metadata(name, namespace, labels),
    spec: plain(spec),
  };
  const source = snapshot ? `from VolumeSnapshot ${snapshot.name}` : 'from the claim itself (no VolumeSnapshot names it)';
  const existing = findItem(context.allItems, DATAMOVER_GROUP, DATA_MOVER_BACKUP_KIND, claim.namespace, name);
  addOnce(context, object, existing, `for claim ${qualifiedName(namespace, claim.name)}: type ${spec.type} ${source}, mover ${spec.dataMoverType}`);
}

function addDataUpload(claim: KrmItem, snapshot: KrmItem | undefined, config: GenerateDataMoverBackupsConfig & { backupName: string }, context: FunctionContext): void {
  if (!snapshot) {
    context.warning(
      'no VolumeSnapshot among the items names this claim in spec.source.persistentVolumeClaimName: Velero\'s data mover moves CSI snapshots only; no DataUpload',
      claim,
    );
    return;
  }
  if (!claim.namespace) {
    context.warning('claim has no metadata.namespace, which a DataUpload needs as its sourceNamespace; no DataUpload', claim, { path: ['metadata', 'namespace'] });
    return;
  }
  const storageClass = stringAt(claim, ['spec', 'storageClassName']);
  if (storageClass === undefined) {
    context.warning(
      "claim has no spec.storageClassName: Velero's data mover provisions the volume it reads the snapshot from with the claim's storage class; no DataUpload",
      claim,
      { path: ['spec', 'storageClassName'] },
    );
    return;
  }
  const csiSnapshot: DataUploadSpec['csiSnapshot'] = { volumeSnapshot: snapshot.name, storageClass };
  const snapshotClass = stringAt(snapshot, ['spec', 'volumeSnapshotClassName']);
  if (snapshotClass !== undefined) csiSnapshot.snapshotClass = snapshotClass;
  const driver = snapshotDriver(snapshot, context.allItems);
  if (driver !== undefined) csiSnapshot.driver = driver;
  // Keys in Velero's field order; plain() drops the undefined ones.
  const spec: DataUploadSpec = {
    snapshotType: 'CSI',
    csiSnapshot,
    sourcePVC: claim.name,
    datamover: config.dataMoverType ?? VELERO_BUILT_IN_DATA_MOVER,
    backupStorageLocation: config.backupStorageLocation,
    sourceNamespace: claim.namespace,
    dataMoverConfig: hasEntries(config.moverConfig) ? (config.moverConfig as { [key: string]: string }) : undefined, // strings: checked in run()
    operationTimeout: config.operationTimeout,
  };
  const labels: { [key: string]: string } = { [BACKUP_NAME_LABEL]: validName(config.backupName) };
  const uid = stringAt(claim, ['metadata', 'uid']);
  if (uid !== undefined) labels[PVC_UID_LABEL] = uid;
  const name = generatedName(`${config.backupName}-${claim.name}`, [config.backupName, claim.namespace, claim.name]);
  const object: ObjectValue = {
    apiVersion: VELERO_DATAMOVER_API_VERSION,
    kind: DATA_UPLOAD_KIND,
    metadata: metadata(name, config.veleroNamespace, labels),
    spec: plain(spec),
  };
  const existing = findItem(context.allItems, VELERO_GROUP, DATA_UPLOAD_KIND, config.veleroNamespace, name);
  addOnce(context, object, existing, `for claim ${claim.namespace}/${claim.name} of backup ${config.backupName}: VolumeSnapshot ${snapshot.name}, data mover ${spec.datamover}`);
}

/**
 * Checks the fields `format: velero` needs beyond the schema.
 * @returns an error message naming the field, or undefined
 */
function veleroConfigProblem(config: GenerateDataMoverBackupsConfig): string | undefined {
  if (config.backupName === undefined) {
    return 'functionConfig field backupName: required with format velero (DataUploads carry the label velero.io/backup-name and are named after the backup)';
  }
  const nonStrings = nonStringEntries(config.moverConfig);
  if (nonStrings.length > 0) {
    return `functionConfig field moverConfig.${nonStrings[0]}: expected string (with format velero, moverConfig becomes the DataUploads' dataMoverConfig, a map of strings)`;
  }
  return undefined;
}

export const generateDataMoverBackups: KrmFunction<GenerateDataMoverBackupsConfig> = {
  name: 'generate-datamover-backups',
  kind: 'GenerateDataMoverBackups',
  description: 'Adds a data-mover backup request (a DataMoverBackup, or a Velero DataUpload) for each bound PersistentVolumeClaim, using its CSI VolumeSnapshot when one is among the items.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    if (config.format === 'velero') {
      const problem = veleroConfigProblem(config);
      if (problem) {
        context.error(problem);
        return;
      }
    }
    for (const claim of items) {
      if (!isPersistentVolumeClaim(claim)) continue;
      const unbound = unboundReason(claim);
      if (unbound) {
        context.warning(`claim is not bound (${unbound.reason}): it has no volume data to move; skipped`, claim, {
          path: unbound.path,
          currentValue: unbound.currentValue,
        });
        continue;
      }
      const found = findClaimSnapshot(claim, context.allItems);
      if (found && found.candidates > 1) {
        context.warning(`${found.candidates} VolumeSnapshots name this claim; using ${found.snapshot.name} (ready to use first, then the newest)`, claim);
      }
      if (found) warnNotReady(found.snapshot, claim, context);
      if (config.format === 'velero') addDataUpload(claim, found?.snapshot, config as GenerateDataMoverBackupsConfig & { backupName: string }, context);
      else addDataMoverBackup(claim, found?.snapshot, config, context);
    }
  },
};
