/**
 * The pipeline file: which functions run, in which stage, with which config.
 *
 * Steps follow the Kptfile `pipeline` step schema (kpt.dev/v1: `exec` or `image`, `configPath` or
 * `configMap`, `selectors`, `exclude`, `name`). Stages follow the pre/post action design of the seed
 * (oadp-operator `velero-krm-enhancement.md`, BackupItemsWithKRM / RestoreItemsWithKRM) and Kahu's plugin
 * stages: `preBackup`, `backup`, `postBackup`, `preRestore`, `restore`, `postRestore`.
 *
 * ```yaml
 * apiVersion: fn.velero-krm-functions.dev/v1alpha1
 * kind: Pipeline
 * metadata: {name: restore}
 * pipeline:
 *   preRestore:                     # run once, with the Velero Restore object, in name order
 *   - name: 10-check
 *     exec: ./check-restore.sh
 *   restore:                        # run over every item: mutators, then validators
 *     mutators:
 *     - exec: strip-route-host
 *       configMap: {hostRewrites: apps.src.example.com=apps.dst.example.com}
 * ```
 * A Kptfile (`kpt.dev/v1`, `kind: Kptfile`) is accepted too: its `pipeline` is the item stage of either
 * phase.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import pipelineSchema from '../../schemas/pipeline.schema.json' with { type: 'json' };
import { validateConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { ObjectValue } from '../item.js';
import { CONFIG_API_VERSION } from '../krm-function.js';
import type { Selector } from '../selectors.js';

/** One step as written in the file. */
export interface StepSpec {
  name?: string;
  exec?: string;
  image?: string;
  configPath?: string;
  configMap?: { [key: string]: string | number | boolean };
  selectors?: Selector[];
  exclude?: Selector[];
}

/** A Velero operation: the pipeline runs either its backup stages or its restore stages. */
export type Phase = 'backup' | 'restore';

/** The item stage of a phase: mutators run first, then validators. */
export interface ItemStage {
  mutators: StepSpec[];
  validators: StepSpec[];
}

/** The three stages of one phase. Hooks are already in alphanumeric order of their names. */
export interface PhaseStages {
  pre: StepSpec[];
  items: ItemStage;
  post: StepSpec[];
}

/** A loaded pipeline file. */
export interface Pipeline {
  name: string;
  /** The file's folder: `exec` and `configPath` are relative to it. */
  directory: string;
  /** The phases the file defines stages for. */
  phases: Phase[];
  stages(phase: Phase): PhaseStages;
}

const STAGE_KEYS: Record<Phase, { pre: string; items: string; post: string }> = {
  backup: { pre: 'preBackup', items: 'backup', post: 'postBackup' },
  restore: { pre: 'preRestore', items: 'restore', post: 'postRestore' },
};

function byName(steps: readonly StepSpec[]): StepSpec[] {
  // Code-point order ("alphanumeric"), not the locale's: the same order on every machine.
  return [...steps].sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
}

function itemStage(value: unknown): ItemStage {
  const stage = (value ?? {}) as Partial<ItemStage>;
  return { mutators: stage.mutators ?? [], validators: stage.validators ?? [] };
}

function checkUniqueHookNames(steps: readonly StepSpec[], where: string): void {
  const seen = new Set<string>();
  for (const step of steps) {
    if (seen.has(step.name!)) throw new ConfigError(`${where}: two steps are named "${step.name}"; hook steps run in name order, so names must be unique`);
    seen.add(step.name!);
  }
}

/**
 * Builds a pipeline from a parsed file.
 * @param directory the folder relative paths in the file are resolved against
 * @param source names the file in error messages
 * @throws ConfigError naming the field, e.g. `pipeline file p.yaml field pipeline.restore.mutators[0]: give exactly one of exec or image`
 */
export function pipelineFrom(value: unknown, directory: string, source: string): Pipeline {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`pipeline file ${source}: expected a Pipeline (apiVersion ${CONFIG_API_VERSION}) or a Kptfile`);
  }
  const object = value as ObjectValue;
  const name = String((object.metadata as ObjectValue | undefined)?.name ?? source);
  if (object.kind === 'Kptfile') {
    // Checked as the item stage of a Pipeline, so both files get the same rules and messages.
    const asPipeline = { apiVersion: CONFIG_API_VERSION, kind: 'Pipeline', pipeline: { restore: object.pipeline ?? {} } } as ObjectValue;
    validateConfig(pipelineSchema, asPipeline, '', `Kptfile ${source}`);
    const stages = { pre: [], items: itemStage((asPipeline.pipeline as ObjectValue).restore), post: [] };
    return { name, directory, phases: ['backup', 'restore'], stages: () => stages };
  }
  validateConfig(pipelineSchema, object, '', `pipeline file ${source}`);
  const pipeline = object.pipeline as ObjectValue;
  const phases = (['backup', 'restore'] as const).filter((phase) => Object.values(STAGE_KEYS[phase]).some((key) => key in pipeline));
  const stages = new Map<Phase, PhaseStages>();
  for (const phase of phases) {
    const keys = STAGE_KEYS[phase];
    const pre = (pipeline[keys.pre] ?? []) as unknown as StepSpec[];
    const post = (pipeline[keys.post] ?? []) as unknown as StepSpec[];
    checkUniqueHookNames(pre, `pipeline file ${source} field pipeline.${keys.pre}`);
    checkUniqueHookNames(post, `pipeline file ${source} field pipeline.${keys.post}`);
    stages.set(phase, { pre: byName(pre), items: itemStage(pipeline[keys.items]), post: byName(post) });
  }
  return {
    name,
    directory,
    phases,
    stages: (phase) => {
      const found = stages.get(phase);
      if (!found) throw new ConfigError(`pipeline ${name} has no ${phase} stages (it defines: ${phases.join(', ')})`);
      return found;
    },
  };
}

/**
 * Reads a pipeline file (YAML).
 * @throws ConfigError when the file cannot be read or is not a valid pipeline
 */
export function readPipelineFile(path: string): Pipeline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read pipeline file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { version: '1.1', maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`pipeline file ${path}: ${(error as Error).message}`);
  }
  return pipelineFrom(value, dirname(resolve(path)), path);
}
