/**
 * unquiesce-workloads: restarts the workloads quiesce-workloads (or MTC, or crane) stopped, from the
 * originals recorded in their annotations. The offline half of MTC's PostRestore unquiesce.
 *
 * Rule (konveyor/mig-controller `pkg/controller/migmigration/quiesce.go` `unQuiesceApplications`; crane-lib
 * `state_transfer/quiesce.go` is a copy), for every workload that carries a record (keys and formats in
 * `../quiesce-workloads/annotations.ts`):
 * - replicas (Deployment, DeploymentConfig, StatefulSet, ReplicaSet, ReplicationController) and Job
 *   parallelism: the recorded `<prefix>/preQuiesceReplicas` is written back when the field is still 0;
 * - CronJob: `spec.suspend` → false when it is still true (`<prefix>/preQuiesceSuspend`);
 * - DaemonSet: the node-selector key `<prefix>/quiesceDaemonSet` is removed, which gives back the
 *   recorded `<prefix>/preQuiesceNodeSelector`;
 * and the record is removed. Workloads without a record are left alone.
 *
 * Where this differs from MTC, deliberately:
 * - a value changed since quiesce is kept, with a warning, for every kind: MTC does this for replicas and
 *   parallelism but overwrites a CronJob's suspend and a DaemonSet's whole nodeSelector (or, when the
 *   quiesce key is gone, keeps the DaemonSet's record forever); here the record is removed in every case,
 *   since it no longer describes the workload;
 * - a CronJob that was suspended before quiesce stays suspended: quiesce-workloads does not record it
 *   (MTC records every CronJob, and unsuspends them all);
 * - a record on a workload with a controller owner is restored too (MTC skips owned ReplicaSets): a record
 *   says the workload was quiesced, whoever owns it;
 * - an unreadable record is an error (exit 1) naming the annotation, as MTC aborts; the workload is left
 *   as it is;
 * - an empty nodeSelector and an emptied `metadata.annotations` are removed rather than left as `{}`,
 *   as the API server stores them (`omitempty`), so a quiesce/unquiesce round trip gives back the bytes.
 */
import type { KrmItem } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import { deepEqual, formatPath } from '../../lib/yaml/path.js';
import schema from '../../schemas/unquiesce-workloads.schema.json' with { type: 'json' };
import {
  isNodeSelector,
  parseNodeSelector,
  parseScalarRecord,
  quiesceKeys,
  readRecord,
  removeRecord,
  reportInvalidRecord,
  type AnnotationConfig,
  type NodeSelector,
  type QuiesceKeys,
} from '../quiesce-workloads/annotations.js';
import { NODE_SELECTOR_PATH, describeValue, quiesceRuleOf, type ScalarRule } from '../quiesce-workloads/workloads.js';

/** The validated config: `annotationPrefix` (default `migration.openshift.io`), selectors, exclude. */
export interface UnquiesceWorkloadsConfig extends SelectionConfig, AnnotationConfig {}

/** Writes back a scalar field (replicas, parallelism, suspend) from its record. */
function unquiesceScalar(item: KrmItem, rule: ScalarRule, keys: QuiesceKeys, context: FunctionContext): void {
  const recordKey = keys[rule.recordKey];
  const record = readRecord(item, recordKey, context);
  if (record === undefined || record === null) return;
  const recorded = parseScalarRecord(rule.recordKey, record);
  if (!recorded) return reportInvalidRecord(item, recordKey, rule.recordKey, record, context);
  const field = item.get(rule.path);
  const current = field ?? rule.defaultValue;
  if (!rule.valid(current)) {
    context.error(`${formatPath(rule.path)} must be ${rule.expected}`, item, { path: rule.path, currentValue: current });
    return;
  }
  const { original } = recorded;
  if (current === rule.quiesced) {
    if (item.set(rule.path, original)) {
      const marker = recorded.mtcMarker ? ` (${recordKey}: "true" is MTC's marker for a CronJob it suspended, whatever the original; MTC unsuspends it too)` : '';
      context.info(`restored ${rule.noun} ${JSON.stringify(original)} recorded by quiesce${marker}`, item, {
        path: rule.path,
        currentValue: field,
        proposedValue: original,
      });
    }
  } else if (current !== original) {
    context.warning(`${rule.noun} changed since quiesce: keeps ${describeValue(field, rule.defaultValue)}, not the recorded ${JSON.stringify(original)}`, item, {
      path: rule.path,
      currentValue: field,
    });
  }
  removeRecord(item, recordKey, context);
}

/** The labels of `selector` except `key`. */
function without(selector: NodeSelector, key: string): NodeSelector {
  const rest: NodeSelector = {};
  for (const [name, value] of Object.entries(selector)) if (name !== key) rest[name] = value;
  return rest;
}

/** Removes the quiesce node selector from a DaemonSet's pod template. */
function unquiesceDaemonSet(item: KrmItem, keys: QuiesceKeys, context: FunctionContext): void {
  const record = readRecord(item, keys.nodeSelector, context);
  if (record === undefined || record === null) return;
  const original = parseNodeSelector(record);
  if (!original) return reportInvalidRecord(item, keys.nodeSelector, 'nodeSelector', record, context);
  const selector = item.get(NODE_SELECTOR_PATH);
  if (selector !== undefined && selector !== null && !isNodeSelector(selector)) {
    context.error(`${formatPath(NODE_SELECTOR_PATH)} must be a map of node labels`, item, { path: NODE_SELECTOR_PATH, currentValue: selector });
    return;
  }
  const current = selector ?? {};
  const quiesceKey = keys.daemonSetNodeSelector;
  if (Object.prototype.hasOwnProperty.call(current, quiesceKey)) {
    const rest = without(current, quiesceKey);
    // An empty node selector is omitted, as the API server stores it; MTC records `{}` for none.
    if (Object.keys(rest).length === 0) item.delete(NODE_SELECTOR_PATH);
    else item.delete([...NODE_SELECTOR_PATH, quiesceKey]);
    if (deepEqual(rest, original)) {
      context.info(`removed the node selector ${quiesceKey}: the nodeSelector is the recorded ${record} again`, item, {
        path: [...NODE_SELECTOR_PATH, quiesceKey],
        currentValue: current[quiesceKey],
      });
    } else {
      context.warning(`nodeSelector changed since quiesce: removed ${quiesceKey} and kept ${JSON.stringify(rest)}, not the recorded ${record}`, item, {
        path: NODE_SELECTOR_PATH,
        currentValue: current,
      });
    }
  } else if (!deepEqual(current, original)) {
    context.warning(`nodeSelector changed since quiesce (${quiesceKey} is gone): keeps ${JSON.stringify(current)}, not the recorded ${record}`, item, {
      path: NODE_SELECTOR_PATH,
      currentValue: current,
    });
  }
  removeRecord(item, keys.nodeSelector, context);
}

export const unquiesceWorkloads: KrmFunction<UnquiesceWorkloadsConfig> = {
  name: 'unquiesce-workloads',
  kind: 'UnquiesceWorkloads',
  description:
    'Restarts workloads stopped by quiesce-workloads, MTC or crane, restoring the replicas, Job parallelism, CronJob suspend and DaemonSet node selectors recorded in their annotations.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    const keys = quiesceKeys(config.annotationPrefix);
    for (const item of items) {
      const rule = quiesceRuleOf(item);
      if (rule?.method === 'scalar') unquiesceScalar(item, rule, keys, context);
      else if (rule?.method === 'nodeSelector') unquiesceDaemonSet(item, keys, context);
    }
  },
};
