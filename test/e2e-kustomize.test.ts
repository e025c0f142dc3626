/**
 * End to end under kustomize: the BUILT executables (dist/bin/<name>, made by `npm run build`, which
 * `npm test` runs first) run by `kubectl kustomize --enable-alpha-plugins` (kustomize v5.5), in the two
 * forms that kubectl can run, for every function, as its README's `### kustomize` section documents:
 * - as a legacy exec plugin: `$KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lowercased kind>/<Kind>`, called
 *   with the transformer config's path as argv[1] and a bare YAML stream on stdin. The README's install
 *   commands run as written, with KUSTOMIZE_PLUGIN_HOME set to a temp folder;
 * - as a KRM container function (`config.kubernetes.io/function: {container: {image}}`, the README's
 *   config): kustomize runs `docker run --rm -i ... --network none --user nobody ... IMAGE` with a
 *   ResourceList on stdin. A `docker` shim first on PATH stands in for the engine (there is none on the
 *   test machines): it maps each image `velero-krm-functions/<name>:<version>` to dist/bin/<name>, and
 *   records its arguments and stdin.
 * Each runs over the function's worked example (`functions/<name>/examples/`), and must give its output.
 *
 * Not tested: the KRM `exec:` form (`config.kubernetes.io/function: {exec: {path: ...}}`). `kubectl
 * kustomize` has no `--enable-exec` flag (only the standalone `kustomize build` binary registers it), and
 * without it kyaml SILENTLY SKIPS exec functions: exit 0, output unchanged, the function never runs
 * (shared/design/krm-tools.md B6a; kubernetes/kubectl#1498). A test of it here could only pin that skip.
 *
 * kustomize re-serializes everything (sorted keys, no comments), so the output is compared as parsed
 * YAML, not bytes. It is parsed as YAML 1.1, as Kubernetes reads it: an unquoted `yes` would be a boolean.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { functions } from '../functions/index.js';
import { DEPLOY, executableOf, imageOf, packageManifests, ROUTES, SERVICE, usageBlock, workedExample, writeFiles } from './e2e-package.js';
import { projectRoot, type Manifest } from './helpers.js';
import { hasKubectl, runProcess, runShell, shellQuote, toolEnvironment, type ProcessResult } from './kpt.js';

if (!hasKubectl) console.warn('SKIPPING test/e2e-kustomize.test.ts: `kubectl` is not on PATH');

let root = '';
let caseCount = 0;

beforeAll(() => {
  if (!hasKubectl) return;
  for (const fn of functions) {
    if (!existsSync(executableOf(fn.name))) throw new Error(`${executableOf(fn.name)} is missing: run \`npm run build\` first (\`npm test\` does)`);
  }
  root = mkdtempSync(join(tmpdir(), 'krm-e2e-kustomize-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// ---- Helpers ------------------------------------------------------------------------------------

/**
 * A fresh folder for one case: `app/` holds the kustomization (the resources, in order, and the
 * transformer config `transformer.yaml`); `plugins/` and `shim/` are empty.
 */
function makeCase(resources: Record<string, string>, transformer: string): { dir: string; app: string } {
  const dir = join(root, `case-${++caseCount}`);
  const app = join(dir, 'app');
  const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${Object.keys(resources)
  .map((file) => `- ${file}\n`)
  .join('')}transformers:
- transformer.yaml
`;
  writeFiles(app, { ...resources, 'transformer.yaml': transformer, 'kustomization.yaml': kustomization });
  mkdirSync(join(dir, 'plugins'));
  mkdirSync(join(dir, 'shim'));
  return { dir, app };
}

/** `$KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lowercased kind>/<Kind>` of a function's typed config. */
function pluginPath(pluginHome: string, kind: string): string {
  return join(pluginHome, 'fn.velero-krm-functions.dev', 'v1alpha1', kind.toLowerCase(), kind);
}

/**
 * Writes `shim/docker` into a case folder: it records its arguments (one per line) in `shim/args` and
 * its stdin in `shim/stdin`, then runs the executable of the image named by its last argument.
 */
function writeDockerShim(dir: string): void {
  const shim = join(dir, 'shim');
  const images = functions.map((fn) => `  ${shellQuote(imageOf(fn.name))}) executable=${shellQuote(executableOf(fn.name))} ;;\n`).join('');
  writeFileSync(
    join(shim, 'docker'),
    `#!/bin/sh
