/**
 * Runs a pipeline step that is not a function of this collection: an `exec:` command, or an `image:` run
 * through `docker` or `podman`. Both speak the KRM Functions Specification (v1): a ResourceList on the
 * child's stdin, a ResourceList on its stdout, free text on stderr, exit code 0 for success.
 *
 * How the items go out and come back, after kyaml's `FunctionFilter`
 * (kustomize `kyaml/fn/runtime/runtimeutil/runtimeutil.go`), which kpt and kustomize both use:
 * - each item is sent with the id annotations `config.k8s.io/id` and `internal.config.kubernetes.io/id`
 *   set to its index (in the serialized copy only); functions must keep them;
 * - an output item carrying a known id is that input item: the ids are put back as the item had them and
 *   the item is updated to the output with the fewest edits (`KrmItem.update`), so a YAML item keeps its
 *   text, comments and key order wherever the function did not change it;
 * - an output item without a known id is new; an input item missing from the output is removed; the
 *   output's order is the new order.
 * The input is sent as JSON (valid YAML, so every conforming function reads it). The output may be YAML
 * or JSON, but must be a ResourceList: an empty output or a bare object would otherwise delete every
 * item, which kpt does (see ../shared/design/krm-tools-second-pass.md, part B4).
 *
 * Failures never throw: a command that cannot start, exits non-zero, times out, floods stdout or writes
 * an unreadable ResourceList gives an `error` result and the items back unchanged.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser } from 'yaml';
import { InputError } from '../errors.js';
import { readInput } from '../io/read.js';
import { isOrchestratorAnnotation, KrmItem, type ObjectValue } from '../item.js';
import { itemResult, type ResourceRef, type Result, type Severity } from '../results.js';
import type { RunOutcome } from '../runtime.js';
import { keyOf } from '../yaml/cst-tokens.js';
import { decodeNode } from '../yaml/cst-value.js';
import { deepEqual } from '../yaml/path.js';
import type { Value } from '../yaml/scalar.js';

/** A step's command: `exec: "path args..."` or `image: registry/name:tag`. */
export type ExternalCommand = { exec: string } | { image: string };

export interface ExternalStepOptions {
  /** Working directory for exec commands (the pipeline file's folder). */
  cwd: string;
  /** Kill the child after this many milliseconds (default 60_000). */
  timeoutMs?: number;
  /** Kill the child when its stdout exceeds this many bytes (default 512 MiB); stderr is kept up to 64 KiB. */
  maxOutputBytes?: number;
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
}

/** kyaml's id annotations: the legacy one first, which is the one matched on. */
const ID_ANNOTATIONS = ['config.k8s.io/id', 'internal.config.kubernetes.io/id'] as const;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const STDERR_LIMIT_BYTES = 64 * 1024;
/** The most stderr text a result message quotes (its end: the last lines say what went wrong). */
const STDERR_MESSAGE_CHARS = 4000;
const STDERR_ERROR_LINES = 20;
/** How long to wait for the pipes to close after the child exited (a grandchild may hold them). */
const CLOSE_GRACE_MS = 1000;
const STDIN_CHUNK_BYTES = 1024 * 1024;
/** kpt's order of container engines is docker, then podman (kpt `internal/fnruntime/container.go`). */
const CONTAINER_TOOLS = ['docker', 'podman'] as const;

