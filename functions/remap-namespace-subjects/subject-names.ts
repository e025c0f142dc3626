/**
 * The two subject names that carry a namespace, and how a namespace mapping rewrites them.
 *
 * - A service account's user name is `system:serviceaccount:<namespace>:<name>`
 *   (`k8s.io/apiserver/pkg/authentication/serviceaccount`: `MakeUsername`, and `SplitUsername`, which
 *   accepts exactly that prefix and then exactly two non-empty parts).
 * - The group of all service accounts of a namespace is `system:serviceaccounts:<namespace>`
 *   (same package, `MakeNamespaceGroupName`); `system:serviceaccounts` alone (every service account
 *   of the cluster) names no namespace.
 *
 * openshift-velero-plugin (`velero-plugins/scc/restore.go`, `rolebindings/restore.go`
 * `SwapUserNamesNamespaces`/`SwapGroupNamesNamespaces`/`SwapSubjectNamespaces`) is looser: it splits on
 * `:`, ignores the first part, and maps the third part whenever the second is `serviceaccount` (users,
 * 3 parts or more) or `serviceaccounts` (groups, 3 parts or more). So it also rewrites
 * `system:serviceaccount:<ns>` (no account name), which its SCC backup action reads as "every service
 * account of <ns>" but which is the user name of no service account. Here only the exact forms are
 * rewritten; the looser ones whose namespace is mapped are reported (`classify` returns `unusual`).
 */

/** Source namespace → target namespace, like Velero's `Restore.spec.namespaceMapping`. */
export type NamespaceMapping = ReadonlyMap<string, string>;

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP_PREFIX = 'system:serviceaccounts:';

/** What a field holds: user names (SCC `users`, `userNames`, User subjects) or group names. */
export type NameRole = 'user' | 'group';

/**
 * How a user or group name relates to the mapping:
 * - `remap`: the exact service account form with a mapped namespace; `to` is the rewritten name;
 * - `unusual`: a name openshift-velero-plugin would rewrite (second `:` part `serviceaccount` or
 *   `serviceaccounts`, mapped third part) that is not the exact form for its role, so it is left alone;
 *   `to` is the namespace's target;
 * - `keep`: anything else (other users and groups, unmapped namespaces, `system:serviceaccounts`).
 */
export type Classification = { action: 'remap' | 'unusual'; namespace: string; to: string } | { action: 'keep' };

/**
 * Classifies `name`, expected to be a name of `role`, against `mapping`.
 * @param name e.g. `system:serviceaccount:shop:frontend` (user) or `system:serviceaccounts:shop` (group)
 */
export function classify(name: string, role: NameRole, mapping: NamespaceMapping): Classification {
  const parts = name.split(':');
  const namespace = parts[2];
  if (namespace === undefined) return { action: 'keep' };
  const target = mapping.get(namespace);
  if (target === undefined) return { action: 'keep' };
  const exact =
    role === 'user'
      ? parts.length === 4 && parts[0] === 'system' && parts[1] === 'serviceaccount' && namespace !== '' && parts[3] !== ''
      : parts.length === 3 && parts[0] === 'system' && parts[1] === 'serviceaccounts' && namespace !== '';
  if (exact) {
    parts[2] = target;
    return { action: 'remap', namespace, to: parts.join(':') };
  }
  if (parts[1] === 'serviceaccount' || parts[1] === 'serviceaccounts') return { action: 'unusual', namespace, to: target };
  return { action: 'keep' };
}
