/**
 * `--help` text and the config reference of a function, both generated from its JSON Schema, so the
 * usage printed by an executable and the tables in the READMEs cannot drift from what is validated.
 */
import { stringify } from 'yaml';
import { toConfigMapString, type SchemaNode } from './config.js';
import { CONFIG_API_VERSION, type KrmFunction } from './krm-function.js';

function typeName(node: SchemaNode): string {
  if (node.$ref) return node.$ref.replace(/^.*\//, '').replace(/\.schema\.json$/, '');
  if (node.type === 'array') {
    if (node['x-pair']) return `list of {${node['x-pair'].join(', ')}}`;
    return `list of ${node.items ? typeName(node.items) : 'any'}`;
  }
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return `map of ${typeName(node.additionalProperties)}`;
  if (node.enum) return node.enum.map((value) => JSON.stringify(value)).join(' | ');
  return Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
}

/** One row per config field: name, type, default, description. */
export function configFields(schema: SchemaNode): Array<{ name: string; type: string; defaultValue: string; description: string }> {
  return Object.entries(schema.properties ?? {}).map(([name, node]) => ({
    name,
    type: typeName(node),
    defaultValue: node.default === undefined ? '' : JSON.stringify(node.default),
    description: node.description ?? '',
  }));
}

/** The schema's first example as a typed functionConfig document. */
export function typedExample(fn: KrmFunction): string {
  const example = ((fn.schema as SchemaNode).examples?.[0] ?? {}) as object;
  return stringify({ apiVersion: CONFIG_API_VERSION, kind: fn.kind, metadata: { name: `${fn.name}-config` }, ...example });
}

/** Quotes a word for POSIX shells when it holds characters the shell would interpret. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The schema's first example as `-- key=value` arguments for `kpt fn eval`, quoted for the shell. */
export function configMapExample(fn: KrmFunction): string {
  const schema = fn.schema as SchemaNode;
  const example = (schema.examples?.[0] ?? {}) as { [key: string]: unknown };
  return Object.entries(example)
    .map(([key, value]) => shellWord(`${key}=${toConfigMapString(value, schema.properties?.[key])}`))
    .join(' ');
}

/** The text `--help` prints. */
export function helpText(fn: KrmFunction, version: string): string {
  const fields = configFields(fn.schema as SchemaNode);
  const width = Math.max(...fields.map((field) => field.name.length), 4);
  const rows = fields.map((field) => {
    const extra = field.defaultValue ? ` (default ${field.defaultValue})` : '';
    return `  ${field.name.padEnd(width)}  ${field.type}${extra}\n  ${' '.repeat(width)}  ${field.description}`;
  });
  const args = configMapExample(fn);
  return `${fn.name} ${version}: ${fn.description}

Usage:
  ${fn.name} < resource-list.yaml            KRM function: ResourceList (YAML or JSON) on stdin and stdout
  ${fn.name} < manifests.yaml                also a bare YAML stream, a kind: List, or one object
  ${fn.name} CONFIG_FILE < manifests.yaml    kustomize legacy exec plugin: config file as the first argument
  kpt fn eval DIR --exec ${fn.name}${args ? ` -- ${args}` : ''}
  kpt fn eval DIR --exec ${fn.name} --fn-config config.yaml

Config (a v1 ConfigMap whose data holds strings, or kind ${fn.kind}, apiVersion ${CONFIG_API_VERSION}):
${rows.join('\n')}

ConfigMap strings: maps and lists of pairs are a=b,c=d; lists are a,b; booleans true|false.

Typed config example:
${typedExample(fn).replace(/^/gm, '  ').trimEnd()}

Exit status: 0 on success, 1 when the input or config is invalid or any result has severity error.
`;
}