function isPlainMap(value: Value | undefined): value is ObjectValue {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------
// The command line

interface ResolvedCommand {
  program: string;
  args: string[];
  /** How results name the step: `exec ./fn --flag` or `image example.com/fn:v1`. */
  label: string;
}

/**
 * Splits a command line into words as POSIX shells and kpt (github.com/google/shlex) do, without any
 * expansion: whitespace separates words, single quotes keep everything literally, double quotes keep
 * everything but `\"`, `\\`, `` \` `` and `\$`, and a backslash outside quotes takes the next character.
 * @throws Error on an unterminated quote or a trailing backslash
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'") {
      const end = line.indexOf("'", index + 1);
      if (end === -1) throw new Error('unterminated single quote');
      word = (word ?? '') + line.slice(index + 1, end);
      index = end;
    } else if (char === '"') {
      word = word ?? '';
      for (index += 1; ; index += 1) {
        if (index >= line.length) throw new Error('unterminated double quote');
        const inner = line[index]!;
        if (inner === '"') break;
        if (inner === '\\' && index + 1 < line.length && '"\\`$'.includes(line[index + 1]!)) index += 1;
        word += line[index]!;
      }
    } else if (char === '\\') {
      if (index + 1 >= line.length) throw new Error('a backslash at the end');
      index += 1;
      word = (word ?? '') + line[index]!;
    } else word = (word ?? '') + char;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The executable file `name` in the directories of `pathValue`, or undefined. */
function findOnPath(name: string, pathValue: string | undefined): string | undefined {
  for (const directory of (pathValue ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not there, or not executable: keep looking
    }
  }
  return undefined;
}

/**
 * The program and arguments to spawn.
 * - exec: a path with a slash is resolved against `cwd` (kpt resolves against its own working directory,
 *   which is not the package: a pipeline file's folder is the useful base); a bare name is found on PATH.
 * - image: `<docker|podman> run` with kpt's flags (verified with kpt 1.0.0-beta.56 and a docker shim; kpt
 *   `internal/fnruntime/container.go` `getCmd`): no network, user nobody, no new privileges, pull if missing.
 * @returns the command, or the message of an error result
 */
function resolveCommand(command: ExternalCommand, cwd: string, pathValue: string | undefined): ResolvedCommand | string {
  if ('exec' in command) {
    const label = `exec ${command.exec.trim()}`;
    let words: string[];
    try {
      words = splitCommandLine(command.exec);
    } catch (error) {
      return `${label}: cannot split the command line: ${(error as Error).message}`;
    }
    const [program, ...args] = words;
    if (program === undefined) return 'exec step: the command is empty';
    return { program: program.includes('/') && !isAbsolute(program) ? resolve(cwd, program) : program, args, label };
  }
  const image = command.image.trim();
  if (image === '' || image.startsWith('-') || /\s/.test(image)) return `image step ${JSON.stringify(command.image)}: not an image reference`;
  const tool = CONTAINER_TOOLS.map((name) => findOnPath(name, pathValue)).find((found) => found !== undefined);
  if (!tool) return `image step ${image}: neither docker nor podman is on PATH; install one, or use exec: with the function's executable`;
  const args = ['run', '--rm', '-i', '--network', 'none', '--user', 'nobody', '--security-opt=no-new-privileges', '--pull', 'missing', image];
  return { program: tool, args, label: `image ${image}` };
}

// ---------------------------------------------------------------------------------------------------
// The child process

interface ChildOutcome {
  /** Undefined when stdout went over the limit. */
  stdout: Buffer | undefined;
  stderr: string;
  /** Whether stderr went over its limit (only its end is kept). */
  stderrTruncated: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  spawnError: NodeJS.ErrnoException | undefined;
}

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.limit) {
      const joined = Buffer.concat(this.chunks);
      this.chunks = [joined.subarray(joined.length - this.limit)];
      this.size = this.limit;
      this.truncated = true;
    }
  }

  text(): string {
    const joined = Buffer.concat(this.chunks);
    if (joined.length <= this.limit) return joined.toString('utf8');
    this.truncated = true;
    return joined.subarray(joined.length - this.limit).toString('utf8');
  }
}

/**
 * Runs `program` with `input` on stdin. The input is written in chunks, waiting for the pipe to drain
 * (backpressure); a child that exits without reading it (EPIPE) is reported by its exit code. On timeout
 * or too much output the child gets SIGKILL; its pipes are dropped once it has exited, even if a process
 * it started still holds them.
 */
function runChild(program: string, args: string[], input: Buffer, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; maxOutputBytes: number }): Promise<ChildOutcome> {
  return new Promise((resolvePromise) => {
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let overflowed = false;
    const stderr = new TailBuffer(STDERR_LIMIT_BYTES);
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let done = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      resolvePromise({
        stdout: overflowed ? undefined : Buffer.concat(stdoutChunks),
        stderr: stderr.text(),
        stderrTruncated: stderr.truncated,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        spawnError,
      });
    };
    const kill = () => {
      if (exit) finish();
      else child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      if (overflowed) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes) {
        overflowed = true;
        stdoutChunks.length = 0;
        kill();
      } else stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Emitted when the process could not be spawned (no pid), or a signal could not be sent.
      if (child.pid === undefined) {
        spawnError = error;
        finish();
      }
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (timedOut || overflowed) finish();
      else graceTimer = setTimeout(finish, CLOSE_GRACE_MS);
    });
    child.on('close', finish);

    const chunks = function* () {
      for (let offset = 0; offset < input.length; offset += STDIN_CHUNK_BYTES) yield input.subarray(offset, offset + STDIN_CHUNK_BYTES);
    };
    // A child that exits without reading its input breaks the pipe (EPIPE): its exit code tells why.
    pipeline(Readable.from(chunks()), child.stdin).catch(() => undefined);
  });
}

