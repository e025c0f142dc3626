/**
 * Output text given as parts (`Input.serialize`): written part by part, so a large output (a 250 MB
 * List of 100k items) is never one string, nor one buffer of its bytes, in memory.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bytes (roughly: UTF-16 code units) per write: large enough that there are few writes. */
const BATCH_LENGTH = 1024 * 1024;

/**
 * The parts joined into batches of at least `BATCH_LENGTH` code units (the last may be shorter, and
 * there is none for an empty output): one write each.
 */
export function* batches(parts: Iterable<string>): Generator<string> {
  let pending: string[] = [];
  let length = 0;
  for (const part of parts) {
    pending.push(part);
    length += part.length;
    if (length >= BATCH_LENGTH) {
      yield pending.join('');
      pending = [];
      length = 0;
    }
  }
  if (length > 0) yield pending.join('');
}

/**
 * Writes the parts to `path` atomically: a temporary file beside it (its folder is created), renamed
 * over `path` once complete, and removed when writing fails.
 * @throws Error from the file system (the temporary file is gone then)
 */
export function writeAtomically(path: string, parts: string | Iterable<string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const descriptor = openSync(temporary, 'w');
  try {
    try {
      for (const batch of batches(typeof parts === 'string' ? [parts] : parts)) {
        const bytes = Buffer.from(batch);
        // A write may take fewer bytes than given (as fs.writeFileSync, loop until all are written).
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(descriptor, bytes, offset);
      }
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  renameSync(temporary, path);
}
