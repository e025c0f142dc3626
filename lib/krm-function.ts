/**
 * The contract between a function of this collection and the runtime that runs it (the single-function
 * executables and the pipeline alike), in the spirit of kyaml's `fn/framework`: a function is a value
 * that takes the selected items and a validated config and changes the items through their edit API;
 * results are data, and the runtime decides how they leave the process.
 */
import type { KrmItem, ObjectValue } from './item.js';
import type { ItemResultOptions, Result } from './results.js';
import type { Selector } from './selectors.js';

/** The API group and version of every typed functionConfig kind in this collection. */
export const CONFIG_API_VERSION = 'fn.velero-krm-functions.dev/v1alpha1';

/** Fields every function accepts, from the shared selector schema. */
export interface SelectionConfig {
  selectors?: Selector[];
  exclude?: Selector[];
}

/** What a function may do besides changing items: report results, add and remove items. */
export interface FunctionContext {
  /** Every item of the input, selected or not, e.g. to look up the VolumeSnapshot of a claim. */
  readonly allItems: readonly KrmItem[];
  info(message: string, item?: KrmItem, options?: ItemResultOptions): void;
  warning(message: string, item?: KrmItem, options?: ItemResultOptions): void;
  error(message: string, item?: KrmItem, options?: ItemResultOptions): void;
  /** Adds a new item to the output (appended after the existing ones). */
  add(object: ObjectValue): KrmItem;
  /** Removes an item from the output. */
  remove(item: KrmItem): void;
  readonly results: readonly Result[];
}

export interface KrmFunction<Config extends SelectionConfig = SelectionConfig> {
  /** Executable and folder name, e.g. `strip-route-host`. */
  readonly name: string;
  /** Typed functionConfig kind, e.g. `StripRouteHost` (apiVersion `CONFIG_API_VERSION`). */
  readonly kind: string;
  /** One line on what the function does. */
  readonly description: string;
  /** `mutator` changes items; `validator` only reports. */
  readonly type: 'mutator' | 'validator';
  /** JSON Schema of the config fields (without apiVersion/kind/metadata). */
  readonly schema: object;
  /**
   * Transforms the selected items in place.
   * @param items the items that pass the config's selectors, minus local-config items
   */
  run(items: readonly KrmItem[], config: Config, context: FunctionContext): void;
}