// ---------------------------------------------------------------------------------------------------
// ResourceList in and out

/** A copy of `object` (sharing everything but the maps on the way) whose annotations carry id `id`. */
function withId(object: ObjectValue, id: string): ObjectValue {
  const metadata = object.metadata;
  if (metadata !== undefined && !isPlainMap(metadata)) return object; // no place for an id: it comes back as new
  const annotations = isPlainMap(metadata?.annotations) ? metadata.annotations : {};
  return { ...object, metadata: { ...metadata, annotations: { ...annotations, [ID_ANNOTATIONS[0]]: id, [ID_ANNOTATIONS[1]]: id } } };
}

/** The id an output object carries, if it is the index of an input item. */
function idOf(object: ObjectValue, count: number): number | undefined {
  const annotations = isPlainMap(object.metadata) ? object.metadata.annotations : undefined;
  if (!isPlainMap(annotations)) return undefined;
  for (const key of ID_ANNOTATIONS) {
    const value = annotations[key];
    if (typeof value === 'string' && /^(?:0|[1-9]\d*)$/.test(value) && Number(value) < count) return Number(value);
  }
  return undefined;
}

/**
 * `output` with the id annotations as `input` had them: restored, or removed with the annotations map
 * and metadata they alone created.
 */
function restoreIds(output: ObjectValue, input: ObjectValue): ObjectValue {
  const metadata = output.metadata;
  if (!isPlainMap(metadata) || !isPlainMap(metadata.annotations)) return output;
  const inputMetadata = input.metadata;
  const inputAnnotations = isPlainMap(inputMetadata) ? inputMetadata.annotations : undefined;
  const annotations = { ...metadata.annotations };
  for (const key of ID_ANNOTATIONS) {
    const original = isPlainMap(inputAnnotations) ? inputAnnotations[key] : undefined;
    if (original === undefined) delete annotations[key];
    else annotations[key] = original;
  }
  const restoredMetadata: ObjectValue = { ...metadata, annotations };
  if (Object.keys(annotations).length === 0 && !isPlainMap(inputAnnotations)) {
    if (inputAnnotations === undefined) delete restoredMetadata.annotations;
    else restoredMetadata.annotations = inputAnnotations;
  }
  const restored: ObjectValue = { ...output, metadata: restoredMetadata };
  if (Object.keys(restoredMetadata).length === 0 && inputMetadata === undefined) delete restored.metadata;
  return restored;
}

/** The orchestrator annotations of an object, as comparable text. */
function orchestratorSignature(object: ObjectValue): string {
  const annotations = isPlainMap(object.metadata) ? object.metadata.annotations : undefined;
  if (!isPlainMap(annotations)) return '';
  return Object.keys(annotations)
    .filter(isOrchestratorAnnotation)
    .sort()
    .map((key) => `${key}=${JSON.stringify(annotations[key])}`)
    .join('\n');
}

/** The undecoded `results` of the output ResourceList, read apart from its items. */
function resultsValue(text: string, format: 'yaml' | 'json'): Value | undefined {
  if (!text.includes('results')) return undefined;
  if (format === 'json') return (JSON.parse(text) as ObjectValue).results;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    const root = token.value;
    if (root?.type !== 'block-map' && root?.type !== 'flow-collection') return undefined;
    const entry = (root.items as Array<Parameters<typeof keyOf>[0]>).find((item) => keyOf(item) === 'results');
    return entry?.value ? decodeNode(entry.value, text) : undefined;
  }
  return undefined;
}

const SEVERITIES: ReadonlySet<string> = new Set(['error', 'warning', 'info']);

/**
 * One result of the child, in the spec's shape. A missing or unknown severity is `error` (the spec's
 * default); the old TypeScript SDK's `warn` is `warning`. kpt's legacy forms are read as kpt reads them
 * (`resourceRef.metadata.name`, `field.suggestedValue`; kpt `internal/fnruntime/runner.go`). Malformed
 * optional parts are dropped.
 * @returns undefined when the entry is not a map with a message
 */
