/**
 * How one image reference is rewritten: the registry part by the longest matching registry mapping,
 * and, for references into the source cluster's internal registry, the namespace segment by the
 * namespace mapping. Pure functions over parsed references; `function.ts` decides which fields of which
 * kinds hold references and where the rules come from.
 */
import { covers, DOCKER_HUB, parseRegistryPrefix, type ImageReference, type RegistryPrefix } from './image-reference.js';

/** One entry of `registryMappings`. */
export interface RegistryMapping {
  /** Registry host with an optional path, e.g. `quay.io/team` or `172.30.1.1:5000`. */
  from: string;
  /** What replaces `from`, e.g. `mirror.example.com/team`. */
  to: string;
}

/** Where a registry rewrite came from, for the result messages. */
export type RegistryRuleSource = 'registryMappings' | 'annotations';

/** A registry rewrite rule with its `from` parsed. */
export interface RegistryRule {
  readonly from: RegistryPrefix;
  /** Written as given. */
  readonly to: string;
  readonly source: RegistryRuleSource;
}

/** The rules for the references of one item. */
export interface ReferenceRules {
  /** The config's `registryMappings`, parsed. */
  readonly registryMappings: readonly RegistryRule[];
  /** Hosts (with port, lowercased) of the source cluster's internal registry. */
  readonly internalRegistries: ReadonlySet<string>;
  /**
   * The destination cluster's internal registry host (the item's `openshift.io/restore-registry-hostname`),
   * used for internal references that no `registryMappings` entry covers.
   */
  readonly destinationRegistry: string | undefined;
  /** Source namespace → destination namespace. */
  readonly namespaceMapping: { readonly [source: string]: string };
}

/** A rewritten reference and the rules that produced it. */
export interface ReferenceRewrite {
  readonly value: string;
  /** The registry rule used: a `registryMappings` entry, or internal registry → destination registry. */
  readonly registry?: { readonly from: string; readonly to: string; readonly source: RegistryRuleSource };
  /** The namespace segment, when the namespace mapping changed it. */
  readonly namespace?: { readonly from: string; readonly to: string };
  /** True when the reference is into the source cluster's internal registry. */
  readonly internal: boolean;
}

/** Parses the config's `registryMappings` (validated by the schema already). */
export function registryRules(mappings: readonly RegistryMapping[]): RegistryRule[] {
  return mappings.map((mapping) => ({ from: parseRegistryPrefix(mapping.from), to: mapping.to, source: 'registryMappings' }));
}

/** The entry whose `from` covers the reference on the most path segments. */
export function longestMatch(rules: readonly RegistryRule[], reference: Pick<ImageReference, 'domain' | 'path'>): RegistryRule | undefined {
  let best: RegistryRule | undefined;
  for (const rule of rules) {
    if (covers(rule.from, reference) && (!best || rule.from.path.length > best.from.path.length)) best = rule;
  }
  return best;
}

/** The namespace a mapping gives `namespace`, or undefined when it maps it nowhere else. */
export function mappedNamespace(namespaceMapping: ReferenceRules['namespaceMapping'], namespace: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(namespaceMapping, namespace)) return undefined;
  const target = namespaceMapping[namespace];
  return target === undefined || target === '' || target === namespace ? undefined : target;
}

/**
 * Rewrites one reference.
 *
 * 1. The `registryMappings` entry whose `from` covers the reference on the most segments replaces that
 *    prefix with its `to`.
 * 2. Otherwise a reference into an internal registry moves to `destinationRegistry`, or stays on its host.
 * 3. For a reference into an internal registry (`<host>/<namespace>/<name>`), when the registry rule
 *    replaced the host only (not a path under it), the namespace segment is mapped with
 *    `namespaceMapping`. A reference with one path segment (`<host>/<name>`) has no namespace.
 *
 * The tag and digest are kept as written. A reference that no rule covers is left alone.
 * @returns the rewrite, or undefined when the reference does not change
 */