printf '%s\\n' "$@" > ${shellQuote(join(shim, 'args'))}
for image in "$@"; do :; done
case "$image" in
${images}  *) echo "docker shim: no executable for the image $image (the last argument)" >&2; exit 125 ;;
esac
tee ${shellQuote(join(shim, 'stdin'))} | "$executable"
`,
  );
  chmodSync(join(shim, 'docker'), 0o755);
}

/** `kubectl kustomize --enable-alpha-plugins APP` with the case's docker shim first on PATH. */
function kustomizeWithShim(dir: string, app: string): Promise<ProcessResult> {
  return runProcess('kubectl', ['kustomize', '--enable-alpha-plugins', app], root, toolEnvironment({}, [join(dir, 'shim')]));
}

/** The documents of a build output (as YAML 1.1), sorted by key. */
function buildManifests(result: ProcessResult): Manifest[] {
  expect(result.status, `kubectl kustomize exited ${result.status}; stderr:\n${result.stderr}`).toBe(0);
  const documents = parseAllDocuments(result.stdout, { version: '1.1' });
  for (const document of documents) expect(document.errors, String(document.errors)).toEqual([]);
  return packageManifests({ 'build.yaml': result.stdout });
}

/** What the shim saw: kustomize's docker arguments, and the ResourceList it sent. */
function shimRecord(dir: string): { args: string[]; stdin: string } {
  return {
    args: readFileSync(join(dir, 'shim', 'args'), 'utf8').trimEnd().split('\n'),
    stdin: readFileSync(join(dir, 'shim', 'stdin'), 'utf8'),
  };
}

/** The flags kubectl's kustomize passes to `docker run` for a container function (kyaml container.go). */
function expectDockerRun(args: string[], image: string): void {
  expect(args[0]).toBe('run');
  expect(args).toContain('--rm');
  expect(args).toContain('-i');
  const pair = (flag: string) => args[args.indexOf(flag) + 1];
  expect(pair('--network')).toBe('none');
  expect(pair('--user')).toBe('nobody');
  expect(args.at(-1)).toBe(image);
}

// ---- The small package, as the first suites had it -------------------------------------------------

const HOST_REWRITES = `hostRewrites:
  - from: apps.src.example.com
    to: apps.dst.example.com
`;

/** The build output, whichever form ran strip-route-host: generated host gone, user host rewritten. */
const EXPECTED = `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: frontend
  namespace: shop
  annotations:
    openshift.io/host.generated: "true"
spec:
  to:
    kind: Service
    name: frontend
  port:
    targetPort: http
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: shop
  namespace: shop
spec:
  host: shop.apps.dst.example.com
  path: /
  to:
    kind: Service
    name: frontend
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: shop
  annotations:
    example.com/exposed: "yes"
    example.com/owner: team-shop
spec:
  selector:
    app: frontend
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
${DEPLOY}`;

const SMALL_PACKAGE = { 'routes.yaml': ROUTES, 'service.yaml': SERVICE, 'deploy.yaml': DEPLOY };

function expectSmallBuild(result: ProcessResult): void {
  expect(buildManifests(result)).toEqual(packageManifests({ 'expected.yaml': EXPECTED }));
  // Spelled out, as the sorted deep comparison above could hide a swap.
  expect(result.stdout).not.toContain('frontend-shop.apps.src.example.com');
  expect(result.stdout).toContain('host: shop.apps.dst.example.com');
  expect(result.stdout).toContain('example.com/exposed: "yes"');
}

describe.skipIf(!hasKubectl).concurrent('strip-route-host on a small package, YAML 1.1 strings kept quoted', () => {
  test('legacy exec plugin, a copy of the executable alone', async () => {
    const strip = `apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: StripRouteHost
