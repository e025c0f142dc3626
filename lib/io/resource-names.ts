/**
 * Resource names for kinds, as Velero's backup layout needs them: a backup stores an item under its
 * group-resource (`deployments.apps`), which the API server's discovery provides and a manifest does not.
 * For an item that has no directory yet, the resource is guessed from the kind.
 */

/**
 * Kinds whose real resource name the plural rule gets wrong. `SecurityContextConstraints` is already
 * plural (`oc api-resources`: `securitycontextconstraints` in `security.openshift.io`).
 */
const IRREGULAR_RESOURCES: ReadonlyMap<string, string> = new Map([['securitycontextconstraints', 'securitycontextconstraints']]);

/**
 * The plural resource name for a kind: `NetworkPolicy` → `networkpolicies`, `Ingress` → `ingresses`.
 *
 * The rule is kubectl's `UnsafeGuessKindToResource` (k8s.io/apimachinery/pkg/api/meta/restmapper.go):
 * lower-case the kind; a kind ending in `endpoints` stays as is; ending in `s` → `+es`; ending in `y` →
 * `ies`; else `+s`. Two corrections, both toward the names real APIs register: `y` after a vowel takes
 * `+s` (`Gateway` → `gateways`, `Key` → `keys`, where upstream would say `gatewaies`), and the kinds in
 * `IRREGULAR_RESOURCES` (`SecurityContextConstraints`) keep their registered name.
 * @returns `` for an empty kind
 */
export function guessResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular === '') return '';
  const irregular = IRREGULAR_RESOURCES.get(singular);
  if (irregular !== undefined) return irregular;
  if (singular.endsWith('endpoints')) return singular;
  if (singular.endsWith('s')) return `${singular}es`;
  if (/[^aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/**
 * Velero's directory name for a resource: `schema.GroupResource.String()`, that is `resource.group`,
 * or the bare resource for the core group (`pods`, `deployments.apps`, `routes.route.openshift.io`).
 */
export function groupResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** The API group a group-resource directory name stands for: `apps` for `deployments.apps`, `` for `pods`. */
export function groupOfGroupResource(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1);
}
