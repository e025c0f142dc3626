/**
 * functionConfig: reading it in either form, and validating it with ajv against the function's JSON
 * Schema (`schemas/<name>.schema.json`).
 *
 * Typed form: `apiVersion: fn.velero-krm-functions.dev/v1alpha1`, `kind: <the function's kind>`, fields
 * at the top level as real YAML maps and lists (the kpt catalog's convention).
 *
 * ConfigMap form (`kpt fn eval -- key=value`, a Kptfile `configMap:`): `data` holds strings, one
 * convention for every function, derived from the schema:
 * - a map, or a list of pairs (schema keyword `x-pair: [from, to]`): `a=b,c=d` (kpt splits `-- k=v` at
 *   the first `=`, so `-- namespaceMapping=shop=shop-dr` works);
 * - a list of strings: `a,b`;
 * - a boolean: `true` or `false`; a number: its digits;
 * - anything else (e.g. `selectors`): a YAML flow value, `[{kind: Route}]`.
 */
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import type { ObjectValue } from './item.js';
import { CONFIG_API_VERSION, type KrmFunction } from './krm-function.js';
import { validatorFor } from './schema-validators.js';
import type { Value } from './yaml/scalar.js';

/** The parts of a JSON Schema this module reads. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: { [key: string]: SchemaNode };
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  required?: string[];
  enum?: unknown[];
  'x-pair'?: [string, string];
  /** Messages for errors of a keyword of this node (e.g. `oneOf`) that ajv would word generically. */
  'x-messages'?: { [keyword: string]: string };
  $ref?: string;
  examples?: unknown[];
}

/** Where a config came from; it decides which kinds are accepted. */
export type ConfigSource = 'resource-list' | 'file';

