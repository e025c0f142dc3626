/** The progress bar (lib/pipeline/progress.ts) draws only on a terminal, for large inputs, when allowed. */
import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { createProgress, PROGRESS_THRESHOLD } from '../lib/pipeline/progress.js';

function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, written: () => text };
}

function drive(stream: NodeJS.WriteStream, items: number, enabled: boolean): void {
  const progress = createProgress(stream, items, enabled);
  progress.step({ stage: 'restore', name: 'strip-route-host', index: 0, total: 2 });
  progress.step({ stage: 'restore', name: 'unquiesce-workloads', index: 1, total: 2 });
  progress.stop();
}

test.each([
  [true, PROGRESS_THRESHOLD, true, true],
  [false, PROGRESS_THRESHOLD, true, false],
  [true, PROGRESS_THRESHOLD - 1, true, false],
  [true, PROGRESS_THRESHOLD, false, false],
])('TTY %s, %i items, enabled %s: draws %s', (isTTY, items, enabled, draws) => {
  const { stream, written } = terminal(isTTY);
  drive(stream, items, enabled);
  if (draws) expect(written()).toContain(`steps | ${items} items | restore/strip-route-host`);
  else expect(written()).toBe('');
});
