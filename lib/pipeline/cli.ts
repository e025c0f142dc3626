/**
 * `krm-pipeline`: runs a pipeline file's backup or restore stages over every item of a ResourceList,
 * a manifest file or directory, or a Velero backup archive, in one process, and writes the result.
 *
 * Exit codes: 0 success; 1 a step reported an error, or the input could not be read (nothing is
 * written when a pre step or an item step failed); 2 bad command line or pipeline file.
 * stdout carries only output (the items, or the diff with `--diff`); the summary, results and progress
 * go to stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, InputError } from '../errors.js';
import type { ObjectValue } from '../item.js';
import { formatResult, type Result } from '../results.js';
import { itemDiffs, snapshot, type Snapshot } from './diff.js';
import { runPipeline } from './engine.js';
import { inputBaseName, inputItems, itemOrigin, openInput, outputTarget, writeOutput, type InputEndpoint } from './endpoints.js';
import { readPipelineFile, type Phase, type Pipeline } from './pipeline-file.js';
import { createProgress } from './progress.js';
import type { ConfigOverrides, FunctionRegistry } from './run-step.js';
import { formatSummary } from './summary.js';
import { checkOperation, makeOperation, namespaceMappingOf } from './velero-operation.js';

/** The process streams and environment a run uses (tests pass their own). */
export interface CliIo {
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The stream a progress bar may draw on (only when it is a TTY). */
  progressStream?: NodeJS.WriteStream;
  /** The time of new archive entries, for reproducible archives (the SOURCE_DATE_EPOCH convention). */
  sourceDateEpoch?: Date;
}

const USAGE = `Usage: krm-pipeline --pipeline FILE [--input PATH] [--output PATH] [options]

Runs the backup or restore stages of a pipeline file over every item at once, in one process:
pre steps (with the Velero Backup/Restore object), the item steps, then post steps.

Input and output:
  -i, --input PATH          a Velero backup archive (.tar.gz), a directory of manifests, a manifest
                            file (ResourceList, List or YAML stream), or - for stdin (the default)
  -o, --output PATH         a .tar.gz archive, a directory, a .yaml/.json file, or - for stdout;
                            default: stdout for stdin and file input; required for archives and
                            directories (they may be the input itself: written atomically)
      --diff                dry run: print a unified diff of every changed item, write nothing

Pipeline:
  -p, --pipeline FILE       the pipeline file (kind Pipeline, or a Kptfile); see pipelines/
      --phase backup|restore   which stages to run, when the file has both
      --velero-object FILE  the Velero Backup or Restore object (YAML or JSON) given to pre/post
                            steps; its spec.namespaceMapping is the default namespace mapping
      --backup-name NAME    the backup's name (default: the input's file name)
  -n, --namespace-mapping OLD=NEW[,OLD=NEW]   sets namespaceMapping on every step that takes it
  -r, --registry-mapping OLD=NEW[,OLD=NEW]    sets registryMappings on every step that takes it
  -s, --set KEY=VALUE       sets a config field (ConfigMap string form) on every step that takes it;
                            repeatable; wins over the pipeline file (the Velero object's fields only
                            fill in what a step does not set)
      --timeout SECONDS     limit for each exec/image step (default 60)

Output on stderr:
  -q, --quiet               no summary and no per-result lines (errors still print)
  -v, --verbose             also print info results
      --no-progress         no progress bar (it shows only on a terminal, for large inputs)
  -h, --help, --version
`;

interface Options {
  pipeline: Pipeline;
  phase: Phase;
  input: string | undefined;
  output: string | undefined;
  diff: boolean;
  veleroObject: string | undefined;
  backupName: string | undefined;
  sets: Array<[string, string]>;
  timeoutMs: number;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
}

