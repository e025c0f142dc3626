/**
 * The built `krm-pipeline` executable end to end: the README's main command on the shipped example
 * backup archive, `--diff`, directory and stdin input, hooks through real child processes, and the
 * failure rules (nothing written). Archives are unpacked with the system `tar`, an independent reader.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { projectRoot } from './helpers.js';

const executable = join(projectRoot, 'dist/bin/krm-pipeline');
const exampleArchive = join(projectRoot, 'examples/backups/shop.tar.gz');
let work = '';

beforeAll(() => {
  if (!existsSync(executable)) throw new Error(`${executable} is missing: run npm run build (npm test does) first`);
  work = mkdtempSync(join(tmpdir(), 'krm-pipeline-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pipeline(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(executable, args, { cwd: projectRoot, input: options.input ?? '', encoding: 'utf8', env: { ...process.env, ...options.env }, maxBuffer: 256 * 1024 * 1024 });
}

/** Unpacks an archive with the system tar: entry path → content. */
function unpack(archive: string): Map<string, string> {
  const dir = mkdtempSync(join(work, 'unpacked-'));
  const untar = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
  expect(untar.status, untar.stderr).toBe(0);
  const entries = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else entries.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return entries;
}

/** The items of a directory of manifests, read with the `yaml` library. */
function manifests(dir: string): Array<{ [key: string]: any }> {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .flatMap((name) => parseAllDocuments(readFileSync(join(dir, name), 'utf8')).map((document) => document.toJS()));
}

describe('the example backup archive', () => {
  test('is what `npm run example-backup` makes from examples/shop (backup pipeline, Velero layout)', () => {
    const script = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).scripts['example-backup'] as string;
    const args = script.replace(/^npm run --silent build && SOURCE_DATE_EPOCH=\d+ dist\/bin\/krm-pipeline /, '').split(' ');
    const output = join(work, 'example.tar.gz');
    args[args.indexOf('-o') + 1] = output;
    const run = pipeline(args, { env: { SOURCE_DATE_EPOCH: '1763683200' } });
    expect(run.status, run.stderr).toBe(0);
    expect([...unpack(output)]).toEqual([...unpack(exampleArchive)]);
  });

  test('holds every example manifest as Velero stores it, the workloads quiesced and a DataMoverBackup per bound claim', () => {
    const entries = unpack(exampleArchive);
    expect(entries.get('metadata/version')).toBe('1.1.0\n');
    const items = manifests(join(projectRoot, 'examples/shop'));
    for (const item of items) {
      const group = item.apiVersion.includes('/') ? `.${item.apiVersion.split('/')[0]}` : '';
      const version = item.apiVersion.split('/').at(-1);
      const resource = { Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', Service: 'services', Deployment: 'deployments', Route: 'routes', RoleBinding: 'rolebindings', SecurityContextConstraints: 'securitycontextconstraints', PersistentVolumeClaim: 'persistentvolumeclaims' }[item.kind as string];
      const scope = item.metadata.namespace ? `namespaces/${item.metadata.namespace}` : 'cluster';
      const path = `resources/${resource}${group}/${scope}/${item.metadata.name}.json`;
      const stored = JSON.parse(entries.get(path) ?? 'null');
      expect(entries.get(`resources/${resource}${group}/${version}-preferredversion/${scope}/${item.metadata.name}.json`)).toBe(entries.get(path));
      if (item.kind === 'Deployment') {
        expect(stored.spec.replicas).toBe(0);
        expect(stored.metadata.annotations['migration.openshift.io/preQuiesceReplicas']).toBe(String(item.spec.replicas));
      } else expect(stored, path).toEqual(item);
    }
    const moverBackups = [...entries.keys()].filter((path) => path.startsWith('resources/datamoverbackups.datamover.velero-krm-functions.dev/namespaces/shop/'));
    expect(moverBackups).toHaveLength(1);
    expect(JSON.parse(entries.get(moverBackups[0]!)!)).toMatchObject({ metadata: { labels: { 'velero.io/backup-name': 'shop' } }, spec: { type: 'PVC', sourceClaimRef: { name: 'catalog-data', namespace: 'shop' } } });
  });
});

