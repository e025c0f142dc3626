/**
 * generate-datamover-restores: turns the data-mover backup requests of a backup into restore requests.
 *
 * Rule, DataMoverBackups (`datamover.velero-krm-functions.dev`, shapes in
 * `../generate-datamover-backups/datamover.ts`): for each selected DataMoverBackup, add a DataMoverRestore
 * of the same name in the destination namespace, `namespaceMapping[source namespace]` or the source
 * namespace itself, with the same `dataMoverType` and `config` (or `moverConfig`), `destinationClaimRef
 * {name, namespace (mapped)}`, and, so the mover can find the data, `sourceClaimRef`, `dataMoverBackupRef`
 * and the backup's `status.moverResult` (as Velero copies a DataUpload's `status.snapshotID` and OADP a
 * VolumeSnapshotBackup's status into the restore request). Source: the OADP version of the Velero design "Add Datamover to Velero" ("the
 * DataMover plugin looks for DataMoverBackup in the backup resources ... will create a DataMoverRestore CR
 * in the app namespace ... populate the CR with the details obtained from the DataMoverBackup"), and
 * OADP's restore action for VolumeSnapshotBackups (`migtools/velero-plugin-for-vsm:
 * internal/restore/volumesnapshotrestore_action.go`), which creates the VolumeSnapshotRestore in the
 * VolumeSnapshotBackup's namespace remapped through `restore.spec.namespaceMapping`.
 *
 * Rule, Velero DataUploads (`velero.io/v2alpha1`): for each selected DataUpload, add a DataDownload as
 * Velero's `newDataDownload` builds it (`vmware-tanzu/velero:pkg/restore/actions/csi/pvc_action.go`), with
 * the fields Velero's `DataUploadRetrieveAction` carries over from the DataUpload
 * (`pkg/restore/actions/dataupload_retrieve_action.go`): label `velero.io/restore-name`, `targetVolume
 * {pvc, pv: "", namespace (mapped)}`, `backupStorageLocation`, `datamover`, `snapshotID`
 * (`status.snapshotID`), `sourceNamespace`, `operationTimeout`, and `nodeOS` when the DataUpload reports it.
 * Where we differ: Velero names DataDownloads `generateName: <restore>-`, owns them by the Restore and labels
 * them with its uid and an async operation id; offline these do not exist, so the name is deterministic
 * (`<restore>-<claim>-<hash>`) and the rest is left out. A DataUpload that never ran has no snapshotID:
 * the DataDownload gets `snapshotID: ""` (a required field) and a warning, because it cannot restore
 * anything until the ID is filled in.
 *
 * Both: the backups are removed from the output unless `keepBackups` (Velero's DataUploadRetrieveAction
 * and OADP's action both SkipRestore them; applied on the destination they would start new backups). Two
 * backups restored into one claim (e.g. `namespaceMapping` maps two namespaces onto one) are an error.
 * A claim among the items that still names its old volume (`spec.volumeName`) gets a warning: the data
 * mover restores into a new volume, and Velero's PVC restore action clears that field for data-mover
 * restores. New objects carry no `internal.config.kubernetes.io/path` (kpt names their files
 * `<namespace>/<kind>_<name>.yaml`).
 */
import type { KrmItem, ObjectValue } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import schema from '../../schemas/generate-datamover-restores.schema.json' with { type: 'json' };
import {
  itemsOfKind,
  DATA_DOWNLOAD_KIND,
  DATA_MOVER_RESTORE_KIND,
  DATAMOVER_API_VERSION,
  DATAMOVER_GROUP,
  DEFAULT_OPERATION_TIMEOUT,
  addOnce,
  findItem,
  generatedName,
  hasEntries,
  isDataMoverBackup,
  isDataUpload,
  isPersistentVolumeClaim,
  mapAt,
  metadata,
  nonStringEntries,
  plain,
  qualifiedName,
  RESTORE_NAME_LABEL,
  stringAt,
  validName,
  VELERO_DATAMOVER_API_VERSION,
  VELERO_GROUP,
  type DataDownloadSpec,
  type DataMoverRestoreSpec,
} from '../generate-datamover-backups/datamover.js';

export interface GenerateDataMoverRestoresConfig extends SelectionConfig {
  /** Source namespace → destination namespace. */
  namespaceMapping: { [namespace: string]: string };
  /** The Velero restore; required when the items hold DataUploads. */
  restoreName?: string;
  /** Namespace of the DataDownloads; default: each DataUpload's namespace. */
  veleroNamespace?: string;
  /** Replaces the backups' mover config; DataDownloads: `dataMoverConfig` (strings only). */
  moverConfig?: ObjectValue;
  keepBackups: boolean;
}

/** The Velero namespace when neither the config nor the DataUpload names one. */
const DEFAULT_VELERO_NAMESPACE = 'velero';

/** `spec.volumeName` of claims that would keep a restored claim waiting for its old volume. */
const VOLUME_NAME_PATH = ['spec', 'volumeName'] as const;

