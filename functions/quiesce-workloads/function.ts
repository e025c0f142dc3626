/**
 * quiesce-workloads: stops a backup's or restore's workloads from running, and records how to restart
 * them. The offline half of MTC's PreBackup quiesce, applied to manifests instead of a live cluster:
 * run it on an export before restoring it, and unquiesce-workloads when the data is in place.
 *
 * Rule (konveyor/mig-controller `pkg/controller/migmigration/quiesce.go` `quiesceApplications`; crane-lib
 * `state_transfer/quiesce.go` is a copy), with MTC's annotation keys (see `annotations.ts`):
 * - Deployment, DeploymentConfig, StatefulSet, ReplicaSet, ReplicationController: `spec.replicas` → 0,
 *   the original in `<prefix>/preQuiesceReplicas`;
 * - DaemonSet: node selector `<prefix>/quiesceDaemonSet: "true"` added to its pod template, the original
 *   `spec.template.spec.nodeSelector` in `<prefix>/preQuiesceNodeSelector` as JSON (`{}` for none);
 * - CronJob: `spec.suspend` → true, marked with `<prefix>/preQuiesceSuspend`;
 * - Job: `spec.parallelism` → 0, the original in `<prefix>/preQuiesceReplicas`.
 * A workload that already has its record keeps it (quiescing twice keeps the first original), and one
 * already at rest without a record is left alone: there is nothing to undo (MTC skips them too).
 *
 * Where this differs from MTC, deliberately:
 * - standalone ReplicationControllers are quiesced (MTC leaves them running); replica workloads with a
 *   *controller* owner (`ownerReferences[].controller: true`) are skipped, where MTC skips only
 *   ReplicaSets, and any ownerReferences entry at all; a controller other than a Deployment or
 *   DeploymentConfig gets a warning, since it will not be quiesced with them;
 * - an already-suspended CronJob and a Job at parallelism 0 are skipped (MTC means to, but compares
 *   pointers and records them anyway: the CronJob comes back unsuspended);
 * - a missing field means the API server's default: 1 replica (0 for a DeploymentConfig, whose replicas
 *   field has no default), parallelism 1, suspend false;
 * - the prefix is configurable (`annotationPrefix`) and also applies to the DaemonSet node-selector key.
 */
import type { KrmItem } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import { formatPath } from '../../lib/yaml/path.js';
import schema from '../../schemas/quiesce-workloads.schema.json' with { type: 'json' };
import {
  QUIESCE_NODE_SELECTOR_VALUE,
  formatNodeSelector,
  formatScalarRecord,
  isNodeSelector,
  parseNodeSelector,
  parseScalarRecord,
  quiesceKeys,
  readRecord,
  reportInvalidRecord,
  writeRecord,
  type AnnotationConfig,
  type QuiesceKeys,
} from './annotations.js';
import { NODE_SELECTOR_PATH, controllerOf, describeValue, ownerIsQuiesced, quiesceRuleOf, type ScalarRule } from './workloads.js';

/** The validated config: `annotationPrefix` (default `migration.openshift.io`), selectors, exclude. */
export interface QuiesceWorkloadsConfig extends SelectionConfig, AnnotationConfig {}

/** Sets one scalar field (replicas, parallelism, suspend) to its quiesced value. */
function quiesceScalar(item: KrmItem, rule: ScalarRule, keys: QuiesceKeys, context: FunctionContext): void {
  if (rule.ownedByController === 'skip') {
    const owner = controllerOf(item);
    if (owner) {
      if (!ownerIsQuiesced(item, owner)) {
        context.warning(`left running: its controller ${owner.kind}/${owner.name} manages its ${rule.noun} and would undo a change; quiesce the ${owner.kind} instead`, item, {
          path: ['metadata', 'ownerReferences'],
        });
      }
      return;
    }
  }
  const recordKey = keys[rule.recordKey];
  const record = readRecord(item, recordKey, context);
  if (record === null) return;
  const field = item.get(rule.path);
  const current = field ?? rule.defaultValue;
  if (!rule.valid(current)) {
    context.error(`${formatPath(rule.path)} must be ${rule.expected}`, item, { path: rule.path, currentValue: current });
    return;
  }
  if (record !== undefined) {
    if (!parseScalarRecord(rule.recordKey, record)) return reportInvalidRecord(item, recordKey, rule.recordKey, record, context);
    if (current === rule.quiesced) return;
    item.set(rule.path, rule.quiesced);
    context.info(`set ${rule.noun} to ${JSON.stringify(rule.quiesced)} again (was ${describeValue(field, rule.defaultValue)}); the original recorded by the first quiesce stays in ${recordKey}`, item, {
      path: rule.path,
      currentValue: field,
      proposedValue: rule.quiesced,
    });
    return;
  }
  if (current === rule.quiesced) return;
  item.set(rule.path, rule.quiesced);
  context.info(`set ${rule.noun} to ${JSON.stringify(rule.quiesced)} (was ${describeValue(field, rule.defaultValue)})`, item, {
    path: rule.path,
    currentValue: field,
    proposedValue: rule.quiesced,
  });
  writeRecord(item, recordKey, formatScalarRecord(current as number | boolean), `the original ${rule.noun}`, context);
}

