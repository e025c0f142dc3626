/**
 * The container images, built from the Dockerfiles that `npm run dockerfiles` renders into dist/docker/
 * (after `npm run build`, which `npm test` runs first), with buildah as CI has it: no Docker engine,
 * `buildah bud --isolation chroot --storage-driver vfs`, containers run by `buildah run --isolation chroot`.
 *
 * Registries are out of reach, so the bases are made here from the machine's own Node.js with
 * `buildah from scratch`: a glibc image holding node's shared libraries and dynamic loader (as `ldd`
 * lists them), and a Node.js image that adds node at /nodejs/bin/node, where the default base (the
 * distroless Node.js image) has it. Each is passed as BASE_IMAGE. Storage is a temporary folder
 * (--root/--runroot), so nothing depends on, or is left in, the machine's container storage.
 *
 * Checked: a function image runs the function's worked example through its ENTRYPOINT, exactly as the
 * bundled executable does; the plugin image, on the glibc base (no node in it), has a standalone
 * binary for every executable at /data/executables/<name> that runs a ResourceList; both run as nobody
 * (65534), carry the OCI labels, and add nothing but their executables to the base.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { independentItems, projectRoot, type Manifest } from './helpers.js';

const buildahVersion = spawnSync('buildah', ['--version'], { encoding: 'utf8' });
const hasBuildah = !buildahVersion.error && buildahVersion.status === 0;
if (!hasBuildah) console.warn('SKIPPING test/image.test.ts: `buildah` is not on PATH (.ci/run installs it: apt-get install buildah)');

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
const binDir = join(projectRoot, 'dist/bin');
const dockerDir = join(projectRoot, 'dist/docker');
const FUNCTION = 'strip-route-host';
const GLIBC_BASE = 'localhost/krm-test-glibc:latest';
const NODE_BASE = 'localhost/krm-test-node:latest';
const functionImage = `localhost/velero-krm-functions/${FUNCTION}:${version}`;
const pluginImage = `localhost/velero-krm-functions/plugin:${version}`;

let root = '';
let names: string[] = [];
/** Working containers of the two images (each `buildah from` copies a whole tree with vfs). */
const containers = { function: '', plugin: '' };
/** What each image adds to its base, listed before any `buildah run` adds its mount points. */
const added = { function: [] as string[], plugin: [] as string[] };

type Outcome = { status: number | null; stdout: string; stderr: string };