function childResult(entry: Value): Result | undefined {
  if (!isPlainMap(entry) || typeof entry.message !== 'string') return undefined;
  const severity: Severity = entry.severity === 'warn' ? 'warning' : typeof entry.severity === 'string' && SEVERITIES.has(entry.severity) ? (entry.severity as Severity) : 'error';
  const result: Result = { message: entry.message, severity };
  const ref = entry.resourceRef;
  if (isPlainMap(ref)) {
    const legacy = isPlainMap(ref.metadata) ? ref.metadata : {};
    const name = ref.name ?? legacy.name;
    const namespace = ref.namespace ?? legacy.namespace;
    if (typeof ref.apiVersion === 'string' && typeof ref.kind === 'string' && typeof name === 'string') {
      const resourceRef: ResourceRef = { apiVersion: ref.apiVersion, kind: ref.kind, name };
      if (typeof namespace === 'string' && namespace !== '') resourceRef.namespace = namespace;
      result.resourceRef = resourceRef;
    }
  }
  const field = entry.field;
  if (isPlainMap(field) && typeof field.path === 'string') {
    result.field = { path: field.path };
    if (field.currentValue !== undefined) result.field.currentValue = field.currentValue;
    const proposed = field.proposedValue ?? field.suggestedValue;
    if (proposed !== undefined) result.field.proposedValue = proposed;
  }
  const file = entry.file;
  if (isPlainMap(file) && typeof file.path === 'string') {
    result.file = Number.isInteger(file.index) ? { path: file.path, index: file.index as number } : { path: file.path };
  }
  if (isPlainMap(entry.tags)) {
    const tags = Object.entries(entry.tags).filter((pair): pair is [string, string] => typeof pair[1] === 'string');
    if (tags.length > 0) result.tags = Object.fromEntries(tags);
  }
  return result;
}

/** The child's results: a list, or kpt's legacy `{items: [...]}`. */
function childResults(value: Value | undefined, label: string): Result[] {
  if (value === undefined || value === null) return [];
  const list = isPlainMap(value) && Array.isArray(value.items) ? value.items : value;
  if (!Array.isArray(list)) return [itemResult('error', `${label} wrote results that are not a list`)];
  return list.map((entry, index) => childResult(entry) ?? itemResult('error', `${label} wrote results[${index}] without a message`));
}

interface ChildOutput {
  objects: ObjectValue[];
  results: Result[];
}

/**
 * Reads the child's stdout.
 * @throws InputError when it is not a readable ResourceList
 */
function readOutput(stdout: Buffer, label: string): ChildOutput {
  let text: string;
  try {
    text = stdout.toString('utf8');
  } catch (error) {
    throw new InputError(`cannot decode ${stdout.length} bytes of output: ${(error as Error).message}`);
  }
  if (text.trim() === '') throw new InputError('no output: a function must write a ResourceList, even one with no items');
  const input = readInput(text);
  if (input.shape !== 'resource-list') {
    const found = input.shape === 'list' ? 'a List' : `${input.items.length} document${input.items.length === 1 ? '' : 's'} of resources`;
    throw new InputError(`the output is not a ResourceList (found ${found})`);
  }
  return { objects: input.items.map((item) => item.object), results: childResults(resultsValue(text, input.format), label) };
}

// ---------------------------------------------------------------------------------------------------
// Messages

/** The end of the child's stderr, at most `lines` lines and STDERR_MESSAGE_CHARS characters. */
function stderrTail(stderr: string, truncated: boolean, lines = Infinity): string {
  const all = stderr.trim().split(/\r?\n/);
  let text = all.slice(-lines).join('\n');
  let cut = truncated || all.length > lines;
  if (text.length > STDERR_MESSAGE_CHARS) {
    text = text.slice(-STDERR_MESSAGE_CHARS);
    cut = true;
  }
  return cut ? `…${text}` : text;
}

function spawnProblem(error: NodeJS.ErrnoException, program: string): string {
  if (error.code === 'ENOENT') return program.includes('/') ? `${program} does not exist` : `${program} is not on PATH`;
  if (error.code === 'EACCES') return `${program} is not executable (permission denied; chmod +x?)`;
  return `${program}: ${error.code ?? error.message}`;
}