/** What one run has generated so far, to find two backups restored into the same claim. */
class Destinations {
  private readonly restoreOf = new Map<string, string>();
  private readonly warnedClaims = new Set<KrmItem>();

  constructor(
    private readonly context: FunctionContext,
    private readonly config: GenerateDataMoverRestoresConfig,
  ) {}

  /** The destination namespace of objects from `namespace`. */
  map(namespace: string): string {
    return this.config.namespaceMapping[namespace] ?? namespace;
  }

  /**
   * Claims `claim` for the restore `restore`.
   * @returns false, after an error result on `source`, when another restore of this run already claimed it
   */
  claim(claim: string, restore: string, source: KrmItem): boolean {
    const other = this.restoreOf.get(claim);
    if (other !== undefined && other !== restore) {
      this.context.error(
        `restores into claim ${claim}, as ${other} already does: two volumes cannot be restored into one claim (does namespaceMapping map two namespaces onto one?)`,
        source,
      );
      return false;
    }
    this.restoreOf.set(claim, restore);
    return true;
  }

  /** Warns once per claim among the items (source or destination namespace) that still names its old volume. */
  warnBoundClaim(name: string, namespaces: readonly string[]): void {
    for (const claim of itemsOfKind(this.context.allItems, '', 'PersistentVolumeClaim')) {
      if (!isPersistentVolumeClaim(claim) || claim.name !== name || !namespaces.includes(claim.namespace) || this.warnedClaims.has(claim)) continue;
      const volume = stringAt(claim, VOLUME_NAME_PATH);
      if (volume === undefined) continue;
      this.warnedClaims.add(claim);
      this.context.warning(
        `claim still names its source volume ${volume}: the data mover restores into a new volume, so clear spec.volumeName before applying (Velero's PVC restore action sets it to "" for data-mover restores)`,
        claim,
        { path: VOLUME_NAME_PATH, currentValue: volume },
      );
    }
  }
}


/**
 * Adds the DataMoverRestore of `backup`.
 * @returns false when the backup cannot be restored (an error result was reported)
 */
function restoreDataMoverBackup(backup: KrmItem, config: GenerateDataMoverRestoresConfig, destinations: Destinations, context: FunctionContext): boolean {
  const claimName = stringAt(backup, ['spec', 'sourceClaimRef', 'name']);
  const dataMoverType = stringAt(backup, ['spec', 'dataMoverType']);
  if (claimName === undefined || dataMoverType === undefined) {
    const field = claimName === undefined ? 'spec.sourceClaimRef.name' : 'spec.dataMoverType';
    context.error(`DataMoverBackup has no ${field}: it cannot be restored`, backup, { path: field.split('.') });
    return false;
  }
  const sourceNamespace = stringAt(backup, ['spec', 'sourceClaimRef', 'namespace']) ?? backup.namespace;
  const destination = destinations.map(sourceNamespace) || undefined;
  const spec: DataMoverRestoreSpec = {
    dataMoverType,
    destinationClaimRef: { name: claimName, namespace: destination },
    sourceClaimRef: { name: claimName, namespace: sourceNamespace || undefined },
    dataMoverBackupRef: { name: backup.name, namespace: backup.namespace || undefined },
    config: hasEntries(config.moverConfig) ? config.moverConfig : mapAt(backup, ['spec', 'config']),
    moverResult: mapAt(backup, ['status', 'moverResult']),
  };
  const name = backup.name;
  if (!destinations.claim(qualifiedName(destination, claimName), `${DATA_MOVER_RESTORE_KIND} ${qualifiedName(destination, name)}`, backup)) return false;
  const labels: { [key: string]: string } = config.restoreName ? { [RESTORE_NAME_LABEL]: validName(config.restoreName) } : {};
  const object: ObjectValue = {
    apiVersion: DATAMOVER_API_VERSION,
    kind: DATA_MOVER_RESTORE_KIND,
    metadata: metadata(name, destination, labels),
    spec: plain(spec),
  };
  const existing = findItem(context.allItems, DATAMOVER_GROUP, DATA_MOVER_RESTORE_KIND, destination ?? '', name);
  const from = `${qualifiedName(sourceNamespace || undefined, claimName)} (DataMoverBackup ${qualifiedName(backup.namespace || undefined, backup.name)})`;
  addOnce(context, object, existing, `for claim ${from}: restores into ${qualifiedName(destination, claimName)}, mover ${dataMoverType}`);
  destinations.warnBoundClaim(claimName, [sourceNamespace, destination ?? '']);
  return true;
}

/**
 * Adds the DataDownload of `upload`.
 * @returns false when the upload cannot be restored (an error result was reported)
 */