function splitSetting(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new ConfigError(`${flag} ${text}: expected KEY=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseOptions(argv: readonly string[]): Options | 'help' | 'version' {
  const { values } = parseArgs({
    args: [...argv],
    allowPositionals: false,
    options: {
      pipeline: { type: 'string', short: 'p' },
      phase: { type: 'string' },
      input: { type: 'string', short: 'i' },
      output: { type: 'string', short: 'o' },
      diff: { type: 'boolean' },
      'velero-object': { type: 'string' },
      'backup-name': { type: 'string' },
      'namespace-mapping': { type: 'string', short: 'n', multiple: true },
      'registry-mapping': { type: 'string', short: 'r', multiple: true },
      set: { type: 'string', short: 's', multiple: true },
      timeout: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      verbose: { type: 'boolean', short: 'v' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (!values.pipeline) throw new ConfigError('--pipeline is required (a pipeline file, e.g. pipelines/restore-openshift.yaml)');
  const pipeline = readPipelineFile(values.pipeline);
  let phase: Phase;
  if (values.phase !== undefined) {
    if (values.phase !== 'backup' && values.phase !== 'restore') throw new ConfigError(`--phase ${values.phase}: expected backup or restore`);
    phase = values.phase;
  } else if (pipeline.phases.length === 1) phase = pipeline.phases[0]!;
  else throw new ConfigError(`pipeline ${pipeline.name} has both backup and restore stages: give --phase backup or --phase restore`);
  const sets: Array<[string, string]> = [
    ...(values['namespace-mapping'] ?? []).map((value): [string, string] => ['namespaceMapping', value]),
    ...(values['registry-mapping'] ?? []).map((value): [string, string] => ['registryMappings', value]),
    ...(values.set ?? []).map((value) => splitSetting(value, '--set')),
  ];
  const timeout = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new ConfigError(`--timeout ${values.timeout}: expected a number of seconds`);
  return {
    pipeline,
    phase,
    input: values.input,
    output: values.output,
    diff: values.diff ?? false,
    veleroObject: values['velero-object'],
    backupName: values['backup-name'],
    sets,
    timeoutMs: timeout * 1000,
    quiet: values.quiet ?? false,
    verbose: values.verbose ?? false,
    progress: !values['no-progress'],
  };
}

function readVeleroObject(path: string, phase: Phase): ObjectValue {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'), { version: '1.1', maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`--velero-object ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`--velero-object ${path}: expected a Velero Backup or Restore object`);
  return checkOperation(phase, value as ObjectValue, `--velero-object ${path}`);
}

/** Joins settings for the same key: `-n a=b -n c=d` is `a=b,c=d`. */
function joinSettings(sets: ReadonlyArray<[string, string]>): { [key: string]: string } {
  const joined: { [key: string]: string } = {};
  for (const [key, value] of sets) joined[key] = key in joined && (key === 'namespaceMapping' || key === 'registryMappings') ? `${joined[key]},${value}` : value;
  return joined;
}

/**
 * The config fields the Velero object implies, as the plugin would know them inside Velero, for the
 * steps that do not set them: the namespace mapping (Restore `spec.namespaceMapping`), the backup and
 * restore names, and Velero's namespace (fields of generate-datamover-backups / -restores).
 */
function operationDefaults(phase: Phase, operation: ObjectValue): { [key: string]: string } {
  const metadata = (operation.metadata ?? {}) as ObjectValue;
  const overrides: { [key: string]: string } = {};
  if (typeof metadata.namespace === 'string') overrides.veleroNamespace = metadata.namespace;
  if (phase === 'backup' && typeof metadata.name === 'string') overrides.backupName = metadata.name;
  if (phase === 'restore') {
    if (typeof metadata.name === 'string') overrides.restoreName = metadata.name;
    const mapping = Object.entries(namespaceMappingOf(operation));
    if (mapping.length > 0) overrides.namespaceMapping = mapping.map(([from, to]) => `${from}=${to}`).join(',');
  }
  return overrides;
}

