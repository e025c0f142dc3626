/**
 * The function runtime: config → selection → run → results → output and exit code. One code path for
 * every executable of the collection (and for the pipeline, which calls `runFunction` directly).
 *
 * Safety rules, from how kpt 1.0 and kustomize v5 treat a function's output (see the README):
 * - stdout holds only the output (a ResourceList, List or stream, in the input's format), and nothing at
 *   all when the input could not be read or the function failed: kpt deletes every package file when a
 *   function exits 0 with empty output, so a failure always exits 1;
 * - any `error` result exits 1 (kpt and kustomize look only at the exit code); a ResourceList is still
 *   written with its results, so kpt can show them;
 * - every result is also printed as one line on stderr (kustomize never shows results).
 */
import { parse as parseYaml } from 'yaml';
import { readConfig, type ConfigSource } from './config.js';
import { ConfigError, InputError } from './errors.js';
import { readInput } from './io/read.js';
import { KrmItem, type ObjectValue } from './item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from './krm-function.js';
import { formatResult, hasErrors, itemResult, type Result } from './results.js';
import { selectItems } from './selectors.js';

/** What a function run produced. */
export interface RunOutcome {
  items: KrmItem[];
  results: Result[];
}

/**
 * Runs `fn` over already-read items: selects (config selectors, no local-config items), runs, and
 * collects results and added/removed items. Errors thrown by the function propagate.
 */
export function runFunction<Config extends SelectionConfig>(fn: KrmFunction<Config>, items: readonly KrmItem[], config: Config): RunOutcome {
  const results: Result[] = [];
  const added: KrmItem[] = [];
  const removed = new Set<KrmItem>();
  const context: FunctionContext = {
    allItems: items,
    results,
    info: (message, item, options) => results.push(itemResult('info', message, item, options)),
    warning: (message, item, options) => results.push(itemResult('warning', message, item, options)),
    error: (message, item, options) => results.push(itemResult('error', message, item, options)),
    add: (object: ObjectValue) => {
      const item = new KrmItem(object, 'new');
      added.push(item);
      return item;
    },
    remove: (item: KrmItem) => {
      removed.add(item);
    },
  };
  fn.run(selectItems(items, config.selectors, config.exclude), config, context);
  return { items: [...items, ...added].filter((item) => !removed.has(item)), results };
}

/** One invocation's outcome, ready to be written to the process streams. */
export interface Invocation {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A config file given as the first argument (the kustomize legacy exec-plugin protocol). */
export interface ConfigFile {
  path: string;
  text: string;
}

function readConfigFile(file: ConfigFile): ObjectValue {
  let value: unknown;
  try {
    value = parseYaml(file.text, { version: '1.1', maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`config file ${file.path}: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config file ${file.path}: expected a Kubernetes object (a ConfigMap or a typed config)`);
  }
  return value as ObjectValue;
}

function stderrOf(results: readonly Result[], name: string): string {
  return results.map((result) => `${name}: ${formatResult(result)}\n`).join('');
}

/**
 * Processes one invocation of `fn`: reads `stdin`, takes its config from `configFile` when given, else
 * from the ResourceList's functionConfig, else defaults; runs; serializes.
 */
export function processInvocation<Config extends SelectionConfig>(fn: KrmFunction<Config>, stdin: string, configFile?: ConfigFile): Invocation {
  let input;
  try {
    input = readInput(stdin);
  } catch (error) {
    if (error instanceof InputError) return { stdout: '', stderr: `${fn.name}: [error]: ${error.message}\n`, exitCode: 1 };
    throw error;
  }
  let config: Config;
  try {
    const source: ConfigSource = configFile ? 'file' : 'resource-list';
    config = readConfig<Config>(fn, configFile ? readConfigFile(configFile) : input.functionConfig, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const results = [itemResult('error', error.message)];
    const stdout = input.shape === 'resource-list' ? [...input.serialize(input.items, results)].join('') : '';
    return { stdout, stderr: stderrOf(results, fn.name), exitCode: 1 };
  }
  let outcome: RunOutcome;
  try {
    outcome = runFunction(fn, input.items, config);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { stdout: '', stderr: `${fn.name}: [error]: ${message}\n`, exitCode: 1 };
  }
  const failed = hasErrors(outcome.results);
  const stdout = failed && input.shape !== 'resource-list' ? '' : [...input.serialize(outcome.items, outcome.results)].join('');
  return { stdout, stderr: stderrOf(outcome.results, fn.name), exitCode: failed ? 1 : 0 };
}