function restoreDataUpload(
  upload: KrmItem,
  config: GenerateDataMoverRestoresConfig & { restoreName: string },
  destinations: Destinations,
  context: FunctionContext,
): boolean {
  const required = ['sourcePVC', 'sourceNamespace', 'backupStorageLocation'] as const;
  const missing = required.find((field) => stringAt(upload, ['spec', field]) === undefined);
  if (missing !== undefined) {
    context.error(`DataUpload has no spec.${missing}: it cannot be restored`, upload, { path: ['spec', missing] });
    return false;
  }
  const claimName = stringAt(upload, ['spec', 'sourcePVC'])!;
  const sourceNamespace = stringAt(upload, ['spec', 'sourceNamespace'])!;
  const destination = destinations.map(sourceNamespace);
  const snapshotID = stringAt(upload, ['status', 'snapshotID']) ?? '';
  const nodeOS = stringAt(upload, ['status', 'nodeOS']);
  // Keys in Velero's field order; plain() drops the undefined ones.
  const spec: DataDownloadSpec = {
    targetVolume: { pvc: claimName, pv: '', namespace: destination },
    backupStorageLocation: stringAt(upload, ['spec', 'backupStorageLocation'])!,
    datamover: stringAt(upload, ['spec', 'datamover']),
    snapshotID,
    sourceNamespace,
    dataMoverConfig: hasEntries(config.moverConfig) ? (config.moverConfig as { [key: string]: string }) : undefined, // strings: checked in run()
    operationTimeout: stringAt(upload, ['spec', 'operationTimeout']) ?? DEFAULT_OPERATION_TIMEOUT,
    nodeOS: nodeOS === 'linux' || nodeOS === 'windows' || nodeOS === 'auto' ? nodeOS : undefined,
  };
  const namespace = config.veleroNamespace ?? (upload.namespace || DEFAULT_VELERO_NAMESPACE);
  const name = generatedName(`${config.restoreName}-${claimName}`, [config.restoreName, sourceNamespace, claimName]);
  if (!destinations.claim(`${destination}/${claimName}`, `${DATA_DOWNLOAD_KIND} ${namespace}/${name}`, upload)) return false;
  const object: ObjectValue = {
    apiVersion: VELERO_DATAMOVER_API_VERSION,
    kind: DATA_DOWNLOAD_KIND,
    metadata: metadata(name, namespace, { [RESTORE_NAME_LABEL]: validName(config.restoreName) }),
    spec: plain(spec),
  };
  const existing = findItem(context.allItems, VELERO_GROUP, DATA_DOWNLOAD_KIND, namespace, name);
  const from = `${sourceNamespace}/${claimName} (DataUpload ${qualifiedName(upload.namespace || undefined, upload.name)})`;
  addOnce(context, object, existing, `for claim ${from}: restores into ${destination}/${claimName}, snapshot ${snapshotID === '' ? '(none yet)' : snapshotID}`);
  if (snapshotID === '') {
    context.warning(
      'DataUpload has no status.snapshotID (it has not completed, or it was generated offline): its DataDownload has snapshotID "" and restores nothing until the ID of the uploaded snapshot is filled in',
      upload,
      { path: ['status', 'snapshotID'] },
    );
  }
  destinations.warnBoundClaim(claimName, [sourceNamespace, destination]);
  return true;
}

/**
 * Checks the fields DataUploads need beyond the schema.
 * @returns an error message naming the field, or undefined
 */
function dataUploadConfigProblem(config: GenerateDataMoverRestoresConfig): string | undefined {
  if (config.restoreName === undefined) {
    return 'functionConfig field restoreName: required when the items hold DataUploads (DataDownloads carry the label velero.io/restore-name and are named after the restore)';
  }
  const nonStrings = nonStringEntries(config.moverConfig);
  if (nonStrings.length > 0) {
    return `functionConfig field moverConfig.${nonStrings[0]}: expected string (for DataUploads, moverConfig becomes the DataDownloads' dataMoverConfig, a map of strings)`;
  }
  return undefined;
}

export const generateDataMoverRestores: KrmFunction<GenerateDataMoverRestoresConfig> = {
  name: 'generate-datamover-restores',
  kind: 'GenerateDataMoverRestores',
  description: 'Adds a restore request for each data-mover backup request of a backup (a DataMoverRestore per DataMoverBackup, a Velero DataDownload per DataUpload), in the mapped namespaces.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    if (items.some(isDataUpload)) {
      const problem = dataUploadConfigProblem(config);
      if (problem) {
        context.error(problem);
        return;
      }
    }
    const destinations = new Destinations(context, config);
    for (const item of items) {
      let restored: boolean;
      if (isDataMoverBackup(item)) restored = restoreDataMoverBackup(item, config, destinations, context);
      else if (isDataUpload(item)) restored = restoreDataUpload(item, config as GenerateDataMoverRestoresConfig & { restoreName: string }, destinations, context);
      else continue;
      if (restored && !config.keepBackups) {
        context.remove(item);
        context.info('removed: a restore does not re-create backup requests (Velero and OADP skip them on restore); keepBackups: true keeps them', item);
      }
    }
  },
};
