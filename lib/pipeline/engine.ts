/**
 * The batched pipeline: every item of a backup, parsed once, through every step of a phase in one
 * process, serialized once (the BackupItemsWithKRM / RestoreItemsWithKRM idea of the seed's design,
 * oadp-operator `docs/design/velero-krm-enhancement.md`, phase 2).
 *
 * Order of a run, as Velero runs its own hooks and the seed's pre/post actions:
 * 1. pre steps (`preBackup`/`preRestore`), once each, with the Backup or Restore object as their only
 *    item, in alphanumeric order of their names; an error stops the run before any item is processed;
 * 2. the item stage: mutators, then validators, each over every item (a step's selectors pick what it
 *    sees); a failing step stops the stage (as `kpt fn render` does); a validator that changes items fails;
 * 3. `commit`: the caller writes the output, only when 1 and 2 had no error;
 * 4. post steps (`postBackup`/`postRestore`), always, with the object and a Velero-like `status`; their
 *    errors and warnings count in the summary and fail the run, but cannot undo the commit.
 * Pre and post steps' changes to the object are not kept: they only report.
 */
import { KrmItem, type ObjectValue } from '../item.js';
import { itemResult, type Result } from '../results.js';
import type { Phase, Pipeline, StepSpec } from './pipeline-file.js';
import { countResults, runStep, stepName, type ConfigOverrides, type FunctionRegistry, type StepEnvironment, type StepReport } from './run-step.js';
import { withStatus, type OperationPhase } from './velero-operation.js';

/** Everything a run needs. */
export interface PipelineRunOptions {
  pipeline: Pipeline;
  phase: Phase;
  /** The items, in order; the run edits them in place. */
  items: readonly KrmItem[];
  /** The collection: steps naming one of these run in process. */
  functions: FunctionRegistry;
  /** The Velero Backup or Restore object the pre and post steps receive. */
  operation: ObjectValue;
  /** Config fields that win over every step's own (the command line's). */
  overrides?: ConfigOverrides;
  /** Config fields for steps that do not set them (what the Velero object implies). */
  defaults?: ConfigOverrides;
  /** Limits for exec and image steps (milliseconds, bytes). */
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Writes the output; called once, only when no pre or item step failed. An error it throws fails the run. */
  commit?: (items: readonly KrmItem[], results: readonly Result[]) => Promise<void>;
  /** Told before each step starts, e.g. to move a progress bar. */
  onStep?: (step: { stage: string; name: string; index: number; total: number }) => void;
  /** The clock, for the status timestamps. */
  now?: () => Date;
}

/** What a run did. */
export interface PipelineOutcome {
  /** The items after the item stage (as far as it got). */
  items: KrmItem[];
  /** Every step's results, in step order. */
  results: Result[];
  steps: StepReport[];
  /** True when a step reported an error (or the commit failed); false means the output was committed. */
  failed: boolean;
  /** True when `commit` ran and succeeded. */
  committed: boolean;
  /** The Backup or Restore object with its final status. */
  operation: ObjectValue;
}

function failed(report: StepReport): boolean {
  return report.results.some((result) => result.severity === 'error');
}

/** Runs one phase of a pipeline. Never throws for a failing step: see `PipelineOutcome.failed`. */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineOutcome> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const stages = options.pipeline.stages(options.phase);
  const environment: StepEnvironment = {
    functions: options.functions,
    directory: options.pipeline.directory,
    overrides: options.overrides ?? {},
    ...(options.defaults && { defaults: options.defaults }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.maxOutputBytes !== undefined && { maxOutputBytes: options.maxOutputBytes }),
  };
  const preStage = options.phase === 'backup' ? 'preBackup' : 'preRestore';
  const postStage = options.phase === 'backup' ? 'postBackup' : 'postRestore';
  const plan: Array<{ stage: string; step: StepSpec; validator?: boolean }> = [
    ...stages.pre.map((step) => ({ stage: preStage, step })),
    ...stages.items.mutators.map((step) => ({ stage: options.phase, step })),
    ...stages.items.validators.map((step) => ({ stage: options.phase, step, validator: true })),
    ...stages.post.map((step) => ({ stage: postStage, step })),
  ];
  const reports: StepReport[] = [];
  let items = [...options.items];
  let operationPhase: OperationPhase = 'Completed';
  let index = 0;
  const announce = (stage: string, step: StepSpec) => options.onStep?.({ stage, name: stepName(step), index: index++, total: plan.length });

  for (const { step } of plan.filter((entry) => entry.stage === preStage)) {
    announce(preStage, step);
    const { report } = await runStep(preStage, step, [new KrmItem(structuredClone(options.operation), 'new')], environment);
    reports.push(report);
    if (failed(report)) {
      operationPhase = 'FailedValidation';
      break;
    }
  }
  if (operationPhase === 'Completed') {
    for (const { stage, step, validator } of plan.filter((entry) => entry.stage === options.phase)) {
      announce(stage, step);
      const ran = await runStep(stage, step, items, environment);
      if (validator && (ran.report.changed > 0 || ran.report.added > 0 || ran.report.removed > 0)) {
        ran.report.results.push(itemResult('error', `validator ${ran.report.name} changed items (${ran.report.changed} changed, ${ran.report.added} added, ${ran.report.removed} removed); validators must only report`));
      }
      reports.push(ran.report);
      items = ran.items;
      if (failed(ran.report)) {
        operationPhase = 'Failed';
        break;
      }
    }
  }
  let committed = false;
  if (operationPhase === 'Completed' && options.commit) {
    try {
      await options.commit(items, reports.flatMap((report) => report.results));
      committed = true;
    } catch (error) {
      operationPhase = 'Failed';
      reports.push({ stage: options.phase, name: 'write output', runner: 'in-process', items: items.length, changed: 0, added: 0, removed: 0, results: [itemResult('error', (error as Error).message)], durationMs: 0 });
    }
  }
  const counts = countResults(reports.flatMap((report) => report.results));
  const operation = withStatus(options.phase, options.operation, {
    phase: operationPhase,
    started,
    completed: now(),
    errors: counts.error,
    warnings: counts.warning,
    totalItems: options.items.length,
    itemsDone: committed ? items.length : 0,
  });
  for (const { step } of plan.filter((entry) => entry.stage === postStage)) {
    announce(postStage, step);
    const { report } = await runStep(postStage, step, [new KrmItem(structuredClone(operation), 'new')], environment);
    reports.push(report);
  }
  const results = reports.flatMap((report) => report.results);
  return { items, results, steps: reports, failed: results.some((result) => result.severity === 'error'), committed, operation };
}