describe('the README main command (npm run demo)', () => {
  const script = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).scripts.demo as string;
  const args = script.replace(/^npm run --silent build && dist\/bin\/krm-pipeline /, '').split(' ');

  test('restores the example archive into shop-dr and prints the summary', () => {
    const output = join(work, 'restored.tar.gz');
    const withOutput = [...args];
    withOutput[withOutput.indexOf('-o') + 1] = output;
    const run = pipeline(withOutput);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^restore +rewrite-image-refs +in-process +10 +1 +0 +0 +0 +0 +1 /m);
    expect(run.stderr).toMatch(/^restore +generate-datamover-restores +in-process +10 +0 +1 +1 /m);
    expect(run.stderr).toContain('Completed: 10 items read, 10 written; 0 errors, 1 warnings, 9 info\n');
    const before = unpack(exampleArchive);
    const after = unpack(output);
    const json = (entries: Map<string, string>, path: string) => JSON.parse(entries.get(path)!);
    const deployment = json(after, 'resources/deployments.apps/namespaces/shop/frontend.json');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.metadata.annotations).toEqual({ 'example.com/owner': 'web-team' });
    expect(deployment.spec.template.spec.containers[0].image).toBe('image-registry.openshift-image-registry.svc:5000/shop-dr/frontend:1.4');
    expect(json(after, 'resources/routes.route.openshift.io/namespaces/shop/frontend.json').spec.host).toBeUndefined();
    expect(json(after, 'resources/rolebindings.rbac.authorization.k8s.io/namespaces/shop/frontend-view.json').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'frontend', namespace: 'shop-dr' },
      { kind: 'Group', name: 'system:serviceaccounts:shop-dr', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
    expect(json(after, 'resources/securitycontextconstraints.security.openshift.io/cluster/shop-frontend.json').users).toEqual(['system:serviceaccount:shop-dr:frontend']);
    const restores = [...after.keys()].filter((path) => path.startsWith('resources/datamoverrestores.'));
    expect(restores.map((path) => path.replace(/[^/]+$/, ''))).toEqual([
      'resources/datamoverrestores.datamover.velero-krm-functions.dev/namespaces/shop-dr/',
      'resources/datamoverrestores.datamover.velero-krm-functions.dev/v1alpha1-preferredversion/namespaces/shop-dr/',
    ]);
    expect([...after.keys()].some((path) => path.startsWith('resources/datamoverbackups.'))).toBe(false);
    // Entries no step touched are copied byte for byte.
    for (const path of ['metadata/version', 'resources/services/namespaces/shop/frontend.json', 'resources/namespaces/cluster/shop.json', 'resources/routes.route.openshift.io/namespaces/shop/www.json', 'resources/persistentvolumeclaims/namespaces/shop/catalog-data.json']) {
      expect(after.get(path), path).toBe(before.get(path));
    }
    // A changed item's preferred-version copy changed with it.
    expect(after.get('resources/deployments.apps/v1-preferredversion/namespaces/shop/frontend.json')).toBe(after.get('resources/deployments.apps/namespaces/shop/frontend.json'));
  });

  test('with --diff, prints a unified diff per changed item and writes nothing', () => {
    const output = join(work, 'never.tar.gz');
    const withOutput = [...args, '--diff'];
    withOutput[withOutput.indexOf('-o') + 1] = output;
    const run = pipeline(withOutput);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(output)).toBe(false);
    expect(run.stdout).toContain('--- a/resources/routes.route.openshift.io/namespaces/shop/frontend.json\n+++ b/resources/routes.route.openshift.io/namespaces/shop/frontend.json\n');
    expect(run.stdout).toContain('-  host: frontend-shop.apps.src.example.com\n');
    expect(run.stdout).toContain('-  replicas: 0\n+  replicas: 2\n');
    expect(run.stdout).toMatch(/^--- \/dev\/null\n\+\+\+ b\/resources\/datamoverrestores\.datamover\.velero-krm-functions\.dev\/namespaces\/shop-dr\/catalog-data-[0-9a-f]{8}\.json\n/m);
    expect(run.stdout).toMatch(/^\+\+\+ \/dev\/null$/m);
    expect(run.stdout).not.toContain('services/namespaces/shop/frontend.json');
    expect(run.stderr).toContain('Completed: 10 items read, nothing written;');
  });
});

