/**
 * A progress bar on stderr for long runs (cli-progress): shown only when stderr is a terminal and the
 * input is large, so pipes, CI logs and small runs stay quiet.
 */
import { Presets, SingleBar } from 'cli-progress';

/** Inputs with fewer items than this finish too fast for a bar to help. */
export const PROGRESS_THRESHOLD = 5000;

export interface Progress {
  /** Moves the bar to step `index` (0-based) of `total`, labelled with the step's stage and name. */
  step(step: { stage: string; name: string; index: number; total: number }): void;
  stop(): void;
}

const quiet: Progress = { step: () => undefined, stop: () => undefined };

/** A bar when `stream` is a TTY and `items` reaches the threshold; otherwise one that prints nothing. */
export function createProgress(stream: NodeJS.WriteStream, items: number, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY || items < PROGRESS_THRESHOLD) return quiet;
  const bar = new SingleBar({ stream, format: `{bar} {value}/{total} steps | ${items} items | {label}`, clearOnComplete: true, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    step: ({ stage, name, index, total }) => {
      if (!started) {
        bar.start(total, index, { label: `${stage}/${name}` });
        started = true;
      } else bar.update(index, { label: `${stage}/${name}` });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
