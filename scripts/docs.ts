/**
 * Generated documentation: each function README's config reference (from its JSON Schema) and worked
 * example (from `functions/<name>/examples/`, with the results the function really reports), and the
 * function table of the root README. `npm run docs` rewrites the marked sections; the test suite fails
 * when they are out of date, so the READMEs always show what the code does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFields } from '../lib/help.js';
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import type { SchemaNode } from '../lib/config.js';
import { processInvocation } from '../lib/runtime.js';

export type AnyFunction = KrmFunction<SelectionConfig & never>;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The config reference table of a function. */
export function configReference(fn: AnyFunction): string {
  const rows = configFields(fn.schema as SchemaNode).map(
    (field) => `| \`${field.name}\` | ${escapeCell(field.type)} | ${field.defaultValue ? `\`${field.defaultValue}\`` : ''} | ${escapeCell(field.description)} |`,
  );
  return ['| field | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The worked example section: input, config, the command, output and results, all from the example files. */
export function workedExample(fn: AnyFunction, folder: string): string {
  const read = (name: string) => readFileSync(join(folder, 'examples', name), 'utf8');
  const input = read('input.yaml');
  const config = read('config.yaml');
  const run = processInvocation(fn, input, { path: 'examples/config.yaml', text: config });
  const fence = (lang: string, text: string) => '```' + lang + '\n' + text.trimEnd() + '\n```';
  return [
    `\`examples/input.yaml\`:\n\n${fence('yaml', input)}`,
    `\`examples/config.yaml\`:\n\n${fence('yaml', config)}`,
    `Run:\n\n${fence('sh', `dist/bin/${fn.name} examples/config.yaml < examples/input.yaml`)}`,
    `Output (\`examples/output.yaml\`, exit code ${run.exitCode}):\n\n${fence('yaml', run.stdout)}`,
    `Results (stderr; in the output ResourceList's \`results\` when the input is a ResourceList):\n\n${fence('text', run.stderr)}`,
  ].join('\n\n');
}

/** The table of functions for the root README. */
export function catalogTable(functions: readonly AnyFunction[]): string {
  const rows = functions.map((fn) => `| [\`${fn.name}\`](functions/${fn.name}/README.md) | ${fn.type} | \`${fn.kind}\` | ${escapeCell(fn.description)} |`);
  return ['| function | type | config kind | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`.
 * @throws Error when the markers are missing
 */
export function replaceSection(document: string, name: string, content: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start === -1 || stop === -1) throw new Error(`missing ${begin} / ${end} markers`);
  return document.slice(0, start + begin.length) + '\n' + content + '\n' + document.slice(stop);
}
