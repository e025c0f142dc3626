/**
 * End to end under kpt: the BUILT executable (dist/bin/strip-route-host, made by `npm run build`, which
 * `npm test` runs first) driven by the real `kpt` CLI over a small package on disk, with `kpt fn eval
 * --exec` and `kpt fn render --allow-exec`. The files are compared byte for byte: untouched files and
 * lines must come back exactly as written (comments, quoting, indentation).
 *
 * kpt 1.0.0-beta.56 behaviour relied on (shared/design/krm-tools.md, krm-tools-second-pass.md):
 * - eval needs no flag for `--exec`; the path is shlex-split, so an absolute path is used;
 * - render needs `--allow-exec`, and a Kptfile `exec:` is resolved against kpt's cwd, not the package:
 *   an absolute path, and kpt is run from another folder to prove it;
 * - a failing function (exit 1) leaves the package untouched and kpt exits 1;
 * - kpt copies comments back by id after each function, which duplicates a moved head-of-file comment
 *   once per function (kptdev/kpt#4211): case 4 guards against the function triggering that.
 */
import { type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY, ROUTES, SERVICE } from './e2e-package.js';
import { projectRoot } from './helpers.js';
import { execArgument, hasKpt, readPackage, runKpt } from './kpt.js';

const executable = join(projectRoot, 'dist/bin/strip-route-host');
if (!hasKpt) console.warn('SKIPPING test/e2e-kpt.test.ts: `kpt` is not on PATH');

// ---- The package, as written by a user ------------------------------------------------------------

// ---- What it must become ------------------------------------------------------------------------

/** Without config: the generated route loses its `host:` line, and nothing else changes. */
const ROUTES_STRIPPED = `# Routes of the shop application (head-of-file comment)
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: frontend # the storefront
  namespace: shop
  annotations:
    openshift.io/host.generated: "true"
# comment above spec
spec:
  to:
    kind: Service
    name: frontend # the service
  port:
    targetPort: 'http'
---
# the user-set route
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: shop
  namespace: shop
spec:
  host: shop.apps.src.example.com # set by the user
  path: /
  to:
    kind: Service
    name: frontend
`;

/** With hostRewrites apps.src.example.com → apps.dst.example.com the user-set host moves too. */
const ROUTES_REWRITTEN = ROUTES_STRIPPED.replace('shop.apps.src.example.com # set by the user', 'shop.apps.dst.example.com # set by the user');

const REWRITE_ARG = 'hostRewrites=apps.src.example.com=apps.dst.example.com';

const TYPED_CONFIG = `# typed config, kept outside the package
apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: StripRouteHost
metadata:
  name: strip-route-host-config
hostRewrites:
  - from: apps.src.example.com
    to: apps.dst.example.com
`;

// ---- Helpers ------------------------------------------------------------------------------------

/** kpt shlex-splits `--exec` and Kptfile `exec:` values: quote a path that holds whitespace. */
const execValue = execArgument(executable);

let root = '';
let packageCount = 0;