/** Adds the quiesce node selector to a DaemonSet's pod template, so its pods fit no node. */
function quiesceDaemonSet(item: KrmItem, keys: QuiesceKeys, context: FunctionContext): void {
  const podSpec = item.get(NODE_SELECTOR_PATH.slice(0, -1));
  if (podSpec === null || typeof podSpec !== 'object' || Array.isArray(podSpec)) {
    // A fragment (e.g. a patch) rather than a DaemonSet that runs pods: nothing to stop, and a pod spec
    // made up here would not go away on unquiesce.
    context.warning('has no pod template spec: left as is', item, { path: NODE_SELECTOR_PATH.slice(0, -1) });
    return;
  }
  const selector = item.get(NODE_SELECTOR_PATH);
  if (selector !== undefined && selector !== null && !isNodeSelector(selector)) {
    context.error(`${formatPath(NODE_SELECTOR_PATH)} must be a map of node labels`, item, { path: NODE_SELECTOR_PATH, currentValue: selector });
    return;
  }
  const record = readRecord(item, keys.nodeSelector, context);
  if (record === null) return;
  const current = selector ?? {};
  const keyPath = [...NODE_SELECTOR_PATH, keys.daemonSetNodeSelector];
  const quiesced = Object.prototype.hasOwnProperty.call(current, keys.daemonSetNodeSelector);
  if (record !== undefined) {
    if (!parseNodeSelector(record)) return reportInvalidRecord(item, keys.nodeSelector, 'nodeSelector', record, context);
    if (quiesced) return;
    item.set(keyPath, QUIESCE_NODE_SELECTOR_VALUE);
    context.info(`added the node selector ${keys.daemonSetNodeSelector}="true" again; the original recorded by the first quiesce stays in ${keys.nodeSelector}`, item, {
      path: keyPath,
      proposedValue: QUIESCE_NODE_SELECTOR_VALUE,
    });
    return;
  }
  if (quiesced) {
    context.warning(`the node selector already holds ${keys.daemonSetNodeSelector} but there is no ${keys.nodeSelector} annotation: left as is, and unquiesce-workloads will not undo it`, item, {
      path: keyPath,
      currentValue: current[keys.daemonSetNodeSelector],
    });
    return;
  }
  // Formatted first: `current` is the live map, which the next line changes.
  const original = formatNodeSelector(current);
  item.set(keyPath, QUIESCE_NODE_SELECTOR_VALUE);
  context.info(`added the node selector ${keys.daemonSetNodeSelector}="true", which no node matches: the DaemonSet runs no pods`, item, {
    path: keyPath,
    proposedValue: QUIESCE_NODE_SELECTOR_VALUE,
  });
  writeRecord(item, keys.nodeSelector, original, 'the original nodeSelector', context);
}

export const quiesceWorkloads: KrmFunction<QuiesceWorkloadsConfig> = {
  name: 'quiesce-workloads',
  kind: 'QuiesceWorkloads',
  description:
    'Stops workloads for a backup or restore (replicas and Job parallelism to 0, CronJobs suspended, DaemonSets on no node), recording the originals in MTC-compatible annotations for unquiesce-workloads.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    const keys = quiesceKeys(config.annotationPrefix);
    for (const item of items) {
      const rule = quiesceRuleOf(item);
      if (rule?.method === 'scalar') quiesceScalar(item, rule, keys, context);
      else if (rule?.method === 'nodeSelector') quiesceDaemonSet(item, keys, context);
    }
  },
};
