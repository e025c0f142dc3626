/**
 * End to end under kpt: the BUILT executables (dist/bin/<name>, made by `npm run build`, which `npm test`
 * runs first) driven by the real `kpt` CLI, with `kpt fn eval --exec` and `kpt fn render --allow-exec`:
 * - strip-route-host over a small package on disk (cases 1-7). The files are compared byte for byte:
 *   untouched files and lines must come back exactly as written (comments, quoting, indentation);
 * - the repository's own Kptfile, the restore pipeline over examples/shop, rendered from the repository
 *   root as its comment says, and into a copy. Its expected changes are written out by hand below.
 * Every function's README usage under kpt is run in e2e-kpt-examples.test.ts.
 *
 * kpt 1.0.0-beta.56 behaviour relied on (shared/design/krm-tools.md, krm-tools-second-pass.md):
 * - eval needs no flag for `--exec`; the path is shlex-split, so an absolute path is used;
 * - render needs `--allow-exec`, and a Kptfile `exec:` is resolved against kpt's cwd, not the package:
 *   an absolute path, and kpt is run from another folder to prove it;
 * - a failing function (exit 1) leaves the package untouched and kpt exits 1;
 * - kpt copies comments back by id after each function, which duplicates a moved head-of-file comment
 *   once per function (kptdev/kpt#4211): case 4 guards against the function triggering that.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY, executableOf, manifestKey, packageManifests, ROUTES, SERVICE, sortedManifests } from './e2e-package.js';
import { projectRoot, type Manifest } from './helpers.js';
import { execArgument, hasKpt, readPackage, runProcess, type ProcessResult } from './kpt.js';

const executable = join(projectRoot, 'dist/bin/strip-route-host');
if (!hasKpt) console.warn('SKIPPING test/e2e-kpt.test.ts: `kpt` is not on PATH');

// ---- What the small package (ROUTES, SERVICE, DEPLOY) must become ---------------------------------

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
function kpt(args: string[], cwd = root): Promise<ProcessResult> {
  return runProcess('kpt', args, cwd);
}

/** Asserts an exit status, showing kpt's stderr when it differs. */
function expectStatus(result: ProcessResult, status: number): void {
  expect(result.status, `kpt exited ${result.status}; stderr:\n${result.stderr}`).toBe(status);
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

// ---- Cases --------------------------------------------------------------------------------------

describe.skipIf(!hasKpt).concurrent('kpt fn eval / fn render with the built executable', () => {
  test('1. eval --exec: the generated host is removed; everything else is byte-identical', async () => {
    const dir = makePackage();
    const out = await kpt(['fn', 'eval', dir, '--exec', execValue]);
    expectStatus(out, 0);
    expect(out.stderr).toContain('[PASS]');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_STRIPPED, 'service.yaml': SERVICE });
  });

  test('2. eval -- hostRewrites=from=to (ConfigMap function-input): the user-set host is rewritten', async () => {
    const dir = makePackage();
    const out = await kpt(['fn', 'eval', dir, '--exec', execValue, '--', REWRITE_ARG]);
    expectStatus(out, 0);
    expect(out.stderr).toContain('rewrote the user-set host shop.apps.src.example.com to shop.apps.dst.example.com');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
  });

  test('3. eval --fn-config with a typed StripRouteHost config outside the package', async () => {
    const dir = makePackage();
    const configDir = join(root, `config-${packageCount}`);
    mkdirSync(configDir);
    const config = join(configDir, 'strip-route-host.yaml');
    writeFileSync(config, TYPED_CONFIG);
    const out = await kpt(['fn', 'eval', dir, '--exec', execValue, '--fn-config', config]);
    expectStatus(out, 0);
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
    expect(readFileSync(config, 'utf8')).toBe(TYPED_CONFIG);
  });

  test('4a. three evals in a row: idempotent, each head comment still appears once (kptdev/kpt#4211)', async () => {
    const dir = makePackage();
    for (let run = 1; run <= 3; run++) {
      const out = await kpt(['fn', 'eval', dir, '--exec', execValue, '--', REWRITE_ARG]);
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

  test('4b. a Kptfile pipeline of three mutators: same output as one run, head comments once', async () => {
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
    const out = await kpt(['fn', 'render', dir, '--allow-exec']);
    expectStatus(out, 0);
    expect(out.stderr).toContain('Successfully executed 3 function(s) in 1 package(s).');
    const files = readPackage(dir);
    expect(occurrences(files['routes.yaml'] ?? '', '# Routes of the shop application')).toBe(1);
    expect(occurrences(files['routes.yaml'] ?? '', '# the user-set route')).toBe(1);
    expect(occurrences(files['service.yaml'] ?? '', '# The frontend service')).toBe(1);
    expect(occurrences(files['Kptfile'] ?? '', '# Kptfile head comment')).toBe(1);
    expect(files).toEqual({ Kptfile: kptfile, 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
  });

  test('5. render --allow-exec with an absolute exec: and a configMap; the Kptfile is left byte for byte', async () => {
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
    const out = await kpt(['fn', 'render', dir, '--allow-exec'], elsewhere);
    expectStatus(out, 0);
    expect(out.stderr).toContain('Successfully executed 1 function(s) in 1 package(s).');
    expect(readPackage(dir)).toEqual({ Kptfile: kptfile, 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES_REWRITTEN, 'service.yaml': SERVICE });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test('6. a bad config fails: kpt exits non-zero, the package is untouched, stderr names hostRewrites', async () => {
    const dir = makePackage();
    const out = await kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'hostRewrites=notapair']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('[FAIL]');
    expect(out.stderr).toContain('hostRewrites');
    expect(out.stderr).toContain('"notapair" is not a pair');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': DEPLOY, 'routes.yaml': ROUTES, 'service.yaml': SERVICE });
  });

  test('7. --results-dir: results.yaml holds an info result on spec.host of the generated route', async () => {
    const dir = makePackage();
    const resultsDir = join(root, `results-${packageCount}`);
    const out = await kpt(['fn', 'eval', dir, '--exec', execValue, '--results-dir', resultsDir]);
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

// ---- The repository's Kptfile -------------------------------------------------------------------

/** The functions of the Kptfile's pipeline, in order. */
const RESTORE_PIPELINE = ['rewrite-image-refs', 'remap-namespace-subjects', 'strip-route-host', 'unquiesce-workloads', 'generate-datamover-restores'];

/** The package of the root Kptfile, as .krmignore leaves it: the Kptfile and examples/shop. */
const shopFiles = (): Record<string, string> => {
  const files: Record<string, string> = { Kptfile: readFileSync(join(projectRoot, 'Kptfile'), 'utf8') };
  for (const [path, text] of Object.entries(readPackage(join(projectRoot, 'examples', 'shop')))) files[`examples/shop/${path}`] = text;
  return files;
};

/**
 * What the Kptfile's pipeline changes in examples/shop (a restore of shop as shop-dr, onto a cluster whose
 * router serves apps.dst.example.com), by item key: each field, its value in examples/shop, and its
 * value after the render (undefined: the key is removed). Every other item is unchanged.
 */
const SHOP_CHANGES: Record<string, Array<{ path: Array<string | number>; from: string; to?: string }>> = {
  // rewrite-image-refs: the internal registry's namespace segment follows namespaceMapping.
  'apps/v1/Deployment/shop/frontend': [
    {
      path: ['spec', 'template', 'spec', 'containers', 0, 'image'],
      from: 'image-registry.openshift-image-registry.svc:5000/shop/frontend:1.4',
      to: 'image-registry.openshift-image-registry.svc:5000/shop-dr/frontend:1.4',
    },
  ],
  // remap-namespace-subjects: the service account subject, the namespace's group, the SCC user.
  'rbac.authorization.k8s.io/v1/RoleBinding/shop/frontend-view': [
    { path: ['subjects', 0, 'namespace'], from: 'shop', to: 'shop-dr' },
    { path: ['subjects', 1, 'name'], from: 'system:serviceaccounts:shop', to: 'system:serviceaccounts:shop-dr' },
  ],
  'security.openshift.io/v1/SecurityContextConstraints//shop-frontend': [
    { path: ['users', 0], from: 'system:serviceaccount:shop:frontend', to: 'system:serviceaccount:shop-dr:frontend' },
  ],
  // strip-route-host: the generated host goes, the user-set one moves to the destination domain.
  'route.openshift.io/v1/Route/shop/frontend': [{ path: ['spec', 'host'], from: 'frontend-shop.apps.src.example.com' }],
  'route.openshift.io/v1/Route/shop/www': [{ path: ['spec', 'host'], from: 'www.apps.src.example.com', to: 'www.apps.dst.example.com' }],
};

/** The comment that goes with the removed generated host; every other comment of examples/shop stays. */
const REMOVED_COMMENTS = ['generated by the source router'];

/** The items of examples/shop and the Kptfile with SHOP_CHANGES applied, sorted by key. */
function expectedShop(): Manifest[] {
  const items = packageManifests(shopFiles());
  const keys = new Set(items.map(manifestKey));
  for (const key of Object.keys(SHOP_CHANGES)) expect(keys.has(key), `examples/shop has ${key}`).toBe(true);
  for (const item of items) {
    for (const { path, from, to } of SHOP_CHANGES[manifestKey(item)] ?? []) {
      let parent: Manifest = item;
      for (const step of path.slice(0, -1)) parent = parent[step] as Manifest;
      const last = path.at(-1)!;
      expect(parent[last], `examples/shop: ${manifestKey(item)} ${path.join('.')}`).toBe(from);
      if (to === undefined) delete parent[last];
      else parent[last] = to;
    }
  }
  return items;
}

/** The text after `#` of every comment line or trailing comment of a file (examples/shop has no `#` in values). */
const commentsOf = (text: string) => [...text.matchAll(/(?:^|\s)#\s*(.*)$/gm)].map((match) => (match[1] ?? '').trim());

/** An item of `kpt ... -o stdout` without the annotations kpt adds to every item (path, index, seqindent). */
function withoutKptAnnotations(item: Manifest): Manifest {
  const annotations = Object.fromEntries(
    Object.entries((item.metadata?.annotations ?? {}) as Record<string, string>).filter(
      ([key]) => !key.startsWith('internal.config.kubernetes.io/') && key !== 'config.kubernetes.io/path' && key !== 'config.kubernetes.io/index',
    ),
  );
  const metadata = { ...item.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...item, metadata };
}

describe.skipIf(!hasKpt).concurrent('the root Kptfile: the restore pipeline over examples/shop', () => {
  beforeAll(() => {
    for (const name of [...RESTORE_PIPELINE, 'krm-pipeline']) if (!existsSync(executableOf(name))) throw new Error(`${executableOf(name)} is missing: run \`npm run build\` first`);
  });

  test('the pipeline runs these functions, with exec: dist/bin/<name>', () => {
    const kptfile = parse(shopFiles().Kptfile ?? '') as { pipeline: { mutators: Array<{ exec: string }> } };
    expect(kptfile.pipeline.mutators.map((step) => step.exec)).toEqual(RESTORE_PIPELINE.map((name) => `dist/bin/${name}`));
  });

  test('kpt fn render . --allow-exec -o stdout from the repository root: the Kptfile and examples/shop, nothing else; no file changes', async () => {
    const before = shopFiles();
    const out = await kpt(['fn', 'render', '.', '--allow-exec', '-o', 'stdout'], projectRoot);
    expectStatus(out, 0);
    for (const name of RESTORE_PIPELINE) expect(out.stderr).toContain(`[PASS] "dist/bin/${name}"`);
    const items = (parse(out.stdout) as { items: Manifest[] }).items;
    // .krmignore keeps sources, tests, pipelines, other examples (all with YAML files) out of the package.
    const paths = [...new Set(items.map((item) => item.metadata.annotations['internal.config.kubernetes.io/path'] as string))].sort();
    expect(paths).toEqual(Object.keys(before).sort());
    expect(sortedManifests(items.map(withoutKptAnnotations))).toEqual(expectedShop());
    expect(shopFiles()).toEqual(before);
  });

  test('rendered into a copy: the changes expected, untouched files and comments kept; a second render changes nothing', async () => {
    const dir = join(root, 'repository-package');
    const files: Record<string, string> = { ...shopFiles(), '.krmignore': readFileSync(join(projectRoot, '.krmignore'), 'utf8') };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    // From the repository root, where the Kptfile's relative `exec: dist/bin/<name>` paths resolve.
    expectStatus(await kpt(['fn', 'render', dir, '--allow-exec'], projectRoot), 0);
    const rendered = readPackage(dir);
    const { '.krmignore': _krmignore, ...renderedItems } = rendered;
    expect(packageManifests(renderedItems)).toEqual(expectedShop());
    const changedFiles = new Set<string>();
    for (const [path, text] of Object.entries(files)) {
      if (path !== '.krmignore' && packageManifests({ [path]: text }).some((item) => manifestKey(item) in SHOP_CHANGES)) changedFiles.add(path);
      else expect(rendered[path], `${path} has no item the pipeline changes`).toBe(text);
    }
    expect(changedFiles.size).toBeGreaterThan(0);
    for (const path of changedFiles) {
      const kept = commentsOf(files[path] ?? '').filter((comment) => !REMOVED_COMMENTS.includes(comment));
      expect(commentsOf(rendered[path] ?? ''), path).toEqual(kept);
    }
    const copy = join(root, 'repository-package-again');
    cpSync(dir, copy, { recursive: true });
    expectStatus(await kpt(['fn', 'render', copy, '--allow-exec'], projectRoot), 0);
    expect(readPackage(copy)).toEqual(rendered);
  });

  test('krm-pipeline -p Kptfile --phase restore, as the Kptfile says: the same changes, in one process', async () => {
    const output = join(root, 'krm-pipeline-output');
    const out = await runProcess(executableOf('krm-pipeline'), ['-p', 'Kptfile', '--phase', 'restore', '-i', 'examples/shop', '-o', output], projectRoot);
    expectStatus(out, 0);
    const { Kptfile: kptfile, ...original } = shopFiles();
    const expected = expectedShop().filter((item) => item.kind !== 'Kptfile');
    const written = readPackage(output);
    expect(packageManifests(written)).toEqual(expected);
    // krm-pipeline edits the files' text itself: files without a changed item keep their bytes.
    for (const [path, text] of Object.entries(original)) {
      const file = path.slice('examples/shop/'.length);
      if (!packageManifests({ [path]: text }).some((item) => manifestKey(item) in SHOP_CHANGES)) expect(written[file], file).toBe(text);
    }
    expect(kptfile).toContain('krm-pipeline -p Kptfile --phase restore -i examples/shop -o OUT');
  });
});