function mappingOf(text: string | undefined): { [from: string]: string } {
  if (!text) return {};
  return Object.fromEntries(text.split(',').filter((pair) => pair.includes('=')).map((pair) => pair.split('=', 2).map((part) => part.trim()) as [string, string]));
}

function resultLines(results: readonly Result[], stepOf: Map<Result, string>, verbose: boolean): string {
  return results
    .filter((result) => verbose || result.severity !== 'info')
    .map((result) => `${stepOf.get(result) ?? 'krm-pipeline'}: ${formatResult(result)}\n`)
    .join('');
}

async function run(options: Options, functions: FunctionRegistry, io: CliIo): Promise<number> {
  const endpoint: InputEndpoint = await openInput(options.input, io.readStdin);
  const target = options.diff ? undefined : outputTarget(options.output, endpoint);
  const items = inputItems(endpoint);
  const cliSettings = joinSettings(options.sets);
  const operation = options.veleroObject
    ? readVeleroObject(options.veleroObject, options.phase)
    : makeOperation(options.phase, {
        backupName: options.backupName ?? inputBaseName(endpoint) ?? 'backup',
        namespaces: [...new Set(items.map((item) => item.namespace).filter((namespace) => namespace !== ''))].sort(),
        namespaceMapping: mappingOf(cliSettings.namespaceMapping),
      });
  const defaults: ConfigOverrides = operationDefaults(options.phase, operation);
  const before: Snapshot | undefined = options.diff ? snapshot(items) : undefined;
  const progress = createProgress(io.progressStream ?? process.stderr, items.length, options.progress && !options.quiet);
  let written: number | undefined;
  const outcome = await runPipeline({
    pipeline: options.pipeline,
    phase: options.phase,
    items,
    functions,
    operation,
    overrides: cliSettings,
    defaults,
    timeoutMs: options.timeoutMs,
    onStep: (step) => progress.step(step),
    commit: async (finalItems, results) => {
      progress.stop();
      if (before) io.stdout(itemDiffs(before, finalItems, (item) => itemOrigin(endpoint, item)));
      else {
        await writeOutput(target!, endpoint, finalItems, results, io.stdout, io.sourceDateEpoch);
        written = finalItems.length;
      }
    },
  });
  progress.stop();
  const stepOf = new Map(outcome.steps.flatMap((step) => step.results.map((result): [Result, string] => [result, step.name])));
  const status = (outcome.operation.status as ObjectValue).phase as string;
  if (options.quiet) io.stderr(resultLines(outcome.results.filter((result) => result.severity === 'error'), stepOf, false));
  else {
    const destination = options.diff ? 'a diff on stdout' : target!.type === 'stdout' ? 'stdout' : target!.path;
    const header = `${options.pipeline.name} (${options.phase}): ${endpoint.name} → ${destination}\n`;
    io.stderr(resultLines(outcome.results, stepOf, options.verbose) + header + formatSummary(outcome.steps, { read: items.length, written }, status));
  }
  return outcome.failed ? 1 : 0;
}

/**
 * Runs the CLI.
 * @param functions the collection's functions (steps naming one run in process)
 * @returns the exit code
 */
export async function pipelineMain(functions: FunctionRegistry, argv: readonly string[], io: CliIo, version: string): Promise<number> {
  let options: Options | 'help' | 'version';
  try {
    options = parseOptions(argv);
  } catch (error) {
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    if (error instanceof ConfigError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`krm-pipeline: ${(error as Error).message}\nTry krm-pipeline --help\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (options === 'version') {
    io.stdout(`krm-pipeline ${version}\n`);
    return 0;
  }
  try {
    return await run(options, functions, io);
  } catch (error) {
    if (error instanceof InputError || error instanceof ConfigError) {
      io.stderr(`krm-pipeline: [error]: ${error.message}\n`);
      return error instanceof ConfigError ? 2 : 1;
    }
    throw error;
  }
}
