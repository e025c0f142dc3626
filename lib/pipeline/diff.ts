/**
 * `--diff`: a dry run that shows what a restore or backup would change, item by item, as unified diffs
 * (Velero itself has had no restore dry run since vmware-tanzu/velero#448).
 *
 * Each item is shown as YAML: a YAML item as its own text (so the diff is exactly what would be
 * written), a JSON item (an archive entry) rendered as block YAML, which reads better than one line of
 * JSON.
 */
import { createTwoFilesPatch } from 'diff';
import type { KrmItem } from '../item.js';
import { renderBlockLines } from '../yaml/render.js';

/** The text an item is compared by. */
function itemText(item: KrmItem): string {
  const source = item.yamlSource;
  if (source !== undefined) return source.endsWith('\n') ? source : source + '\n';
  return renderBlockLines(item.object, 0).join('\n') + '\n';
}

/** The items' texts before a run, to diff against afterwards. */
export type Snapshot = ReadonlyMap<KrmItem, { text: string; revision: number }>;

export function snapshot(items: readonly KrmItem[]): Snapshot {
  return new Map(items.map((item) => [item, { text: itemText(item), revision: item.revision }]));
}

/** `apps/v1 Deployment shop/web` */
export function itemTitle(item: KrmItem): string {
  return `${item.apiVersion} ${item.kind} ${item.namespace ? `${item.namespace}/` : ''}${item.name}`;
}

/**
 * Unified diffs of every item that changed, was added or was removed since `before`, in output order
 * (removed items last).
 * @param origin where an item was read from (a file or archive entry), used in the diff headers
 */
export function itemDiffs(before: Snapshot, after: readonly KrmItem[], origin: (item: KrmItem) => string | undefined): string {
  const label = (item: KrmItem) => origin(item) ?? itemTitle(item);
  let out = '';
  const present = new Set(after);
  for (const item of after) {
    const old = before.get(item);
    if (old && old.revision === item.revision) continue;
    const text = itemText(item);
    if (old && old.text === text) continue;
    out += createTwoFilesPatch(old ? `a/${label(item)}` : '/dev/null', `b/${label(item)}`, old?.text ?? '', text, undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
  }
  for (const [item, old] of before) {
    if (!present.has(item)) out += createTwoFilesPatch(`a/${label(item)}`, '/dev/null', old.text, '', undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
  }
  return out;
}
