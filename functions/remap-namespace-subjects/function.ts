/**
 * remap-namespace-subjects: under a namespace mapping, points the subjects of SecurityContextConstraints,
 * RoleBindings and ClusterRoleBindings at the target namespaces, so the service accounts restored into
 * `shop-dr` keep the permissions and SCCs that those of `shop` had.
 *
 * Rules, each applied only when the namespace it names is a key of `namespaceMapping`:
 * - SecurityContextConstraints (`security.openshift.io/v1`, legacy `v1`): `users[]` entries
 *   `system:serviceaccount:<ns>:<sa>` (openshift-velero-plugin `velero-plugins/scc/restore.go`, RestoreItemAction
 *   `openshift.io/20-SCC-restore-plugin`), and `groups[]` entries `system:serviceaccounts:<ns>`, which that
 *   plugin forgets (its users-only loop is quirk §2.21.3 of shared/design/upstream-behaviors.md).
 * - RoleBinding and ClusterRoleBinding of `rbac.authorization.k8s.io/v1` (and `v1beta1`): `subjects[].namespace`
 *   (Velero core `pkg/restore/actions/rolebinding_action.go`, `clusterrolebinding_action.go`, which map
 *   nothing else); beyond Velero, the names of User subjects `system:serviceaccount:<ns>:<sa>` and of Group
 *   subjects `system:serviceaccounts:<ns>`.
 * - RoleBinding and ClusterRoleBinding of `authorization.openshift.io/v1` (and legacy `v1`)
 *   (openshift-velero-plugin `velero-plugins/rolebindings/restore.go`, `clusterrolebindings/restore.go`,
 *   actions `21-role-bindings`, `22-cluster-role-bindings`): `roleRef.namespace`, `subjects[].namespace`,
 *   the names of group subjects (`Group`, `SystemGroup`) `system:serviceaccounts:<ns>`, `userNames[]`
 *   `system:serviceaccount:<ns>:<sa>` and `groupNames[]` `system:serviceaccounts:<ns>`; beyond the plugin,
 *   user subjects (`User`, `SystemUser`) `system:serviceaccount:<ns>:<sa>` as for rbac.
 *
 * Where this differs from the plugin, on purpose (see `subject-names.ts`): names must have the exact form
 * (`system:` prefix, 4 parts for users, 3 for groups), so `system:serviceaccount:<ns>` is left alone with a
 * warning; subject names are read according to the subject's kind (the plugin tries the group form on any
 * subject); the plugin's skipping of the system RoleBindings `system:image-pullers`, `system:image-builders`
 * and `system:deployers` (PR #311, and PR #402 / OADP-6540 for rbac) is not reproduced: this function only
 * remaps, and a remapped `system:image-pullers` grants `system:serviceaccounts:<target>` exactly what the
 * one OpenShift creates in the target namespace does, which is the OADP-6540 fix's intent.
 *
 * Bindings inside a typed list that arrives as one item (`kind: RoleBindingList`, as `kubectl get -o yaml`
 * writes it and kpt reads such a file of a package) are remapped in place; in a stream, the reader already
 * hands a list document's entries over as items. `metadata.namespace` is
 * not this function's concern (Velero sets it on restore). A chained mapping (`a→b`, `b→c`) is refused:
 * running the function twice would move `a` to `c`.
 */
import type { KrmItem, ObjectValue } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import type { Path } from '../../lib/yaml/path.js';
import type { Value } from '../../lib/yaml/scalar.js';
import schema from '../../schemas/remap-namespace-subjects.schema.json' with { type: 'json' };
import { classify, type NameRole, type NamespaceMapping } from './subject-names.js';

export interface RemapNamespaceSubjectsConfig extends SelectionConfig {
  /** Source namespace → target namespace, e.g. `{shop: shop-dr}`; Velero's `Restore.spec.namespaceMapping`. */
  namespaceMapping: { [source: string]: string };
}

