/**
 * End to end under kustomize: the BUILT executable (dist/bin/strip-route-host, made by `npm run build`,
 * which `npm test` runs first) run by `kubectl kustomize --enable-alpha-plugins` (kustomize v5.5), in its
 * two forms that kubectl can run:
 * - as a legacy exec plugin: `$KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lowercased kind>/<Kind>`, called
 *   with the transformer config's path as argv[1] and a bare YAML stream on stdin;
 * - as a KRM container function (`config.kubernetes.io/function: {container: {image}}`): kustomize runs
 *   `docker run ... IMAGE` with a ResourceList on stdin; a `docker` shim first on PATH stands in for
 *   the engine (there is none on the test machines) and execs the built executable.
 *
 * Not tested: the KRM `exec:` form (`config.kubernetes.io/function: {exec: {path: ...}}`). `kubectl
 * kustomize` has no `--enable-exec` flag (only the standalone `kustomize build` binary registers it), and
 * without it kyaml SILENTLY SKIPS exec functions: exit 0, output unchanged, the function never runs
 * (shared/design/krm-tools.md B6a; kubernetes/kubectl#1498). A test of it here could only pin that skip.
 *
 * kustomize re-serializes everything (sorted keys, no comments), so the output is compared as parsed
 * YAML, not bytes. It is parsed as YAML 1.1, as Kubernetes reads it: an unquoted `yes` would be a boolean.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEPLOY, ROUTES, SERVICE } from './e2e-package.js';
import { projectRoot } from './helpers.js';

const executable = join(projectRoot, 'dist/bin/strip-route-host');
const kubectlVersion = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = !kubectlVersion.error && kubectlVersion.status === 0;
if (!hasKubectl) console.warn('SKIPPING test/e2e-kustomize.test.ts: `kubectl` is not on PATH');

const IMAGE = 'ghcr.io/velero-krm-functions/strip-route-host:v0.1.0';

// ---- The kustomization's resources, as written by a user ------------------------------------------

const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - routes.yaml
  - service.yaml
  - deploy.yaml
transformers:
  - strip.yaml
`;

const HOST_REWRITES = `hostRewrites:
  - from: apps.src.example.com
    to: apps.dst.example.com
`;

/** The build output, whichever form ran the function: generated host gone, user host rewritten. */
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

// ---- Helpers ------------------------------------------------------------------------------------

let root = '';
let caseCount = 0;

beforeAll(() => {
  if (!hasKubectl) return;
  if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build\` first (\`npm test\` does)`);
  root = mkdtempSync(join(tmpdir(), 'krm-e2e-kustomize-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh folder for one case, with the kustomization, its resources and the transformer config. */
function makeKustomization(transformerConfig: string): string {
  const dir = join(root, `case-${++caseCount}`);
  const kustomizationDir = join(dir, 'app');
  mkdirSync(kustomizationDir, { recursive: true });
  const files: Record<string, string> = {
    'kustomization.yaml': KUSTOMIZATION,
    'routes.yaml': ROUTES,
    'service.yaml': SERVICE,
    'deploy.yaml': DEPLOY,
    'strip.yaml': transformerConfig,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(kustomizationDir, name), text);
  return dir;
}

/** `kubectl kustomize --enable-alpha-plugins DIR`, no shell; `pathFirst` goes first on PATH. */
function kustomize(kustomizationDir: string, env: Record<string, string> = {}, pathFirst?: string): SpawnSyncReturns<string> {
  // The executable's shebang is `#!/usr/bin/env node`: make sure the node running the tests is found.
  const path = [...(pathFirst ? [pathFirst] : []), dirname(process.execPath), process.env.PATH ?? ''].join(':');
  const result = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', kustomizationDir], {
    cwd: root,
    env: { ...process.env, ...env, PATH: path },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return result;
}

type Manifest = { kind?: string; metadata?: { name?: string } };

/** Parses a multi-document stream (as YAML 1.1) into objects sorted by kind and name. */
function manifests(text: string): Manifest[] {
  const documents = parseAllDocuments(text, { version: '1.1' });
  for (const document of documents) expect(document.errors, String(document.errors)).toEqual([]);
  const key = (manifest: Manifest) => `${manifest.kind}/${manifest.metadata?.name}`;
  return documents.map((document) => document.toJS() as Manifest).sort((a, b) => key(a).localeCompare(key(b)));
}

function expectBuild(result: SpawnSyncReturns<string>): void {
  expect(result.status, `kubectl kustomize exited ${result.status}; stderr:\n${result.stderr}`).toBe(0);
  expect(manifests(result.stdout)).toEqual(manifests(EXPECTED));
  // Spelled out, as the sorted deep comparison above could hide a swap.
  expect(result.stdout).not.toContain('frontend-shop.apps.src.example.com');
  expect(result.stdout).toContain('host: shop.apps.dst.example.com');
  expect(result.stdout).toContain('example.com/exposed: "yes"');
}

// ---- Cases --------------------------------------------------------------------------------------

describe.skipIf(!hasKubectl)('kubectl kustomize --enable-alpha-plugins with the built executable', () => {
  test('1. legacy exec plugin: $KUSTOMIZE_PLUGIN_HOME/<group>/<version>/striproutehost/StripRouteHost', () => {
    const strip = `apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: StripRouteHost
metadata:
  name: strip
${HOST_REWRITES}`;
    const dir = makeKustomization(strip);
    // A copy, not a symlink: the plugin must run alone, without dist/package.json beside it.
    const pluginHome = join(dir, 'plugins');
    const pluginDir = join(pluginHome, 'fn.velero-krm-functions.dev', 'v1alpha1', 'striproutehost');
    mkdirSync(pluginDir, { recursive: true });
    const plugin = join(pluginDir, 'StripRouteHost');
    copyFileSync(executable, plugin);
    chmodSync(plugin, 0o755);
    const out = kustomize(join(dir, 'app'), { KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expectBuild(out);
    expect(readFileSync(join(dir, 'app', 'strip.yaml'), 'utf8')).toBe(strip);
  });

  test('2. KRM container function, run through a `docker` shim first on PATH', () => {
    const strip = `apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: StripRouteHost
metadata:
  name: strip
  annotations:
    config.kubernetes.io/function: |
      container:
        image: ${IMAGE}
${HOST_REWRITES}`;
    const dir = makeKustomization(strip);
    const shimDir = join(dir, 'shim');
    mkdirSync(shimDir);
    const argsFile = join(shimDir, 'docker-args');
    const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    // Ignores its arguments except the last, which must be the image; records them; runs the function.
    const shim = `#!/bin/sh
for last in "$@"; do :; done
if [ "$last" != ${quote(IMAGE)} ]; then
  echo "docker shim: expected the image ${IMAGE} as the last argument, got: $*" >&2
  exit 125
fi
printf '%s\\n' "$@" > ${quote(argsFile)}
exec ${quote(executable)}
`;
    writeFileSync(join(shimDir, 'docker'), shim);
    chmodSync(join(shimDir, 'docker'), 0o755);
    const out = kustomize(join(dir, 'app'), {}, shimDir);
    expectBuild(out);
    // kustomize ran the container form (the function's own stderr lines are passed through).
    expect(readFileSync(argsFile, 'utf8').trimEnd().split('\n')).toEqual(expect.arrayContaining(['run', '-i', IMAGE]));
    expect(out.stderr).toContain('strip-route-host: [info] route.openshift.io/v1/Route/shop/frontend spec.host: removed the generated host');
  });
});