describe('inputs and outputs', () => {
  test('a directory in, a directory out: untouched files are copied byte for byte, new items get files of their own', () => {
    const output = join(work, 'backup-dir');
    const run = pipeline(['-p', 'pipelines/backup.yaml', '-i', 'examples/shop', '-o', output, '--backup-name', 'nightly']);
    expect(run.status, run.stderr).toBe(0);
    const source = join(projectRoot, 'examples/shop');
    for (const file of ['access.yaml', 'namespace.yaml', 'routes.yaml', 'storage.yaml']) {
      expect(readFileSync(join(output, file), 'utf8'), file).toBe(readFileSync(join(source, file), 'utf8'));
    }
    const frontend = readFileSync(join(output, 'frontend.yaml'), 'utf8');
    const original = readFileSync(join(source, 'frontend.yaml'), 'utf8');
    // Only the quiesced fields differ; the comment on the image line survives.
    expect(frontend).toBe(original.replace("    example.com/owner: 'web-team'\n", "    example.com/owner: 'web-team'\n    migration.openshift.io/preQuiesceReplicas: \"2\"\n").replace('replicas: 2', 'replicas: 0'));
    const added = readdirSync(join(output, 'shop'));
    expect(added).toEqual([expect.stringMatching(/^datamoverbackup_catalog-data-[0-9a-f]{8}\.yaml$/)]);
    expect(parse(readFileSync(join(output, 'shop', added[0]!), 'utf8')).metadata.labels).toEqual({ 'velero.io/backup-name': 'nightly' });
  });

  test('a ResourceList on stdin comes back on stdout with every result; untouched items keep their bytes', () => {
    const input = readFileSync(join(projectRoot, 'examples/shop/routes.yaml'), 'utf8')
      .split(/^---\n/m)
      .map((document) => document.trimEnd().split('\n').map((line, index) => (index === 0 ? `- ${line}` : `  ${line}`)).join('\n'));
    const resourceList = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${input.join('\n')}\n`;
    const run = pipeline(['-p', 'pipelines/restore-openshift.yaml', '-n', 'shop=shop-dr'], { input: resourceList });
    expect(run.status, run.stderr).toBe(0);
    const output = parse(run.stdout);
    expect(output.items.map((item: any) => item.spec.host)).toEqual([undefined, 'www.apps.src.example.com']);
    expect(output.results).toContainEqual(expect.objectContaining({ severity: 'info', resourceRef: { apiVersion: 'route.openshift.io/v1', kind: 'Route', name: 'frontend', namespace: 'shop' } }));
    expect(run.stdout).toContain(input[1]!);
  });
});

describe('configuration from the command line and the Velero object', () => {
  const items = (archive: string) => {
    const entries = unpack(archive);
    return { deployment: JSON.parse(entries.get('resources/deployments.apps/namespaces/shop/frontend.json')!), entries };
  };

  test('--registry-mapping moves images to another registry, with the namespace mapping', () => {
    const output = join(work, 'registry.tar.gz');
    const run = pipeline(['-p', 'pipelines/restore-openshift.yaml', '-i', exampleArchive, '-o', output, '-n', 'shop=shop-dr', '-r', 'image-registry.openshift-image-registry.svc:5000=registry.dst.example.com:5000']);
    expect(run.status, run.stderr).toBe(0);
    expect(items(output).deployment.spec.template.spec.containers[0].image).toBe('registry.dst.example.com:5000/shop-dr/frontend:1.4');
  });

  test('--velero-object: the Restore namespaceMapping, name and namespace configure the steps', () => {
    const restore = join(work, 'restore.yaml');
    writeFileSync(restore, 'apiVersion: velero.io/v1\nkind: Restore\nmetadata:\n  name: shop-to-dr\n  namespace: openshift-adp\nspec:\n  backupName: shop\n  namespaceMapping:\n    shop: shop-dr\n');
    const output = join(work, 'from-object.tar.gz');
    const run = pipeline(['-p', 'pipelines/restore-openshift.yaml', '-i', exampleArchive, '-o', output, '--velero-object', restore]);
    expect(run.status, run.stderr).toBe(0);
    const { deployment, entries } = items(output);
    expect(deployment.spec.template.spec.containers[0].image).toBe('image-registry.openshift-image-registry.svc:5000/shop-dr/frontend:1.4');
    const [moverRestore] = [...entries].filter(([path]) => path.startsWith('resources/datamoverrestores.datamover.velero-krm-functions.dev/namespaces/shop-dr/'));
    expect(JSON.parse(moverRestore![1]).metadata.labels).toEqual({ 'velero.io/restore-name': 'shop-to-dr' });
  });

  test('--velero-object must be a Restore for the restore stages', () => {
    const backup = join(work, 'backup.yaml');
    writeFileSync(backup, 'apiVersion: velero.io/v1\nkind: Backup\nmetadata:\n  name: shop\n');
    const run = pipeline(['-p', 'pipelines/restore-openshift.yaml', '-i', exampleArchive, '--diff', '--velero-object', backup]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`krm-pipeline: [error]: --velero-object ${backup}: expected a velero.io Restore object for the restore stages, found velero.io/v1 Backup`);
  });
});

describe('failures', () => {
  function hookPipeline(hooks: string): string {
    const dir = mkdtempSync(join(work, 'hooks-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: Pipeline\nmetadata:\n  name: hooks\npipeline:\n${hooks}  restore:\n    mutators:\n    - exec: strip-route-host\n`,
    );
    return join(dir, 'pipeline.yaml');
  }

  test('a failing pre step (a real child process) stops the run: exit 1, nothing written, post steps still run', () => {
    const file = hookPipeline('  preRestore:\n  - name: 10-refuse\n    exec: \"false\"\n  postRestore:\n  - name: echo\n    exec: cat\n');
    const output = join(work, 'refused.tar.gz');
    const run = pipeline(['-p', file, '-i', exampleArchive, '-o', output]);
    expect(run.status).toBe(1);
    expect(existsSync(output)).toBe(false);
    expect(run.stderr).toMatch(/^preRestore +10-refuse +exec +1 /m);
    expect(run.stderr).toMatch(/^postRestore +echo +exec +1 +0 +0 +0 +0 /m);
    expect(run.stderr).toContain('FailedValidation: 10 items read, nothing written; 1 errors');
  });

  test('post steps that pass do not change the outcome', () => {
    const file = hookPipeline('  postRestore:\n  - name: echo\n    exec: cat\n');
    const run = pipeline(['-p', file, '-i', exampleArchive, '-o', join(work, 'ok.tar.gz')]);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(work, 'ok.tar.gz'))).toBe(true);
  });

  test.each([
    [[], 2, 'krm-pipeline: --pipeline is required'],
    [['-p', 'pipelines/restore-openshift.yaml', '--phase', 'backup'], 2, 'krm-pipeline: [error]: pipeline restore-openshift has no backup stages (it defines: restore)'],
    [['-p', 'pipelines/restore-openshift.yaml', '-i', 'examples/shop'], 2, 'krm-pipeline: [error]: give --output for the directory examples/shop'],
    [['-p', 'pipelines/restore-openshift.yaml', '-i', 'nope.tar.gz'], 1, 'krm-pipeline: [error]: input nope.tar.gz does not exist'],
    [['-p', 'pipelines/restore-openshift.yaml', '--bogus'], 2, "krm-pipeline: Unknown option '--bogus'"],
    [['-p', 'pipelines/restore-openshift.yaml', '-s', 'novalue'], 2, 'krm-pipeline: --set novalue: expected KEY=VALUE'],
  ])('%j exits %i', (args, code, message) => {
    const run = pipeline(args);
    expect(run.status).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });
});