const SCC_API_VERSIONS = new Set(['security.openshift.io/v1', 'v1']);
const RBAC_API_VERSIONS = new Set(['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1beta1']);
const OPENSHIFT_AUTHORIZATION_API_VERSIONS = new Set(['authorization.openshift.io/v1', 'v1']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);
/** Subject kinds whose `name` is a user name, and those whose `name` is a group name (OpenShift adds the System* kinds). */
const USER_SUBJECT_KINDS = new Set(['User', 'SystemUser']);
const GROUP_SUBJECT_KINDS = new Set(['Group', 'SystemGroup']);

/** The objects this function rewrites: each has its own set of fields (see the file comment). */
export type SubjectHolder = 'scc' | 'rbac-binding' | 'openshift-binding';

/**
 * Which rules apply to an object of `apiVersion` and `kind`.
 * @returns undefined for every other object (PodSecurityPolicy, Role, `security.openshift.io/v2`, ...)
 */
export function holderOf(apiVersion: string, kind: string): SubjectHolder | undefined {
  if (kind === 'SecurityContextConstraints' && SCC_API_VERSIONS.has(apiVersion)) return 'scc';
  if (!BINDING_KINDS.has(kind)) return undefined;
  if (RBAC_API_VERSIONS.has(apiVersion)) return 'rbac-binding';
  if (OPENSHIFT_AUTHORIZATION_API_VERSIONS.has(apiVersion)) return 'openshift-binding';
  return undefined;
}

/**
 * The mapping to apply: identity entries (`a: a`) dropped, as they change nothing.
 * @returns the mapping, or an error message when a target is also a source (`a→b`, `b→c`): the function would
 *   not be idempotent, as a second run would move `a` on to `c`
 */
export function effectiveMapping(namespaceMapping: { [source: string]: string }): NamespaceMapping | string {
  const mapping = new Map(Object.entries(namespaceMapping).filter(([from, to]) => from !== to));
  for (const [from, to] of mapping) {
    const next = mapping.get(to);
    if (next !== undefined) {
      return (
        `functionConfig field namespaceMapping: "${to}" is both a target (${from}=${to}) and a source (${to}=${next}); ` +
        `a chained or swapped mapping cannot be applied idempotently (a second run would remap ${to} again): map each source to its final target`
      );
    }
  }
  return mapping;
}

/**
 * One object to rewrite: an item, or an entry of an embedded typed list (`RoleBindingList`), whose paths
 * are then under `items[<index>]` and whose results name it.
 */
interface Target {
  item: KrmItem;
  prefix: Path;
  holder: SubjectHolder;
  /** `''` for an item; `RoleBinding kube-system/prometheus-k8s: ` for a list entry. */
  label: string;
}

/** The objects of `item` to rewrite: the item itself, or the SCCs and bindings among the `items` of a `*List` item. */
function targetsOf(item: KrmItem): Target[] {
  const holder = holderOf(item.apiVersion, item.kind);
  if (holder) return [{ item, prefix: [], holder, label: '' }];
  const entries = item.kind.endsWith('List') ? item.get(['items']) : undefined;
  if (!Array.isArray(entries)) return [];
  const targets: Target[] = [];
  entries.forEach((entry, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return;
    const { apiVersion, kind, metadata } = entry;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
    const entryHolder = holderOf(apiVersion, kind);
    if (!entryHolder) return;
    const meta = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {};
    const name = [meta.namespace, meta.name].filter((part) => typeof part === 'string' && part !== '').join('/');
    targets.push({ item, prefix: ['items', index], holder: entryHolder, label: `${kind} ${name}: ` });
  });
  return targets;
}

/** Applies the rules to one object, reporting each change (and each name left alone on purpose). */
class Remapper {
  constructor(
    private readonly target: Target,
    private readonly mapping: NamespaceMapping,
    private readonly context: FunctionContext,
  ) {}

  private get(path: Path): Value | undefined {
    return this.target.item.get([...this.target.prefix, ...path]);
  }