metadata:
  name: strip
${HOST_REWRITES}`;
    const { dir, app } = makeCase(SMALL_PACKAGE, strip);
    // A copy, not a symlink: the plugin must run alone, without dist/package.json beside it.
    const plugin = pluginPath(join(dir, 'plugins'), 'StripRouteHost');
    mkdirSync(join(plugin, '..'), { recursive: true });
    copyFileSync(executableOf('strip-route-host'), plugin);
    chmodSync(plugin, 0o755);
    const out = await runProcess('kubectl', ['kustomize', '--enable-alpha-plugins', app], root, toolEnvironment({ KUSTOMIZE_PLUGIN_HOME: join(dir, 'plugins') }));
    expectSmallBuild(out);
    expect(readFileSync(join(app, 'transformer.yaml'), 'utf8')).toBe(strip);
  });

  test('KRM container function through the docker shim; the function passes its stderr lines through', async () => {
    const image = imageOf('strip-route-host');
    const strip = `apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: StripRouteHost
metadata:
  name: strip
  annotations:
    config.kubernetes.io/function: |
      container:
        image: ${image}
${HOST_REWRITES}`;
    const { dir, app } = makeCase(SMALL_PACKAGE, strip);
    writeDockerShim(dir);
    const out = await kustomizeWithShim(dir, app);
    expectSmallBuild(out);
    expectDockerRun(shimRecord(dir).args, image);
    expect(out.stderr).toContain('strip-route-host: [info] route.openshift.io/v1/Route/shop/frontend spec.host: removed the generated host');
  });
});

// ---- Every function's worked example, as its README documents ------------------------------------

describe.skipIf(!hasKubectl).concurrent.each(functions.map((fn) => [fn.name, fn] as const))('%s: README kustomize usage on the worked example', (name, fn) => {
  const example = workedExample(fn);

  test('legacy exec plugin: the README install commands, then kubectl kustomize', async () => {
    const { dir, app } = makeCase(example.files, example.configText);
    const pluginHome = join(dir, 'plugins');
    const script = usageBlock(name, 'kustomize', 'sh').replace(/(?<=\s)DIR(?=\s|$)/g, shellQuote(app));
    const out = await runShell(script, projectRoot, toolEnvironment({ KUSTOMIZE_PLUGIN_HOME: pluginHome }));
    expect(existsSync(pluginPath(pluginHome, fn.kind)), `the README installs ${pluginPath('$KUSTOMIZE_PLUGIN_HOME', fn.kind)}`).toBe(true);
    expect(buildManifests(out)).toEqual(example.expected);
  });

  test('KRM container function: the README config, run through the docker shim', async () => {
    const transformer = usageBlock(name, 'kustomize', 'yaml');
    // The README's config is the worked example's, with the function annotation naming the image.
    const config = parse(example.configText) as Manifest;
    config.metadata.annotations = { 'config.kubernetes.io/function': `container:\n  image: ${imageOf(name)}\n` };
    expect(parse(transformer)).toEqual(config);
    const { dir, app } = makeCase(example.files, transformer);
    writeDockerShim(dir);
    const out = await kustomizeWithShim(dir, app);
    expect(buildManifests(out)).toEqual(example.expected);
    const { args, stdin } = shimRecord(dir);
    expectDockerRun(args, imageOf(name));
    // What kustomize sent: a ResourceList of the items without their comments, keys sorted, each with
    // kustomize's multi-line id annotation, and the config as functionConfig.
    const resourceList = parse(stdin) as Manifest;
    expect(resourceList.kind).toBe('ResourceList');
    expect(resourceList.functionConfig.kind).toBe(fn.kind);
    expect(stdin).not.toMatch(/^\s*#/m);
    for (const item of resourceList.items as Manifest[]) {
      expect(Object.keys(item)).toEqual(Object.keys(item).sort());
      const id = parse(item.metadata.annotations['kustomize.config.k8s.io/id'] as string) as Manifest;
      expect(id).toMatchObject({ kind: item.kind, name: item.metadata.name });
    }
  });
});
