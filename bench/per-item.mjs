/**
 * (b) The per-item plugin model: every item goes through every restore step on its own, one process per
 * item per step (as a Velero RestoreItemAction plugin calling one executable per item: OADP's
 * openshift-velero-plugin PR #160 ran one exec per item per plugin). Each step is run as a kustomize
 * legacy exec plugin: its ConfigMap file as the first argument, the item on stdin, the item on stdout
 * (the input of the next step).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checked, measure } from './measure.mjs';

/** A seeded shuffle (mulberry32), so a sample is random but the same from run to run. */
function shuffled(count, seed) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: count }, (_, index) => index);
  for (let index = count - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other], order[index]];
  }
  return order;
}

/**
 * Runs the documents, in a random order, through the steps, until all are done or, once `minSample`
 * are done, the projected total exceeds `budgetMs`.
 * @param documents the items, each a YAML document
 * @param steps from restoreSteps()
 * @returns { ms: measured total, or projected linearly to every item; sampled: items run; processes;
 * rssKiB: the largest peak of a step process }
 */
export async function runPerItem(documents, steps, { work, budgetMs, minSample }) {
  const configs = steps.map((step) => {
    if (Object.keys(step.data).length === 0) return [];
    const path = join(work, `${step.name}.config.yaml`);
    writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: step.name }, data: step.data }));
    return [path];
  });
  let ms = 0;
  let rssKiB = 0;
  let processes = 0;
  let sampled = 0;
  for (const index of shuffled(documents.length, 42)) {
    let text = documents[index];
    for (const [position, step] of steps.entries()) {
      if (text.trim() === '') break; // the item was removed (a DataMoverBackup, once restored)
      const result = checked(await measure(step.executable, configs[position], { node: true, input: text, work }), `${step.name} on item ${index}`);
      ms += result.ms;
      rssKiB = Math.max(rssKiB, result.rssKiB);
      processes += 1;
      text = result.stdout;
    }
    sampled += 1;
    if (sampled >= minSample && (ms / sampled) * documents.length > budgetMs) break;
  }
  return { ms: (ms / sampled) * documents.length, sampled, processes, rssKiB };
}
