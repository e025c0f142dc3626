/**
 * Item selection with kpt's semantics (Kptfile `pipeline[].selectors` / `exclude`, and the
 * `--match-*` / `--exclude-*` flags of `kpt fn eval`): inside one selector every field that is set must
 * match exactly, and labels/annotations must all be present with equal values; a list of selectors
 * matches when any of its selectors does; excluded items are taken out of the selected ones.
 *
 * Items marked `config.kubernetes.io/local-config: "true"` (the Kptfile, function configs that kpt also
 * sends as items) are never selected: they are not cluster resources.
 */
import type { KrmItem } from './item.js';

export interface Selector {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
}

function matchesAll(wanted: { [key: string]: string } | undefined, get: (key: string) => string | undefined): boolean {
  if (!wanted) return true;
  return Object.keys(wanted).every((key) => get(key) === wanted[key]);
}

/** True when `item` matches every field set in `selector`. */
export function matches(item: KrmItem, selector: Selector): boolean {
  return (
    (selector.apiVersion === undefined || selector.apiVersion === item.apiVersion) &&
    (selector.kind === undefined || selector.kind === item.kind) &&
    (selector.name === undefined || selector.name === item.name) &&
    (selector.namespace === undefined || selector.namespace === item.namespace) &&
    matchesAll(selector.labels, (key) => item.label(key)) &&
    matchesAll(selector.annotations, (key) => item.annotation(key))
  );
}

/** True for the Kptfile and other items not meant for a cluster. */
export function isLocalConfig(item: KrmItem): boolean {
  return item.annotation('config.kubernetes.io/local-config') === 'true';
}

/**
 * The items a function processes.
 * @param selectors when non-empty, an item must match one of them
 * @param exclude an item matching one of these is left out
 */
export function selectItems(items: readonly KrmItem[], selectors: readonly Selector[] = [], exclude: readonly Selector[] = []): KrmItem[] {
  return items.filter(
    (item) =>
      !isLocalConfig(item) &&
      (selectors.length === 0 || selectors.some((selector) => matches(item, selector))) &&
      !exclude.some((selector) => matches(item, selector)),
  );
}