function buildahRaw(args: string[], input?: string): Outcome {
  const storage = ['--root', join(root, 'storage'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
  const result = spawnSync('buildah', [...storage, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a buildah command that must succeed; returns its stdout, trimmed. */
function buildah(...args: string[]): string {
  const result = buildahRaw(args);
  if (result.status !== 0) throw new Error(`buildah ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout.trim();
}

/** `command` in `container` (chroot isolation, as the image's user), `input` on stdin. */
function runIn(container: string, command: string[], input = '', mounts: string[] = []): Outcome {
  return buildahRaw(['run', '--isolation', 'chroot', ...mounts.flatMap((mount) => ['-v', mount]), container, '--', ...command], input);
}

/** The bundled executable on this machine (node on PATH for its shebang). */
function bundled(name: string, args: string[], input: string): Outcome {
  const result = spawnSync(join(binDir, name), args, { input, encoding: 'utf8', env: { PATH: dirname(process.execPath) }, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A function's worked example (functions/<name>/examples) as a ResourceList, and the items it must produce. */
function example(name: string): { input: string; expected: Manifest[] } {
  const folder = join(projectRoot, 'functions', name, 'examples');
  const items = independentItems(readFileSync(join(folder, 'input.yaml'), 'utf8'));
  const functionConfig = parse(readFileSync(join(folder, 'config.yaml'), 'utf8')) as Manifest;
  return {
    input: stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig }),
    expected: independentItems(readFileSync(join(folder, 'output.yaml'), 'utf8')),
  };
}

/** Every path under `dir` (folders included), as absolute paths inside the image. */
function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const inImage = `${prefix}/${name}`;
    return lstatSync(path).isDirectory() ? [inImage, ...listTree(path, inImage)] : [inImage];
  });
}

/** The paths an image adds to the base: its working container's tree minus the base's. */
function addedPaths(container: string, baseContainer: string): string[] {
  const base = new Set(listTree(buildah('mount', baseContainer)));
  return listTree(buildah('mount', container)).filter((path) => !base.has(path)).sort();
}

type ImageConfig = { User?: string; Entrypoint?: string[] | null; Labels?: Record<string, string> };

function imageConfig(image: string): ImageConfig {
  return (JSON.parse(buildah('inspect', '--type', 'image', image)) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** The description `npm run dockerfiles` takes from --help: its first line, after "<name> <version>: ". */
function helpDescription(name: string): string {
  return bundled(name, ['--help'], '').stdout.split('\n')[0]!.replace(`${name} ${version}: `, '');
}

/** Makes the two bases from this machine's node: its libraries and loader, then node itself. */
function buildBases(): void {
  const ldd = spawnSync('ldd', [process.execPath], { encoding: 'utf8' });
  if (ldd.status !== 0) throw new Error(`ldd ${process.execPath} failed: ${ldd.stderr}`);
  const libraries = [...ldd.stdout.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]!);
  expect(libraries.some((path) => path.includes('ld-linux'))).toBe(true);
  const container = buildah('from', 'scratch');
  for (const library of libraries) buildah('copy', container, realpathSync(library), library);
  buildah('commit', '-q', container, GLIBC_BASE);
  buildah('copy', container, realpathSync(process.execPath), '/nodejs/bin/node');
  buildah('commit', '-q', container, NODE_BASE);
  buildah('rm', container);
}

function buildImage(context: string, base: string, tag: string): void {
  buildah('bud', '--isolation', 'chroot', '--pull=never', '--build-arg', `BASE_IMAGE=${base}`, '-t', tag, '-f', join(dockerDir, context, 'Dockerfile'), join(dockerDir, context));
}

beforeAll(() => {
  if (!hasBuildah) return;
  if (!existsSync(binDir)) throw new Error(`${binDir} is missing: run \`npm run build\` first (\`npm test\` does)`);
  names = readdirSync(binDir).sort();
  root = mkdtempSync(join(tmpdir(), 'krm-image-'));
  const render = spawnSync(process.execPath, [join(projectRoot, 'scripts/dockerfiles.mjs')], { encoding: 'utf8' });
  if (render.status !== 0) throw new Error(`npm run dockerfiles failed:\n${render.stderr}`);
  buildBases();
  buildImage(FUNCTION, NODE_BASE, functionImage);
  buildImage('plugin', GLIBC_BASE, pluginImage);
  containers.function = buildah('from', '--pull=never', functionImage);
  containers.plugin = buildah('from', '--pull=never', pluginImage);
  added.function = addedPaths(containers.function, buildah('from', '--pull=never', NODE_BASE));
  added.plugin = addedPaths(containers.plugin, buildah('from', '--pull=never', GLIBC_BASE));
}, 300_000);

afterAll(() => {
  if (!root) return;
  buildahRaw(['rm', '--all']);
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasBuildah)('images built with buildah from dist/docker', () => {
  test(`the ${FUNCTION} image runs a ResourceList through its ENTRYPOINT, as the executable does`, () => {
    const config = imageConfig(functionImage);
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', `/usr/local/bin/${FUNCTION}`]);
    const { input, expected } = example(FUNCTION);
    const out = runIn(containers.function, config.Entrypoint!, input);
    expect(out).toEqual(bundled(FUNCTION, [], input));
    expect(out.status, out.stderr).toBe(0);
    expect((parse(out.stdout) as { items: Manifest[] }).items).toEqual(expected);
    // the container's user is nobody, as kpt runs functions
    expect(runIn(containers.function, ['/nodejs/bin/node', '-e', 'process.stdout.write(`${process.getuid()}:${process.getgid()}`)']).stdout).toBe('65534:65534');
  });

  test(`the ${FUNCTION} image: non-root, OCI labels, and nothing but the executable on the base`, () => {
    const config = imageConfig(functionImage);
    expect(config.User).toBe('65534:65534');
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.title': FUNCTION,
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.description': helpDescription(FUNCTION),
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//),
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(added.function).toEqual(['/usr', '/usr/local', '/usr/local/bin', `/usr/local/bin/${FUNCTION}`]);
    const installed = join(buildah('mount', containers.function), 'usr/local/bin', FUNCTION);
    expect(readFileSync(installed)).toEqual(readFileSync(join(binDir, FUNCTION)));
    expect(lstatSync(installed).mode & 0o777).toBe(0o755);
  });

  test('the plugin image: every executable at /data/executables/<name>, running ResourceLists with no node in the image', () => {
    const rootfs = buildah('mount', containers.plugin);
    expect(existsSync(join(rootfs, 'nodejs'))).toBe(false);
    expect(readdirSync(join(rootfs, 'data/executables')).sort()).toEqual(names);
    for (const name of names) {
      const executable = `/data/executables/${name}`;
      expect(runIn(containers.plugin, [executable, '--version'])).toEqual({ status: 0, stdout: `${name} ${version}\n`, stderr: '' });
      if (name === 'krm-pipeline') {
        // the shipped backup pipeline (its folder mounted in) over quiesce-workloads' example
        const { input } = example('quiesce-workloads');
        const out = runIn(containers.plugin, [executable, '--pipeline', '/pipelines/backup.yaml', '--quiet'], input, [`${join(projectRoot, 'pipelines')}:/pipelines:ro`]);
        expect(out).toEqual(bundled(name, ['--pipeline', join(projectRoot, 'pipelines/backup.yaml'), '--quiet'], input));
        expect(out.status, out.stderr).toBe(0);
        expect(out.stdout).toContain('migration.openshift.io/preQuiesceReplicas');
        continue;
      }
      const { input, expected } = example(name);
      const out = runIn(containers.plugin, [executable], input);
      expect(out, name).toEqual(bundled(name, [], input));
      expect(out.status, `${name}: ${out.stderr}`).toBe(0);
      expect((parse(out.stdout) as { items: Manifest[] }).items).toEqual(expected);
    }
  });

  test('the plugin image: non-root, OCI labels, and nothing but the executables on the base', () => {
    const config = imageConfig(pluginImage);
    expect(config.User).toBe('65534:65534');
    expect(config.Entrypoint ?? null).toBeNull();
    expect(config.Labels).toMatchObject({ 'org.opencontainers.image.version': version, 'org.opencontainers.image.licenses': 'Apache-2.0' });
    expect(config.Labels?.['org.opencontainers.image.description']).toContain('/data/executables/');
    expect(added.plugin).toEqual(['/data', '/data/executables', ...names.map((name) => `/data/executables/${name}`)].sort());
  });
});
