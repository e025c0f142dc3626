/**
 * The per-step summary printed at the end of a pipeline run: items seen, changed, added, removed, and
 * results by severity, one row per step, then the totals and the Velero status phase.
 */
import { countResults, type StepReport } from './run-step.js';

function duration(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(2)} s`;
}

/** Left-aligns the first two columns and right-aligns the numbers. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * The summary text.
 * @param items the number of items read and written
 * @param phase the run's Velero status phase (`Completed`, `Failed`, `FailedValidation`)
 */
export function formatSummary(steps: readonly StepReport[], items: { read: number; written: number | undefined }, phase: string): string {
  const rows = [['stage', 'step', 'runner', 'items', 'changed', 'added', 'removed', 'errors', 'warnings', 'info', 'time']];
  for (const step of steps) {
    const counts = countResults(step.results);
    rows.push([step.stage, step.name, step.runner, ...[step.items, step.changed, step.added, step.removed, counts.error, counts.warning, counts.info].map(String), duration(step.durationMs)]);
  }
  const totals = countResults(steps.flatMap((step) => step.results));
  const written = items.written === undefined ? 'nothing written' : `${items.written} written`;
  return (
    (steps.length > 0 ? table(rows) : 'no steps ran\n') +
    `${phase}: ${items.read} items read, ${written}; ${totals.error} errors, ${totals.warning} warnings, ${totals.info} info\n`
  );
}
