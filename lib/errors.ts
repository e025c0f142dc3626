/**
 * Errors the runtime turns into an `error` result and exit code 1.
 *
 * `InputError`: the input (stdin, a config file, a manifest) cannot be read; nothing is written to stdout.
 * `ConfigError`: the functionConfig is invalid; the message names the field and what was expected.
 */
export class InputError extends Error {
  override name = 'InputError';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * 1-based line and column of a character offset in `text`.
 * @param offset a UTF-16 offset into `text`; clamped to its length
 */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = text.indexOf('\n'); index !== -1 && index < end; index = text.indexOf('\n', index + 1)) {
    line += 1;
    lineStart = index + 1;
  }
  return { line, column: end - lineStart + 1 };
}