beforeAll(() => {
  if (!hasKpt) return;
  if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build\` first (\`npm test\` does)`);
  root = mkdtempSync(join(tmpdir(), 'krm-e2e-kpt-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh copy of the package (plus `extra` files) in its own folder under the temp root. */
function makePackage(extra: Record<string, string> = {}): string {
  const dir = join(root, `pkg-${++packageCount}`);
  mkdirSync(dir);
  const files: Record<string, string> = { 'routes.yaml': ROUTES, 'service.yaml': SERVICE, 'deploy.yaml': DEPLOY, ...extra };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}


/** Runs kpt from `cwd` (the temp root by default, never the package). */
function kpt(args: string[], cwd = root): SpawnSyncReturns<string> {
  return runKpt(args, cwd);
}

/** Asserts an exit status, showing kpt's stderr when it differs. */
function expectStatus(result: SpawnSyncReturns<string>, status: number): void {
  expect(result.status, `kpt exited ${result.status}; stderr:\n${result.stderr}`).toBe(status);
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

// ---- Cases --------------------------------------------------------------------------------------

describe.skipIf(!hasKpt)('kpt fn eval / fn render with the built executable', () => {
  test('1. eval --exec: the generated host is removed; everything else is byte-identical', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue]);
    expectStatus(out, 0);
    expect(out.stderr).toContain('[PASS]');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_STRIPPED, 'service.yaml': SERVICE });
  });

  test('2. eval -- hostRewrites=from=to (ConfigMap function-input): the user-set host is rewritten', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', REWRITE_ARG]);
    expectStatus(out, 0);
    expect(out.stderr).toContain('rewrote the user-set host shop.apps.src.example.com to shop.apps.dst.example.com');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
  });

  test('3. eval --fn-config with a typed StripRouteHost config outside the package', () => {
    const dir = makePackage();
    const configDir = join(root, `config-${packageCount}`);
    mkdirSync(configDir);
    const config = join(configDir, 'strip-route-host.yaml');
    writeFileSync(config, TYPED_CONFIG);
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--fn-config', config]);
    expectStatus(out, 0);
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
    expect(readFileSync(config, 'utf8')).toBe(TYPED_CONFIG);
  });

  test('4a. three evals in a row: idempotent, each head comment still appears once (kptdev/kpt#4211)', () => {
    const dir = makePackage();
    for (let run = 1; run <= 3; run++) {
      const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', REWRITE_ARG]);
      expectStatus(out, 0);
      // The first run changes both routes; later runs find nothing left to do.
      if (run > 1) expect(out.stderr).not.toContain('[info]');
    }
    const files = readPackage(dir);
    expect(occurrences(files['routes.yaml'] ?? '', '# Routes of the shop application')).toBe(1);
    expect(occurrences(files['routes.yaml'] ?? '', '# the user-set route')).toBe(1);
    expect(occurrences(files['service.yaml'] ?? '', '# The frontend service')).toBe(1);
    expect(files).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
  });

  test('4b. a Kptfile pipeline of three mutators: same output as one run, head comments once', () => {
    const kptfile = `# Kptfile head comment
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: shop
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: ${JSON.stringify(execValue)}
      configMap:
        hostRewrites: apps.src.example.com=apps.dst.example.com
    - exec: ${JSON.stringify(execValue)}
    - exec: ${JSON.stringify(execValue)}
      configMap:
        hostRewrites: apps.src.example.com=apps.dst.example.com
`;
    const dir = makePackage({ Kptfile: kptfile });
    const out = kpt(['fn', 'render', dir, '--allow-exec']);
    expectStatus(out, 0);
    expect(out.stderr).toContain('Successfully executed 3 function(s) in 1 package(s).');
    const files = readPackage(dir);
    expect(occurrences(files['routes.yaml'] ?? '', '# Routes of the shop application')).toBe(1);
    expect(occurrences(files['routes.yaml'] ?? '', '# the user-set route')).toBe(1);
    expect(occurrences(files['service.yaml'] ?? '', '# The frontend service')).toBe(1);
    expect(occurrences(files['Kptfile'] ?? '', '# Kptfile head comment')).toBe(1);
    expect(files).toEqual({ Kptfile: kptfile, 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
  });

  test('5. render --allow-exec with an absolute exec: and a configMap; the Kptfile is left byte for byte', () => {
    const kptfile = `# The shop package
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: shop # package name
  annotations:
    config.kubernetes.io/local-config: "true"
info:
  description: 'Shop application, restored to the destination cluster'
pipeline:
  mutators:
    # kpt resolves exec: against its own working directory: absolute path
    - exec: ${JSON.stringify(execValue)}
      configMap:
        hostRewrites: apps.src.example.com=apps.dst.example.com
`;
    const dir = makePackage({ Kptfile: kptfile });
    // Run from a folder that is neither the package nor the project.
    const elsewhere = join(root, `cwd-${packageCount}`);
    mkdirSync(elsewhere);
    const out = kpt(['fn', 'render', dir, '--allow-exec'], elsewhere);
    expectStatus(out, 0);
    expect(out.stderr).toContain('Successfully executed 1 function(s) in 1 package(s).');
    expect(readPackage(dir)).toEqual({ Kptfile: kptfile, 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test('6. a bad config fails: kpt exits non-zero, the package is untouched, stderr names hostRewrites', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'hostRewrites=notapair']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('[FAIL]');
    expect(out.stderr).toContain('hostRewrites');
    expect(out.stderr).toContain('"notapair" is not a pair');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES, 'service.yaml': SERVICE });
  });

  test('7. --results-dir: results.yaml holds an info result on spec.host of the generated route', () => {
    const dir = makePackage();
    const resultsDir = join(root, `results-${packageCount}`);
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--results-dir', resultsDir]);
    expectStatus(out, 0);
    expect(readPackage(dir)['routes.yaml']).toBe(ROUTES_STRIPPED);
    const resultList = parse(readFileSync(join(resultsDir, 'results.yaml'), 'utf8')) as {
      kind: string;
      exitCode: number;
      items: { exec?: string; exitCode: number; results?: Record<string, unknown>[] }[];
    };
    expect(resultList.kind).toBe('FunctionResultList');
    expect(resultList.exitCode).toBe(0);
    expect(resultList.items).toHaveLength(1);
    const [item] = resultList.items;
    expect(item?.exec).toBe(execValue);
    expect(item?.exitCode).toBe(0);
    expect(item?.results).toEqual([
      {
        message: 'removed the generated host frontend-shop.apps.src.example.com; the destination router generates a new one',
        severity: 'info',
        resourceRef: { apiVersion: 'route.openshift.io/v1', kind: 'Route', name: 'frontend', namespace: 'shop' },
        field: { path: 'spec.host', currentValue: 'frontend-shop.apps.src.example.com' },
        file: { path: 'routes.yaml' },
      },
    ]);
  });
});
