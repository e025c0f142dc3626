/**
 * The CSI snapshot of a claim among the items: the VolumeSnapshot whose `spec.source.persistentVolumeClaimName`
 * names the claim in the claim's namespace (what Velero's CSI PVC backup action creates and waits for,
 * `velero:pkg/backup/actions/csi/pvc_action.go`), and the CSI driver from its VolumeSnapshotContent.
 */
import type { KrmItem } from '../../lib/item.js';
import { itemsOfKind, stringAt } from './datamover.js';

const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

/** The snapshot chosen for a claim, and how many named the claim. */
export interface ClaimSnapshot {
  snapshot: KrmItem;
  candidates: number;
}

function timestamp(snapshot: KrmItem): string {
  return stringAt(snapshot, ['status', 'creationTime']) ?? stringAt(snapshot, ['metadata', 'creationTimestamp']) ?? '';
}

/**
 * The VolumeSnapshot of `claim` among `items` (selected or not; local-config items excluded), or undefined.
 * When several name the claim, the choice is deterministic: ready ones (`status.readyToUse: true`) first,
 * then the newest (`status.creationTime`, else `metadata.creationTimestamp`; RFC 3339 strings compare as
 * text), then the first name in alphabetical order.
 */
export function findClaimSnapshot(claim: KrmItem, items: readonly KrmItem[]): ClaimSnapshot | undefined {
  const candidates = itemsOfKind(items, SNAPSHOT_GROUP, 'VolumeSnapshot').filter(
    (item) => item.namespace === claim.namespace && item.get(['spec', 'source', 'persistentVolumeClaimName']) === claim.name,
  );
  const ready = (item: KrmItem) => (item.get(['status', 'readyToUse']) === true ? 1 : 0);
  const sorted = [...candidates].sort((a, b) => ready(b) - ready(a) || timestamp(b).localeCompare(timestamp(a)) || a.name.localeCompare(b.name));
  const snapshot = sorted[0];
  return snapshot ? { snapshot, candidates: candidates.length } : undefined;
}

/**
 * The CSI driver of `snapshot`, from its VolumeSnapshotContent among `items` (the one named by
 * `status.boundVolumeSnapshotContentName`, or whose `spec.volumeSnapshotRef` points back at the snapshot):
 * Velero copies `vsc.spec.driver` into `csiSnapshot.driver`. Undefined when no content is among the items.
 */
export function snapshotDriver(snapshot: KrmItem, items: readonly KrmItem[]): string | undefined {
  const bound = stringAt(snapshot, ['status', 'boundVolumeSnapshotContentName']);
  const content = itemsOfKind(items, SNAPSHOT_GROUP, 'VolumeSnapshotContent').find(
    (item) =>
      (item.name === bound ||
        (item.get(['spec', 'volumeSnapshotRef', 'name']) === snapshot.name && item.get(['spec', 'volumeSnapshotRef', 'namespace']) === snapshot.namespace)),
  );
  return content ? stringAt(content, ['spec', 'driver']) : undefined;
}
