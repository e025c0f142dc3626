/**
 * Runs one pipeline step over the items: in process when the step names a function of the collection
 * (the same `runFunction` the single-function executables use: no spawn, no re-parse), else as a child
 * process (`exec`) or a container (`image`) speaking ResourceList on stdin/stdout.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fromConfigMapString, readConfig, type SchemaNode } from '../config.js';
import { ConfigError } from '../errors.js';
import type { KrmItem, ObjectValue } from '../item.js';
import type { KrmFunction, SelectionConfig } from '../krm-function.js';
import { itemResult, type Result, type Severity } from '../results.js';
import { runFunction, type RunOutcome } from '../runtime.js';
import { selectItems } from '../selectors.js';
import { runExternalStep, type ExternalCommand } from './external-step.js';
import type { StepSpec } from './pipeline-file.js';

/** The functions a pipeline can run in process, by name (the collection's registry). */
export type FunctionRegistry = ReadonlyArray<KrmFunction<SelectionConfig & never>>;

/**
 * Config fields set from the command line (`--set key=value`, `--namespace-mapping`), as ConfigMap
 * strings (lib/config.ts conventions). A field is set on every in-process step whose function declares
 * it in its schema, and on every other step whose `configMap` already has the key.
 */
export type ConfigOverrides = { readonly [key: string]: string };

