/**
 * Reads a function's input, detecting the format: text whose first character is `{` is tried as JSON
 * first (the TAB-indented JSON that strict YAML parsers reject is common), anything else, and JSON-like
 * text that is really flow YAML (unquoted keys, trailing commas, comments), is read as YAML.
 */
import type { Input } from './input.js';
import { readJson } from './json-input.js';
import { readYaml } from './yaml-input.js';

/**
 * @throws InputError when the text cannot be read (the message locates the problem)
 */
export function readInput(text: string): Input {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/^\s*\{/.test(body)) {
    try {
      return readJson(body);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return readYaml(text);
}
