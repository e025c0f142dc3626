/**
 * Plain-scalar resolution and safe scalar rendering.
 *
 * Reading follows what Kubernetes itself reads: `sigs.k8s.io/yaml` decodes with go-yaml v2, a YAML 1.1
 * resolver, so `yes`/`on`/`y` are booleans, `0644` is octal 420 and `1_000` is 1000. Writing is the other
 * half of the same rule: a string this project writes is quoted whenever a YAML 1.1 *or* YAML 1.2 reader
 * would read it back as anything but the same string (`"yes"`, `"0755"`, `"1e3"`, `"2015-01-01"`, `"~"`).
 */

/** A JSON-compatible value as decoded from a manifest. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_TRUE_RE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE_RE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT_DEC_RE = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const INT_OCT_11_RE = /^[-+]?0[0-7_]+$/;
const INT_OCT_12_RE = /^0o[0-7]+$/;
const INT_HEX_RE = /^[-+]?0x[0-9a-fA-F_]+$/;
const INT_BIN_RE = /^[-+]?0b[01_]+$/;
const INT_SEXAGESIMAL_RE = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;
const FLOAT_RE = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/;
const FLOAT_SEXAGESIMAL_RE = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/;
// go-yaml v2 also reads anything strconv.ParseFloat takes in this shape as a float, e.g. `09`.
const GO_FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// Looser than any reader's float syntax (`e0`, `.`, `1.`): strings of this shape are always quoted.
const FLOAT_LIKE_RE = /^[-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?$/;
// Every null, boolean and number spelling starts with one of these; anything else is a string.
const NON_STRING_FIRST_CHAR = /[~nNtTfFyYoO0-9+\-.]/;
const INF_RE = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN_RE = /^\.(?:nan|NaN|NAN)$/;
const TIMESTAMP_RE =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

function sexagesimal(source: string): number {
  const sign = source.startsWith('-') ? -1 : 1;
  const digits = source.replace(/^[-+]/, '').replace(/_/g, '');
  return sign * digits.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

function signedInteger(source: string, prefixLength: number, radix: number): number {
  const sign = source.startsWith('-') ? -1 : 1;
  const body = source.replace(/^[-+]/, '').slice(prefixLength).replace(/_/g, '');
  return sign * parseInt(body, radix);
}

/**
 * Resolves an untagged plain scalar the way go-yaml v2 (and so kubectl) does.
 * Timestamps stay strings: Kubernetes' JSON conversion turns them back into strings anyway.
 * @param source the scalar's text, already folded (no surrounding whitespace)
 */
export function resolvePlainScalar(source: string): Value {
  if (source.length > 0 && !NON_STRING_FIRST_CHAR.test(source[0]!)) return source;
  if (NULL_RE.test(source)) return null;
  if (BOOL_TRUE_RE.test(source)) return true;
  if (BOOL_FALSE_RE.test(source)) return false;
  if (INT_DEC_RE.test(source)) return Number(source.replace(/_/g, ''));
  if (INT_HEX_RE.test(source)) return signedInteger(source, 2, 16);
  if (INT_BIN_RE.test(source)) return signedInteger(source, 2, 2);
  if (INT_OCT_11_RE.test(source)) return signedInteger(source, 1, 8);
  if (INT_SEXAGESIMAL_RE.test(source)) return sexagesimal(source);
  if (FLOAT_RE.test(source) && /[0-9]/.test(source)) return Number(source.replace(/_/g, ''));
  if (GO_FLOAT_RE.test(source)) return Number(source);
  if (FLOAT_SEXAGESIMAL_RE.test(source)) return sexagesimal(source);
  if (INF_RE.test(source)) return source.startsWith('-') ? -Infinity : Infinity;
  if (NAN_RE.test(source)) return NaN;
  return source;
}

/** True when some YAML 1.1 or 1.2 reader would not read `text`, written plain, as this very string. */
function isAmbiguousAsPlain(text: string): boolean {
  if (typeof resolvePlainScalar(text) !== 'string') return true;
  return INT_OCT_12_RE.test(text) || GO_FLOAT_RE.test(text) || FLOAT_LIKE_RE.test(text) || TIMESTAMP_RE.test(text) || /^[-+]?\.(?:inf|nan)$/i.test(text) || text === '<<' || text === '=';
}

// Characters that may not start a plain scalar, and sequences that may not appear inside one.
const PLAIN_FIRST_FORBIDDEN = /^[-?:,[\]{}#&*!|>'"%@`]/;
const PLAIN_SAFE_CHARS = /^[\x21-\x7e\u00a0-\ud7ff\ue000-\ufffd ]*$/u;

/**
 * True when `text` may be written as a plain scalar in block context and read back, by every YAML
 * reader, as exactly this string.
 */
export function isSafePlainString(text: string): boolean {
  if (text === '' || text !== text.trim()) return false;
  if (!PLAIN_SAFE_CHARS.test(text)) return false;
  if (PLAIN_FIRST_FORBIDDEN.test(text) && !/^[-?:][^\s,[\]{}]/.test(text)) return false;
  if (/^[-?:]/.test(text) && /^[-?:]$/.test(text)) return false;
  if (text.includes(': ') || text.includes(' #') || text.endsWith(':')) return false;
  if (text.startsWith('---') || text.startsWith('...')) return false;
  return !isAmbiguousAsPlain(text);
}

/** Writes a string as a double-quoted YAML scalar; JSON escapes are valid YAML escapes. */
export function doubleQuoted(text: string): string {
  return JSON.stringify(text);
}

/** The quoting style of an existing scalar, so a rewritten value keeps the look of the one it replaces. */
export type ScalarStyle = 'plain' | 'single' | 'double';

/**
 * Renders a scalar for YAML output.
 * Strings keep `preferred` style where it can hold them, and fall back to double quotes.
 * @throws TypeError for values that are not scalars
 */
export function renderScalar(value: Value, preferred: ScalarStyle = 'plain'): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (typeof value !== 'string') throw new TypeError('renderScalar: not a scalar');
  if (preferred === 'single' && /^[^\n\r\t\x00-\x1f\x7f]*$/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (preferred === 'plain' && isSafePlainString(value)) return value;
  return doubleQuoted(value);
}