/** `/hostRewrites/0/to` → `hostRewrites[0].to` */
function fieldName(instancePath: string, prefix: string): string {
  let out = prefix;
  for (const part of instancePath.split('/').slice(1)) {
    const segment = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

function describeError(error: ErrorObject, prefix: string, subject: string): string {
  const field = fieldName(error.instancePath, prefix);
  const where = field === '' ? subject : `${subject} field ${field}`;
  const custom = (error.parentSchema as SchemaNode | undefined)?.['x-messages']?.[error.keyword];
  if (custom) return `${where}: ${custom}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(error.params.additionalProperty);
      const parent = (error.parentSchema as SchemaNode | undefined)?.properties;
      const known = parent ? ` (known fields: ${Object.keys(parent).join(', ')})` : '';
      return `${where}: unknown field "${extra}"${known}`;
    }
    case 'required':
      return `${where}: missing required field "${String(error.params.missingProperty)}"`;
    case 'type':
      return `${where}: expected ${String(error.params.type)}`;
    case 'pattern':
      return `${where}: ${JSON.stringify(error.data)} is not valid (${(error.parentSchema as SchemaNode | undefined)?.description ?? `expected to match ${String(error.params.pattern)}`})`;
    case 'enum':
      return `${where}: expected one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Validates config fields against `schema`, filling in defaults.
 * @param prefix prepended to field names (`data` for a ConfigMap's fields)
 * @param subject what the messages call the validated object (`functionConfig`, `pipeline file p.yaml`)
 * @throws ConfigError listing every problem, each naming the field and what was expected
 */
export function validateConfig(schema: object, fields: ObjectValue, prefix = '', subject = 'functionConfig'): ObjectValue {
  const validate = validatorFor(schema);
  if (!validate(fields)) {
    // ajv reports a bad map key twice: the precise error, and a vague `propertyNames` wrapper; and a
    // keyword with its own message (`x-messages`, e.g. oneOf) explains its sub-errors away.
    const all = validate.errors ?? [];
    const explained = all.filter((error) => (error.parentSchema as SchemaNode | undefined)?.['x-messages']?.[error.keyword]).map((error) => `${error.schemaPath}/`);
    const errors = all.filter((error) => error.keyword !== 'propertyNames' && !explained.some((path) => error.schemaPath.startsWith(path)));
    const messages = [...new Set((errors.length > 0 ? errors : (validate.errors ?? [])).map((error) => describeError(error, prefix, subject)))];
    throw new ConfigError(messages.join('; '));
  }
  return fields;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function splitPairs(text: string, key: string): Array<[string, string]> {
  return splitList(text).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new ConfigError(`functionConfig data.${key}: "${pair}" is not a pair; expected a=b,c=d`);
    }
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
}

/** Follows a local `$ref` (`#/definitions/name`) of `root`; other nodes are returned as they are. */
export function resolveRef(node: SchemaNode, root: SchemaNode | undefined): SchemaNode {
  const match = node.$ref && /^#\/definitions\/(.+)$/.exec(node.$ref);
  const target = match && root ? (root as { definitions?: { [name: string]: SchemaNode } }).definitions?.[match[1]!] : undefined;
  return target ? { ...target, ...node, $ref: undefined } : node;
}

function isType(node: SchemaNode | undefined, type: string): boolean {
  return node?.type === type || (Array.isArray(node?.type) && node.type.includes(type));
}

/**
 * Converts one ConfigMap `data` string to the typed value its schema property describes.
 * @throws ConfigError when the string does not follow the convention
 */
export function fromConfigMapString(key: string, text: string, property: SchemaNode | undefined, root?: SchemaNode): Value {
  if (!property) return text; // validation reports the unknown field
  property = resolveRef(property, root);
  if (property.items) property = { ...property, items: resolveRef(property.items, root) };
  if (typeof property.additionalProperties === 'object') property = { ...property, additionalProperties: resolveRef(property.additionalProperties, root) };
  if (isType(property, 'boolean')) {
    if (text !== 'true' && text !== 'false') throw new ConfigError(`functionConfig data.${key}: expected true or false, found "${text}"`);
    return text === 'true';
  }
  if (isType(property, 'integer') || isType(property, 'number')) {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) throw new ConfigError(`functionConfig data.${key}: expected a number, found "${text}"`);
    return number;
  }
  if (isType(property, 'array') && property['x-pair']) {
    const [left, right] = property['x-pair'];
    return splitPairs(text, key).map(([a, b]) => ({ [left]: a, [right]: b }));
  }
  if (isType(property, 'array') && isType(property.items, 'string')) return splitList(text);
  if (isType(property, 'object') && typeof property.additionalProperties === 'object' && isType(property.additionalProperties, 'string')) {
    return Object.fromEntries(splitPairs(text, key));
  }
  if (isType(property, 'string')) return text;
  try {
    return parseYaml(text) as Value;
  } catch (error) {
    throw new ConfigError(`functionConfig data.${key}: not a valid YAML flow value (${(error as Error).message.split('\n')[0]})`);
  }
}

/** The inverse of `fromConfigMapString`, for documentation. */
export function toConfigMapString(value: unknown, property: SchemaNode | undefined): string {
  if (Array.isArray(value) && property?.['x-pair']) {
    const [left, right] = property['x-pair'];
    return value.map((pair: { [key: string]: string }) => `${pair[left]}=${pair[right]}`).join(',');
  }
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.join(',');
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string')) {
    return Object.entries(value as { [key: string]: string })
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Reads a functionConfig into validated, defaulted config fields.
 * @param raw the functionConfig object; undefined means defaults
 * @param source `resource-list`: only a ConfigMap or the function's own kind is accepted;
 *   `file` (the kustomize legacy exec-plugin protocol): any kind, as kustomize already routed it by kind
 * @throws ConfigError naming the field and what was expected
 */
export function readConfig<Config>(fn: KrmFunction<Config & object>, raw: ObjectValue | undefined, source: ConfigSource): Config {
  const schema = fn.schema as SchemaNode;
  if (!raw) return validateConfig(fn.schema, {}) as Config;
  const { apiVersion, kind, metadata: _metadata, ...fields } = raw;
  if (kind === 'ConfigMap' && (apiVersion === 'v1' || apiVersion === undefined)) {
    const data = raw.data ?? {};
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError('functionConfig ConfigMap: data must be a map of strings');
    const converted: ObjectValue = {};
    for (const key of Object.keys(data)) {
      const text = data[key];
      if (typeof text !== 'string') throw new ConfigError(`functionConfig data.${key}: ConfigMap data values must be strings`);
      converted[key] = fromConfigMapString(key, text, schema.properties?.[key], schema);
    }
    return validateConfig(fn.schema, converted, 'data') as Config;
  }
  if (source === 'resource-list' && kind !== fn.kind) {
    throw new ConfigError(
      `functionConfig kind ${JSON.stringify(kind ?? null)} is not supported: expected ConfigMap (apiVersion v1) or ${fn.kind} (apiVersion ${CONFIG_API_VERSION})`,
    );
  }
  return validateConfig(fn.schema, fields) as Config;
}