/** What a step needs besides the items. */
export interface StepEnvironment {
  functions: FunctionRegistry;
  /** The pipeline file's folder. */
  directory: string;
  /** Fields that win over the step's own config (the command line). */
  overrides: ConfigOverrides;
  /** Fields for steps that do not set them (what the Velero object implies), in the same form. */
  defaults?: ConfigOverrides;
  /** Limits for `exec` and `image` steps. */
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** How a step ran. */
export type StepRunner = 'in-process' | 'exec' | 'image';

/** What one step did, for the summary. */
export interface StepReport {
  stage: string;
  name: string;
  runner: StepRunner;
  /** Items given to the step (after its selectors and local-config filtering). */
  items: number;
  /** Items the step changed, added and removed. */
  changed: number;
  added: number;
  removed: number;
  results: Result[];
  /** Wall-clock time of the step, in milliseconds. */
  durationMs: number;
}

/** The step's display name: its `name`, else the function's file or image name. */
export function stepName(step: StepSpec): string {
  if (step.name) return step.name;
  if (step.exec) return basename(step.exec.trim().split(/\s+/)[0]!);
  return imageName(step.image!).repository.split('/').pop()!;
}

function imageName(image: string): { repository: string } {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return { repository: colon > slash ? withoutDigest.slice(0, colon) : withoutDigest };
}

/**
 * The collection function a step names, if any: `exec:` with a single word whose file name is a
 * function's (`strip-route-host`, `dist/bin/strip-route-host`), or `image:` whose repository ends in
 * `velero-krm-functions/<function>` (any registry, tag or digest; the images `npm run dockerfiles` builds).
 */
export function collectionFunction(step: StepSpec, functions: FunctionRegistry): KrmFunction<SelectionConfig & never> | undefined {
  let name: string | undefined;
  if (step.exec) {
    const words = step.exec.trim().split(/\s+/);
    if (words.length === 1) name = basename(words[0]!);
  } else if (step.image) {
    const segments = imageName(step.image).repository.split('/');
    if (segments.length >= 2 && segments[segments.length - 2] === 'velero-krm-functions') name = segments[segments.length - 1];
  }
  return name === undefined ? undefined : functions.find((fn) => fn.name === name);
}

function configMapOf(name: string, data: { [key: string]: string }): ObjectValue {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

function readConfigPath(step: StepSpec, directory: string): ObjectValue {
  const path = resolve(directory, step.configPath!);
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'), { version: '1.1', maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`configPath ${step.configPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`configPath ${step.configPath}: expected a functionConfig object`);
  return value as ObjectValue;
}

/**
 * The functionConfig object a step passes. Overrides are set on, and defaults added to (where the step
 * does not set the field itself), the fields the function takes: for a function of the collection, the
 * fields its schema declares; for any other function, only overrides, of the keys its ConfigMap has.
 */
function functionConfigOf(step: StepSpec, name: string, environment: StepEnvironment, fn: KrmFunction<SelectionConfig & never> | undefined): ObjectValue | undefined {
  const schema = fn?.schema as SchemaNode | undefined;
  const settings = [
    ...Object.entries(environment.defaults ?? {}).map(([key, value]) => ({ key, value, wins: false })),
    ...Object.entries(environment.overrides).map(([key, value]) => ({ key, value, wins: true })),
  ];
  const applies = (key: string, wins: boolean, present: object) => (schema ? schema.properties?.[key] !== undefined && (wins || !(key in present)) : wins && key in present);
  if (step.configPath) {
    const config = readConfigPath(step, environment.directory);
    if (config.kind === 'ConfigMap') {
      const data = { ...((config.data as { [key: string]: string } | undefined) ?? {}) };
      for (const { key, value, wins } of settings) if (applies(key, wins, data)) data[key] = value;
      return { ...config, data };
    }
    const fields = { ...config };
    if (schema) for (const { key, value, wins } of settings) if (applies(key, wins, fields)) fields[key] = fromConfigMapString(key, value, schema.properties![key], schema);
    return fields;
  }
  const data: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(step.configMap ?? {})) data[key] = String(value);
  for (const { key, value, wins } of settings) if (applies(key, wins, data)) data[key] = value;
  return step.configMap || Object.keys(data).length > 0 ? configMapOf(name, data) : undefined;
}

/** Puts a step's changes back into the whole list: removed items go, added items are appended. */
function merge(all: readonly KrmItem[], selected: readonly KrmItem[], outcome: RunOutcome): { items: KrmItem[]; added: number; removed: Set<KrmItem> } {
  const returned = new Set(outcome.items);
  const removed = new Set(selected.filter((item) => !returned.has(item)));
  const given = new Set(selected);
  const added = outcome.items.filter((item) => !given.has(item));
  const kept = removed.size === 0 ? [...all] : all.filter((item) => !removed.has(item));
  return { items: [...kept, ...added], added: added.length, removed };
}

function inProcess(fn: KrmFunction<SelectionConfig & never>, selected: readonly KrmItem[], functionConfig: ObjectValue | undefined): RunOutcome {
  try {
    return runFunction(fn, selected, readConfig(fn, functionConfig, 'file'));
  } catch (error) {
    // A bad config, or a function that crashed: the step fails, the pipeline goes on to report it.
    return { items: [...selected], results: [itemResult('error', error instanceof Error ? error.message : String(error))] };
  }
}

/**
 * Runs `step` over `items` (the whole list; the step's selectors pick what it sees).
 * @returns the new item list and the step's report; a failing step (error results, a crash, a bad
 * config) reports `error` results and leaves the items as the step found them where it could
 */
export async function runStep(stage: string, step: StepSpec, items: readonly KrmItem[], environment: StepEnvironment): Promise<{ items: KrmItem[]; report: StepReport }> {
  const started = performance.now();
  const name = stepName(step);
  const fn = collectionFunction(step, environment.functions);
  const runner: StepRunner = fn ? 'in-process' : step.exec ? 'exec' : 'image';
  const selected = selectItems(items, step.selectors, step.exclude);
  const revisions = new Map(selected.map((item) => [item, item.revision]));
  let outcome: RunOutcome;
  try {
    const functionConfig = functionConfigOf(step, name, environment, fn);
    if (fn) outcome = inProcess(fn, selected, functionConfig);
    else {
      const command: ExternalCommand = step.exec ? { exec: step.exec } : { image: step.image! };
      outcome = await runExternalStep(command, selected, functionConfig, {
        cwd: environment.directory,
        ...(environment.timeoutMs !== undefined && { timeoutMs: environment.timeoutMs }),
        ...(environment.maxOutputBytes !== undefined && { maxOutputBytes: environment.maxOutputBytes }),
      });
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    outcome = { items: [...selected], results: [itemResult('error', error.message)] };
  }
  const merged = merge(items, selected, outcome);
  let changed = 0;
  for (const [item, revision] of revisions) if (item.revision !== revision && !merged.removed.has(item)) changed += 1;
  const report: StepReport = {
    stage,
    name,
    runner,
    items: selected.length,
    changed,
    added: merged.added,
    removed: merged.removed.size,
    results: outcome.results,
    durationMs: performance.now() - started,
  };
  return { items: merged.items, report };
}

/** Counts a report's results by severity. */
export function countResults(results: readonly Result[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const result of results) counts[result.severity] += 1;
  return counts;
}
