/**
 * Which items are workloads, and how each kind is quiesced: the field that stops its pods, the value
 * that field has when quiesced, and the value the API server assumes when the field is absent. Shared
 * by quiesce-workloads and unquiesce-workloads.
 *
 * Source: MTC's quiesce table (konveyor/mig-controller `pkg/controller/migmigration/quiesce.go`), plus
 * standalone ReplicationControllers, which MTC leaves running.
 */
import type { KrmItem } from '../../lib/item.js';
import type { Path } from '../../lib/yaml/path.js';
import type { Value } from '../../lib/yaml/scalar.js';
import { isCount, type QuiesceKeys } from './annotations.js';

/** A workload quiesced by setting one scalar field: replicas, Job parallelism or CronJob suspend. */
export interface ScalarRule {
  method: 'scalar';
  /** The field, e.g. `spec.replicas`. */
  path: Path;
  /** What the field is set to, e.g. 0. */
  quiesced: number | boolean;
  /** What the API server stores when the field is absent, e.g. 1 for a Deployment's replicas. */
  defaultValue: number | boolean;
  /** What the field holds, for messages: `replicas`, `parallelism`, `suspend`. */
  noun: string;
  /** Which annotation records the original. */
  recordKey: keyof Pick<QuiesceKeys, 'replicas' | 'suspend'>;
  /**
   * `skip` for replicas: a workload with a controller owner is left to that owner, which would scale it
   * back (MTC skips ReplicaSets with any ownerReferences). Jobs and CronJobs are quiesced whoever owns
   * them, as MTC does: a CronJob does not reset the parallelism of the Jobs it created.
   */
  ownedByController: 'skip' | 'quiesce';
  /** True when the field's value is one Kubernetes accepts. */
  valid(value: Value): boolean;
  /** What `valid` accepts, for error messages. */
  expected: string;
}

/** A DaemonSet: quiesced through its pod template's nodeSelector. */
export interface NodeSelectorRule {
  method: 'nodeSelector';
  /** `spec.template.spec.nodeSelector` */
  path: Path;
}

/** How one kind of workload is quiesced. */
export type QuiesceRule = ScalarRule | NodeSelectorRule;

/** `spec.template.spec.nodeSelector` */
export const NODE_SELECTOR_PATH: Path = ['spec', 'template', 'spec', 'nodeSelector'];

/**
 * `spec.replicas`. The apps/v1 and core/v1 kinds default a missing value to 1; a DeploymentConfig's
 * `replicas` is a plain int32 with no defaulting (openshift/api `apps/v1/types.go`; origin's
 * `SetDefaults_DeploymentConfigSpec` leaves it alone), so a missing value there is 0.
 */
function replicas(defaultValue: number): ScalarRule {
  return {
    method: 'scalar',
    path: ['spec', 'replicas'],
    quiesced: 0,
    defaultValue,
    noun: 'replicas',
    recordKey: 'replicas',
    ownedByController: 'skip',
    valid: isCount,
    expected: 'a non-negative integer',
  };
}

/** A Job's `spec.parallelism` (default 1); MTC records it under `preQuiesceReplicas`. */
const PARALLELISM: ScalarRule = {
  method: 'scalar',
  path: ['spec', 'parallelism'],
  quiesced: 0,
  defaultValue: 1,
  noun: 'parallelism',
  recordKey: 'replicas',
  ownedByController: 'quiesce',
  valid: isCount,
  expected: 'a non-negative integer',
};

/** A CronJob's `spec.suspend` (default false). */
const SUSPEND: ScalarRule = {
  method: 'scalar',
  path: ['spec', 'suspend'],
  quiesced: true,
  defaultValue: false,
  noun: 'suspend',
  recordKey: 'suspend',
  ownedByController: 'quiesce',
  valid: (value) => typeof value === 'boolean',
  expected: 'true or false',
};

const NODE_SELECTOR: NodeSelectorRule = { method: 'nodeSelector', path: NODE_SELECTOR_PATH };

interface WorkloadKind {
  kind: string;
  /** API groups the kind is served from, old ones included, since old exports still carry them. */
  groups: readonly string[];
  rule: QuiesceRule;
}

/**
 * The workload kinds. `extensions` and the `apps/v1beta*` versions are kept for old dumps; `v1`
 * DeploymentConfigs are the legacy OpenShift 3 group that `oc` dumps of such clusters use.
 */
const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { kind: 'Deployment', groups: ['apps', 'extensions'], rule: replicas(1) },
  { kind: 'StatefulSet', groups: ['apps'], rule: replicas(1) },
  { kind: 'ReplicaSet', groups: ['apps', 'extensions'], rule: replicas(1) },
  { kind: 'ReplicationController', groups: [''], rule: replicas(1) },
  { kind: 'DeploymentConfig', groups: ['apps.openshift.io', ''], rule: replicas(0) },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'], rule: NODE_SELECTOR },
  { kind: 'CronJob', groups: ['batch'], rule: SUSPEND },
  { kind: 'Job', groups: ['batch'], rule: PARALLELISM },
];

/** How `item` is quiesced, or undefined when it is not a workload. */
export function quiesceRuleOf(item: KrmItem): QuiesceRule | undefined {
  return WORKLOAD_KINDS.find((entry) => entry.kind === item.kind && entry.groups.includes(item.group))?.rule;
}

/** An ownerReferences entry, as far as this module reads it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
}

/**
 * The `metadata.ownerReferences` entry with `controller: true`, if any: the object that manages the
 * workload (a Deployment its ReplicaSets, a DeploymentConfig its ReplicationControllers, an operator its
 * Deployments) and would undo a change to its replicas.
 */
export function controllerOf(item: KrmItem): OwnerReference | undefined {
  const references = item.get(['metadata', 'ownerReferences']);
  if (!Array.isArray(references)) return undefined;
  for (const reference of references) {
    if (reference === null || typeof reference !== 'object' || Array.isArray(reference) || reference.controller !== true) continue;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return { apiVersion: text(reference.apiVersion), kind: text(reference.kind), name: text(reference.name) };
  }
  return undefined;
}

/**
 * True when the workload's controller is quiesced along with it, so leaving it alone is the expected
 * case: ReplicaSets of a Deployment, ReplicationControllers of a DeploymentConfig.
 */
export function ownerIsQuiesced(item: KrmItem, owner: OwnerReference): boolean {
  return (item.kind === 'ReplicaSet' && owner.kind === 'Deployment') || (item.kind === 'ReplicationController' && owner.kind === 'DeploymentConfig');
}

/** A field's value for messages: `3`, or `unset, which means 1` for a missing field. */
export function describeValue(field: Value | undefined, defaultValue: Value): string {
  return field === undefined || field === null ? `unset, which means ${JSON.stringify(defaultValue)}` : JSON.stringify(field);
}