function failure(child: ChildOutcome, command: ResolvedCommand, timeoutMs: number, maxOutputBytes: number): string | undefined {
  const { label } = command;
  if (child.spawnError) return `${label}: cannot run it: ${spawnProblem(child.spawnError, command.program)}`;
  if (child.timedOut) return `${label} timed out after ${timeoutMs / 1000} s and was killed`;
  if (child.stdout === undefined) return `${label} wrote more than ${maxOutputBytes} bytes on stdout and was killed`;
  const stderr = stderrTail(child.stderr, child.stderrTruncated, STDERR_ERROR_LINES);
  const detail = stderr === '' ? '' : `: ${stderr}`;
  if (child.signal) return `${label} was killed by ${child.signal}${detail}`;
  if (child.exitCode !== 0) return `${label} exited with code ${child.exitCode}${detail}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The step

/**
 * Runs one external step over `items` (already selected by the pipeline) with `functionConfig`.
 * Never throws for a failing child: failures become error results and the items come back unchanged.
 * @returns the items in the child's output order (the input's KrmItem objects for the items it kept,
 * updated in place; new KrmItems, origin `new`, for the ones it added) and its results: the output
 * ResourceList's `results`, plus an `info` result quoting its stderr, or an `error` result on failure
 * (a failing child's results are kept when its output could be read)
 */
export async function runExternalStep(command: ExternalCommand, items: readonly KrmItem[], functionConfig: ObjectValue | undefined, options: ExternalStepOptions): Promise<RunOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const env = { ...process.env, ...options.env };
  const unchanged = (results: Result[]): RunOutcome => ({ items: [...items], results });

  const resolved = resolveCommand(command, options.cwd, env.PATH);
  if (typeof resolved === 'string') return unchanged([itemResult('error', resolved)]);
  const { label } = resolved;

  const resourceList: ObjectValue = {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items: items.map((item, index) => withId(item.object, String(index))),
  };
  if (functionConfig !== undefined) resourceList.functionConfig = functionConfig;
  const child = await runChild(resolved.program, resolved.args, Buffer.from(JSON.stringify(resourceList)), { cwd: options.cwd, env, timeoutMs, maxOutputBytes });

  const problem = failure(child, resolved, timeoutMs, maxOutputBytes);
  if (problem !== undefined) {
    let results: Result[] = [];
    if (child.stdout && child.stdout.length > 0 && !child.spawnError) {
      try {
        results = readOutput(child.stdout, label).results;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
      }
    }
    return unchanged([...results, itemResult('error', problem)]);
  }

  let output: ChildOutput;
  try {
    output = readOutput(child.stdout!, label);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return unchanged([itemResult('error', `${label} wrote unreadable output: ${error.message}`)]);
  }

  // Match output objects to input items; the first object carrying an id is that item, any other is new.
  const matched = new Map<number, ObjectValue>();
  const order: Array<number | ObjectValue> = [];
  for (const object of output.objects) {
    const id = idOf(object, items.length);
    if (id === undefined) order.push(object);
    else if (matched.has(id)) order.push(restoreIds(object, items[id]!.object));
    else {
      matched.set(id, restoreIds(object, items[id]!.object));
      order.push(id);
    }
  }
  for (const [id, object] of matched) {
    const item = items[id]!;
    if (orchestratorSignature(item.object) !== orchestratorSignature(object)) {
      const where = [item.kind, item.namespace, item.name].filter((part) => part !== '').join('/');
      return unchanged([...output.results, itemResult('error', `${label} changed the orchestrator annotations of ${where} (internal.config.kubernetes.io/*, config.kubernetes.io/path|index, config.k8s.io/id, kustomize.config.k8s.io/id belong to kpt and kustomize)`, item)]);
    }
  }
  // All or nothing: an update that fails (a change through a YAML alias) undoes the ones before it.
  const updated: Array<{ item: KrmItem; before: ObjectValue }> = [];
  for (const [id, object] of matched) {
    const item = items[id]!;
    if (deepEqual(item.object, object)) continue;
    const before = structuredClone(item.object);
    try {
      item.update(object);
      updated.push({ item, before });
    } catch (error) {
      for (const done of updated.reverse()) done.item.update(done.before);
      return unchanged([...output.results, itemResult('error', `${label}: cannot take back its change: ${(error as Error).message}`, item)]);
    }
  }

  const results = [...output.results];
  const stderr = stderrTail(child.stderr, child.stderrTruncated);
  if (stderr !== '') results.push(itemResult('info', `${label} wrote on stderr: ${stderr}`));
  return { items: order.map((entry) => (typeof entry === 'number' ? items[entry]! : new KrmItem(entry, 'new'))), results };
}