  private change(path: Path, from: string, to: string, message: string): void {
    const fullPath = [...this.target.prefix, ...path];
    this.target.item.set(fullPath, to);
    this.context.info(this.target.label + message, this.target.item, { path: fullPath, currentValue: from, proposedValue: to });
  }

  run(): void {
    if (this.target.holder === 'scc') {
      this.names(['users'], 'user');
      this.names(['groups'], 'group');
      return;
    }
    if (this.target.holder === 'openshift-binding') this.namespaceField(['roleRef', 'namespace'], 'roleRef');
    this.subjects();
    if (this.target.holder === 'openshift-binding') {
      this.names(['userNames'], 'user');
      this.names(['groupNames'], 'group');
    }
  }

  /** A list of user or group names (`users`, `groups`, `userNames`, `groupNames`); null or absent is fine. */
  private names(path: Path, role: NameRole): void {
    const list = this.get(path);
    if (!Array.isArray(list)) return;
    list.forEach((name, index) => {
      if (typeof name === 'string') this.name([...path, index], name, role);
    });
  }

  /** One user or group name: rewritten when it names a mapped namespace in the exact form, reported when it looks like one. */
  private name(path: Path, name: string, role: NameRole): void {
    const result = classify(name, role, this.mapping);
    if (result.action === 'remap') {
      this.change(path, name, result.to, `remapped the service account ${role} ${name} to ${result.to}`);
    } else if (result.action === 'unusual') {
      const expected = role === 'user' ? 'system:serviceaccount:<namespace>:<name>' : 'system:serviceaccounts:<namespace>';
      this.context.warning(
        `${this.target.label}left the ${role} ${name} unchanged although namespace ${result.namespace} is mapped to ${result.to}: ` +
          `a service account ${role} has the form ${expected} (openshift-velero-plugin would rewrite this one too); edit it by hand if it was meant for ${result.namespace}`,
        this.target.item,
        { path: [...this.target.prefix, ...path], currentValue: name },
      );
    }
  }

  /** A namespace field (`roleRef.namespace`, `subjects[i].namespace`): rewritten when mapped. */
  private namespaceField(path: Path, what: string): void {
    const namespace = this.get(path);
    if (typeof namespace !== 'string' || namespace === '') return;
    const to = this.mapping.get(namespace);
    if (to !== undefined) this.change(path, namespace, to, `remapped the namespace of ${what} from ${namespace} to ${to}`);
  }

  /** `subjects[]`: the namespace of any subject; the name of user and group subjects. */
  private subjects(): void {
    const subjects = this.get(['subjects']);
    if (!Array.isArray(subjects)) return;
    subjects.forEach((subject, index) => {
      if (subject === null || typeof subject !== 'object' || Array.isArray(subject)) return;
      const { kind, name } = subject as ObjectValue;
      const kindText = typeof kind === 'string' ? kind : '';
      const described = ['subject', kindText, typeof name === 'string' ? name : ''].filter((part) => part !== '').join(' ');
      this.namespaceField(['subjects', index, 'namespace'], described);
      if (typeof name !== 'string') return;
      if (USER_SUBJECT_KINDS.has(kindText)) this.name(['subjects', index, 'name'], name, 'user');
      else if (GROUP_SUBJECT_KINDS.has(kindText)) this.name(['subjects', index, 'name'], name, 'group');
    });
  }
}

export const remapNamespaceSubjects: KrmFunction<RemapNamespaceSubjectsConfig> = {
  name: 'remap-namespace-subjects',
  kind: 'RemapNamespaceSubjects',
  description:
    'Under a namespace mapping, rewrites the service account users, groups and subjects of SecurityContextConstraints, RoleBindings and ClusterRoleBindings to the target namespaces.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    const mapping = effectiveMapping(config.namespaceMapping);
    if (typeof mapping === 'string') {
      context.error(mapping);
      return;
    }
    if (mapping.size === 0) {
      context.info('namespaceMapping is empty: no subject was changed');
      return;
    }
    for (const item of items) {
      for (const target of targetsOf(item)) new Remapper(target, mapping, context).run();
    }
  },
};