export function rewriteReference(reference: ImageReference, rules: ReferenceRules): ReferenceRewrite | undefined {
  const internal = rules.internalRegistries.has(reference.domain);
  const mapping = longestMatch(rules.registryMappings, reference);
  let prefix: string;
  let rest: string[];
  let registry: ReferenceRewrite['registry'];
  let namespaceApplies: boolean;
  if (mapping) {
    prefix = mapping.to;
    rest = reference.path.slice(mapping.from.path.length);
    registry = { from: mapping.from.text, to: mapping.to, source: mapping.source };
    namespaceApplies = internal && mapping.from.path.length === 0;
  } else if (internal) {
    const host = reference.writtenDomain === '' ? DOCKER_HUB : reference.writtenDomain;
    prefix = rules.destinationRegistry ?? host;
    rest = [...reference.path];
    if (rules.destinationRegistry !== undefined) registry = { from: host, to: rules.destinationRegistry, source: 'annotations' };
    namespaceApplies = true;
  } else {
    return undefined;
  }
  let namespace: ReferenceRewrite['namespace'];
  const source = rest[0];
  if (namespaceApplies && rest.length >= 2 && source !== undefined) {
    const target = mappedNamespace(rules.namespaceMapping, source);
    if (target !== undefined) {
      namespace = { from: source, to: target };
      rest[0] = target;
    }
  }
  const value = prefix + (rest.length > 0 ? `/${rest.join('/')}` : '') + reference.suffix;
  if (value === reference.text) return undefined;
  return { value, ...(registry && { registry }), ...(namespace && { namespace }), internal };
}

/** Segment-wise prefix test on parsed prefixes. */
function prefixOf(shorter: RegistryPrefix, longer: RegistryPrefix): boolean {
  return covers(shorter, longer);
}

function samePrefix(a: RegistryPrefix, b: RegistryPrefix): boolean {
  return prefixOf(a, b) && a.path.length === b.path.length;
}

/**
 * Config problems the schema cannot see, each naming the field: two `registryMappings` entries for the
 * same `from`, and mappings that chain (a result that another rule would rewrite again, so a second run
 * would change the output again: `a → b` with `b → c`, or a `to` under its own `from`).
 */
export function configProblems(mappings: readonly RegistryMapping[], namespaceMapping: ReferenceRules['namespaceMapping']): string[] {
  const problems: string[] = [];
  const parsed = mappings.map((mapping) => ({ from: parseRegistryPrefix(mapping.from), to: parseRegistryPrefix(mapping.to) }));
  const identity = (index: number) => samePrefix(parsed[index]!.from, parsed[index]!.to);
  parsed.forEach((mapping, index) => {
    parsed.forEach((other, otherIndex) => {
      if (otherIndex > index && samePrefix(mapping.from, other.from) && !samePrefix(mapping.to, other.to)) {
        problems.push(`functionConfig field registryMappings[${otherIndex}].from: ${other.from.text} is already mapped by registryMappings[${index}] to ${mapping.to.text}`);
      }
    });
    if (identity(index)) return;
    parsed.forEach((other, otherIndex) => {
      if (identity(otherIndex)) return;
      const rewrittenAgain = prefixOf(other.from, mapping.to) || (otherIndex !== index && prefixOf(mapping.to, other.from));
      if (rewrittenAgain) {
        problems.push(
          `functionConfig field registryMappings[${index}].to: ${mapping.to.text} is covered by registryMappings[${otherIndex}].from ${other.from.text}, ` +
            'so a second run would rewrite the references again; map each source straight to its final registry',
        );
      }
    });
  });
  for (const [source, target] of Object.entries(namespaceMapping)) {
    const next = mappedNamespace(namespaceMapping, target);
    if (target !== source && next !== undefined) {
      problems.push(
        `functionConfig field namespaceMapping.${source}: ${source} -> ${target} and ${target} -> ${next} chain, ` +
          'so a second run would map the namespaces again; map each source namespace straight to its final namespace',
      );
    }
  }
  return problems;
}
