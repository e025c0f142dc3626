/**
 * Velero backup archives: read, write back, and the unsafe archives that are refused.
 *
 * Archives are built here from real manifests (the crane e2e export of `redis`, OADP's `mysql-persistent`
 * test app with its SecurityContextConstraints and Route, a PersistentVolume) in Velero's layout, with this
 * file's own tar-stream code, a Go-style `json.Marshal` (sorted keys, `<>&` escaped) and a resource table
 * copied from `kubectl api-resources`; GNU tar makes and checks archives where a real tool matters.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { extract, pack, type Header } from 'tar-stream';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../lib/errors.js';
import { KrmItem } from '../lib/item.js';
import { groupResource, guessResource } from '../lib/io/resource-names.js';
import { archiveItemPath, VeleroArchive, writeVeleroArchive, type ArchiveLimits } from '../lib/io/velero-archive.js';
import { corpusRoot, hasCorpus, independentItems, readCorpus, type Manifest } from './helpers.js';

// ---- archives built by this test ----

interface TarEntry {
  name: string;
  data?: string | Buffer;
  type?: Header['type'];
  linkname?: string;
  mode?: number;
  mtime?: Date;
}

const BACKUP_TIME = new Date('2024-05-01T10:00:00Z');
const WRITE_TIME = new Date('2025-01-02T03:04:05Z');

async function tarBytes(entries: readonly TarEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const header = { name: entry.name, type: entry.type ?? 'file', mode: entry.mode ?? 0o755, mtime: entry.mtime ?? BACKUP_TIME, linkname: entry.linkname };
    if (header.type === 'file') tar.entry(header, Buffer.from(entry.data ?? ''));
    else tar.entry(header);
  }
  tar.finalize();
  await collected;
  return Buffer.concat(chunks);
}

async function archiveBytes(entries: readonly TarEntry[]): Promise<Buffer> {
  return gzipSync(await tarBytes(entries));
}

interface ListedEntry {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  data: Buffer;
}

/** Every entry of a .tar.gz, in order. */
async function listEntries(bytes: Buffer): Promise<ListedEntry[]> {
  const tar = extract();
  const reading = pipeline(Readable.from([gunzipSync(bytes)]), tar);
  const entries: ListedEntry[] = [];
  for await (const entry of tar) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const { name, type, mode, mtime } = entry.header;
    entries.push({ name, type, mode, mtime: mtime.getTime(), data: Buffer.concat(chunks) });
  }
  await reading;
  return entries;
}

function entryMap(entries: readonly ListedEntry[]): Map<string, ListedEntry> {
  return new Map(entries.map((entry) => [entry.name, entry]));
}

/** Go's `json.Marshal` of decoded JSON: map keys sorted, `<`, `>`, `&`, U+2028, U+2029 escaped. */
function goMarshal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const map = value as Record<string, unknown>;
    return `{${Object.keys(map).sort().map((key) => `${goString(key)}:${goMarshal(map[key])}`).join(',')}}`;
  }
  return typeof value === 'string' ? goString(value) : JSON.stringify(value);
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
function goString(text: string): string {
  return [...JSON.stringify(text)].map((character) => GO_ESCAPES[character] ?? character).join('');
}

/** `<group>/<Kind>` → resource, as `kubectl api-resources` / `oc api-resources` list them. */
const RESOURCES = new Map([
  ['/ConfigMap', 'configmaps'],
  ['/Endpoints', 'endpoints'],
  ['/Namespace', 'namespaces'],
  ['/PersistentVolume', 'persistentvolumes'],
  ['/PersistentVolumeClaim', 'persistentvolumeclaims'],
  ['/Secret', 'secrets'],
  ['/Service', 'services'],
  ['/ServiceAccount', 'serviceaccounts'],
  ['apps/Deployment', 'deployments'],
  ['apps/ReplicaSet', 'replicasets'],
  ['apps.openshift.io/DeploymentConfig', 'deploymentconfigs'],
  ['authorization.openshift.io/RoleBinding', 'rolebindings'],
  ['discovery.k8s.io/EndpointSlice', 'endpointslices'],
  ['rbac.authorization.k8s.io/RoleBinding', 'rolebindings'],
  ['route.openshift.io/Route', 'routes'],
  ['security.openshift.io/SecurityContextConstraints', 'securitycontextconstraints'],
]);

function groupOf(object: Manifest): string {
  const apiVersion = object.apiVersion as string;
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

/** Velero's path for an object: `resources/<resource>[.<group>]/[<version dir>/]{namespaces/<ns>|cluster}/<name>.json`. */
function veleroPath(object: Manifest, versionDirectory?: string): string {
  const group = groupOf(object);
  const resource = RESOURCES.get(`${group}/${object.kind}`);
  if (resource === undefined) throw new Error(`no resource for ${group}/${object.kind} in the test table`);
  const directory = group === '' ? resource : `${resource}.${group}`;
  const namespace = object.metadata.namespace as string | undefined;
  const scope = namespace ? `namespaces/${namespace}` : 'cluster';
  return ['resources', directory, ...(versionDirectory ? [versionDirectory] : []), scope, `${object.metadata.name}.json`].join('/');
}

function preferredDirectory(object: Manifest): string {
  return `${(object.apiVersion as string).split('/').pop()}-preferredversion`;
}

const CRANE_EXPORT = 'crane-e2e/golden-manifests-ocp/redis/export/resources/redis';

/** The objects of the test backup: a real namespace export, an OADP test app, a cluster-scoped PV. */
function backupObjects(): Manifest[] {
  const files = [
    ...readdirSync(join(corpusRoot, CRANE_EXPORT))
      .sort()
      .map((file) => `${CRANE_EXPORT}/${file}`),
    'oadp-operator/mysql-persistent.yaml',
    'kubernetes-examples/volumes_nfs_nfs-pv.yaml',
  ];
  return files.flatMap((file) => independentItems(readCorpus(file))).map((object) => JSON.parse(JSON.stringify(object)) as Manifest);
}

/** A backup as Velero writes it: metadata/version, then per object the unversioned file and its preferred-version copy. */
function veleroEntries(objects: readonly Manifest[]): TarEntry[] {
  return [
    { name: 'metadata/version', data: '1.1.0\n' },
    ...objects.flatMap((object) => [
      { name: veleroPath(object), data: goMarshal(object) },
      { name: veleroPath(object, preferredDirectory(object)), data: goMarshal(object) },
    ]),
  ];
}

const temporaryRoot = mkdtempSync(join(tmpdir(), 'velero-archive-test-'));
afterAll(() => rmSync(temporaryRoot, { recursive: true, force: true }));
let directoryCount = 0;
function temporaryDirectory(): string {
  directoryCount += 1;
  const directory = join(temporaryRoot, String(directoryCount));
  mkdirSync(directory);
  return directory;
}

/** Writes `items` over `source` to a new file and returns its bytes. */
async function writeBytes(items: readonly KrmItem[], source?: VeleroArchive): Promise<Buffer> {
  const output = join(temporaryDirectory(), 'out.tar.gz');
  await writeVeleroArchive(output, items, source, { mtime: WRITE_TIME });
  return readFileSync(output);
}

async function writeAndList(items: readonly KrmItem[], source?: VeleroArchive): Promise<ListedEntry[]> {
  return listEntries(await writeBytes(items, source));
}

function itemNamed(archive: VeleroArchive, kind: string, name: string): KrmItem {
  const found = archive.items.find((item) => item.kind === kind && item.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

async function rejection(bytes: Buffer | Promise<Buffer>, limits?: ArchiveLimits): Promise<InputError> {
  try {
    await VeleroArchive.fromBuffer(await bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('the archive was accepted');
}

// ---- resource names ----

describe('resource names', () => {
  test.each([
    ['Endpoints', 'endpoints'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Ingress', 'ingresses'],
    ['SecurityContextConstraints', 'securitycontextconstraints'],
    ['Gateway', 'gateways'],
    ['Proxy', 'proxies'],
    ['Key', 'keys'],
    ['Pod', 'pods'],
    ['StorageClass', 'storageclasses'],
    ['EndpointSlice', 'endpointslices'],
    ['ImageStreamTag', 'imagestreamtags'],
    ['DataMoverBackup', 'datamoverbackups'],
    ['', ''],
  ])('guessResource(%j) is %j', (kind, resource) => {
    expect(guessResource(kind)).toBe(resource);
  });

  test('the guess agrees with the registered resource of every kind in the test backup', () => {
    for (const [groupKind, resource] of RESOURCES) expect(guessResource(groupKind.split('/')[1]!), groupKind).toBe(resource);
  });

  test('groupResource is the bare resource in the core group, resource.group elsewhere', () => {
    expect(groupResource('pods', '')).toBe('pods');
    expect(groupResource('deployments', 'apps')).toBe('deployments.apps');
    expect(groupResource('routes', 'route.openshift.io')).toBe('routes.route.openshift.io');
  });
});

// ---- reading and writing real backups ----

describe.skipIf(!hasCorpus)('a backup of real manifests', () => {
  const objects = hasCorpus ? backupObjects() : [];
  const entries = veleroEntries(objects);
  const bytes = archiveBytes(entries);

  test('has one item per object, in archive order, with its path and text', async () => {
    const archive = await VeleroArchive.fromBuffer(await bytes);
    expect(objects.length).toBeGreaterThan(25);
    expect(archive.items.map((item) => item.object)).toEqual(objects);
    expect(archive.items.every((item) => item.origin === 'json' && !item.changed)).toBe(true);
    archive.items.forEach((item, index) => {
      expect(archive.entryPath(item)).toBe(veleroPath(objects[index]!));
      expect(archive.originalText(item)).toBe(goMarshal(objects[index]!));
      expect(archive.outputText(item)).toBe(goMarshal(objects[index]!));
      expect(archiveItemPath(item, archive)).toBe(veleroPath(objects[index]!));
    });
    const binding = itemNamed(archive, 'RoleBinding', 'system:deployers');
    expect(archive.entryPath(binding)).toBe('resources/rolebindings.authorization.openshift.io/namespaces/redis/system:deployers.json');
    expect(archive.entryPath(itemNamed(archive, 'SecurityContextConstraints', 'mysql-persistent-scc'))).toBe(
      'resources/securitycontextconstraints.security.openshift.io/cluster/mysql-persistent-scc.json',
    );
  });

  test('written back unchanged, every entry keeps its name, header and bytes', async () => {
    const archive = await VeleroArchive.fromBuffer(await bytes);
    expect(await writeAndList(archive.items, archive)).toEqual(await listEntries(await bytes));
  });

  test('a changed item is rewritten in both copies, as Go would marshal it; nothing else changes', async () => {
    const archive = await VeleroArchive.fromBuffer(await bytes);
    const deployment = itemNamed(archive, 'Deployment', 'redis');
    const expected = structuredClone(deployment.object) as Manifest;
    deployment.set(['spec', 'replicas'], 3);
    deployment.set(['metadata', 'annotations', 'deployment.kubernetes.io/revision'], '2');
    expected.spec.replicas = 3;
    expected.metadata.annotations['deployment.kubernetes.io/revision'] = '2';
    expect(archive.outputText(deployment)).toBe(goMarshal(expected));

    const before = await listEntries(await bytes);
    const after = await writeAndList(archive.items, archive);
    expect(after.map((entry) => entry.name)).toEqual(before.map((entry) => entry.name));
    const rewritten = ['resources/deployments.apps/namespaces/redis/redis.json', 'resources/deployments.apps/v1-preferredversion/namespaces/redis/redis.json'];
    after.forEach((entry, index) => {
      if (rewritten.includes(entry.name)) {
        expect(entry.data.toString()).toBe(goMarshal(expected));
        expect(entry).toMatchObject({ type: 'file', mode: 0o755, mtime: WRITE_TIME.getTime() });
      } else expect(entry).toEqual(before[index]);
    });
  });

  test('a removed item goes with all its copies; an added item lands in its directory with a preferred-version copy', async () => {
    const withOldVersion = [...entries, { name: 'resources/deployments.apps/v1beta1/namespaces/redis/redis.json', data: '{"apiVersion":"apps/v1beta1"}' }];
    const archive = await VeleroArchive.fromBuffer(await archiveBytes(withOldVersion));
    const deployment = itemNamed(archive, 'Deployment', 'redis');
    const route = new KrmItem({ apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: { name: 'web', namespace: 'shop' }, spec: { to: { kind: 'Service', name: 'web' } } }, 'new');
    const volume = new KrmItem({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' } } }, 'new');
    const dataMover = new KrmItem(
      { apiVersion: 'datamover.velero-krm-functions.dev/v1alpha1', kind: 'DataMoverBackup', metadata: { name: 'redis-data', namespace: 'redis' }, spec: { note: 'a<b && c>d' } },
      'new',
    );
    const items = [...archive.items.filter((item) => item !== deployment), route, volume, dataMover];
    const written = await writeBytes(items, archive);
    const after = await listEntries(written);

    const before = await listEntries(await archiveBytes(withOldVersion));
    const removed = (name: string) => name.startsWith('resources/deployments.apps/') && name.endsWith('/namespaces/redis/redis.json');
    expect(before.map((entry) => entry.name).filter(removed)).toEqual([
      'resources/deployments.apps/namespaces/redis/redis.json',
      'resources/deployments.apps/v1-preferredversion/namespaces/redis/redis.json',
      'resources/deployments.apps/v1beta1/namespaces/redis/redis.json',
    ]);
    const kept = before.filter((entry) => !removed(entry.name));
    expect(after.slice(0, kept.length)).toEqual(kept);
    const appended = after.slice(kept.length);
    expect(appended.map((entry) => entry.name)).toEqual([
      'resources/routes.route.openshift.io/namespaces/shop/web.json',
      'resources/routes.route.openshift.io/v1-preferredversion/namespaces/shop/web.json',
      'resources/persistentvolumes/cluster/pv1.json',
      'resources/persistentvolumes/v1-preferredversion/cluster/pv1.json',
      'resources/datamoverbackups.datamover.velero-krm-functions.dev/namespaces/redis/redis-data.json',
      'resources/datamoverbackups.datamover.velero-krm-functions.dev/v1alpha1-preferredversion/namespaces/redis/redis-data.json',
    ]);
    for (const entry of appended) expect(entry).toMatchObject({ type: 'file', mode: 0o755, mtime: WRITE_TIME.getTime() });
    const dataMoverText = entryMap(appended).get('resources/datamoverbackups.datamover.velero-krm-functions.dev/namespaces/redis/redis-data.json')!.data.toString();
    expect(dataMoverText).toBe(
      '{"apiVersion":"datamover.velero-krm-functions.dev/v1alpha1","kind":"DataMoverBackup","metadata":{"name":"redis-data","namespace":"redis"},"spec":{"note":"a\\u003cb \\u0026\\u0026 c\\u003ed"}}',
    );
    expect(archive.outputText(dataMover)).toBe(dataMoverText);
    expect(archive.entryPath(route)).toBeUndefined();
    expect(archive.originalText(route)).toBeUndefined();

    const reread = await VeleroArchive.fromBuffer(written);
    expect(reread.items.map((item) => item.object)).toEqual(items.map((item) => item.object));
  });

  test('an item moved to another namespace leaves its old paths, with its copy in the old version dropped', async () => {
    const withOldVersion = [...entries, { name: 'resources/deployments.apps/v1beta1/namespaces/redis/redis.json', data: '{"apiVersion":"apps/v1beta1"}' }];
    const archive = await VeleroArchive.fromBuffer(await archiveBytes(withOldVersion));
    const deployment = itemNamed(archive, 'Deployment', 'redis');
    deployment.set(['metadata', 'namespace'], 'redis-dr');
    expect(archiveItemPath(deployment, archive)).toBe('resources/deployments.apps/namespaces/redis-dr/redis.json');
    const before = (await listEntries(await archiveBytes(withOldVersion))).map((entry) => entry.name);
    const after = (await writeAndList(archive.items, archive)).map((entry) => entry.name);
    const expected = before
      .filter((name) => name !== 'resources/deployments.apps/v1beta1/namespaces/redis/redis.json')
      .map((name) => (name.startsWith('resources/deployments.apps/') ? name.replace('/namespaces/redis/', '/namespaces/redis-dr/') : name));
    expect(after).toEqual(expected);
  });

  test('an item moved to another API group and version moves both copies', async () => {
    const ingress = { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' }, spec: { backend: { serviceName: 'web', servicePort: 80 } } };
    const archive = await VeleroArchive.fromBuffer(
      await archiveBytes([
        { name: 'metadata/version', data: '1.1.0\n' },
        { name: 'resources/ingresses.extensions/namespaces/shop/web.json', data: goMarshal(ingress) },
        { name: 'resources/ingresses.extensions/v1beta1-preferredversion/namespaces/shop/web.json', data: goMarshal(ingress) },
      ]),
    );
    const [item] = archive.items;
    item!.set(['apiVersion'], 'networking.k8s.io/v1');
    item!.set(['spec'], { defaultBackend: { service: { name: 'web', port: { number: 80 } } } });
    const after = await writeAndList(archive.items, archive);
    expect(after.map((entry) => entry.name)).toEqual([
      'metadata/version',
      'resources/ingresses.networking.k8s.io/namespaces/shop/web.json',
      'resources/ingresses.networking.k8s.io/v1-preferredversion/namespaces/shop/web.json',
    ]);
    expect(JSON.parse(after[1]!.data.toString())).toEqual({ ...ingress, apiVersion: 'networking.k8s.io/v1', spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } });
    expect(after[2]!.data).toEqual(after[1]!.data);
  });

  test('a new item of a kind the backup already has goes to that directory, whatever the guess', async () => {
    const archive = await VeleroArchive.fromBuffer(
      await archiveBytes([
        { name: 'metadata/version', data: '1.1.0\n' },
        { name: 'resources/widgetz.example.com/namespaces/shop/w1.json', data: '{"apiVersion":"example.com/v2","kind":"Widget","metadata":{"name":"w1","namespace":"shop"}}' },
      ]),
    );
    const widget = new KrmItem({ apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w2', namespace: 'shop' } }, 'new');
    expect(archiveItemPath(widget, archive)).toBe('resources/widgetz.example.com/namespaces/shop/w2.json');
    expect(archiveItemPath(widget)).toBe('resources/widgets.example.com/namespaces/shop/w2.json');
    const names = (await writeAndList([...archive.items, widget], archive)).map((entry) => entry.name);
    expect(names.slice(2)).toEqual(['resources/widgetz.example.com/namespaces/shop/w2.json', 'resources/widgetz.example.com/v2-preferredversion/namespaces/shop/w2.json']);
  });

  test('GNU tar extracts a written archive to the same files', async () => {
    const archive = await VeleroArchive.fromBuffer(await bytes);
    expect(itemNamed(archive, 'Route', 'todolist-route').delete(['spec', 'path'])).toBe(true);
    const directory = temporaryDirectory();
    const output = join(directory, 'backup.tar.gz');
    await writeVeleroArchive(output, archive.items, archive);
    const target = join(directory, 'extracted');
    mkdirSync(target);
    execFileSync('tar', ['-xzf', output, '-C', target]);
    for (const entry of await listEntries(readFileSync(output))) expect(readFileSync(join(target, entry.name)), entry.name).toEqual(entry.data);
    const listing = execFileSync('tar', ['-tvzf', output], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rwxr-xr-x .*resources\/routes\.route\.openshift\.io\/namespaces\/mysql-persistent\/todolist-route\.json$/m);
  });

  test('an archive GNU tar made from an extracted backup (./ names, directories) reads the same and keeps its names', async () => {
    const directory = temporaryDirectory();
    const tree = join(directory, 'tree');
    for (const entry of entries) {
      mkdirSync(dirname(join(tree, entry.name)), { recursive: true });
      writeFileSync(join(tree, entry.name), entry.data ?? '');
    }
    const repacked = join(directory, 'repacked.tar.gz');
    execFileSync('tar', ['-czf', repacked, '--sort=name', '-C', tree, '.']);
    const archive = await VeleroArchive.read(repacked);
    // GNU tar --sort=name sorts each directory's names, so paths come in segment-by-segment order.
    const bySegments = (left: string, right: string) => {
      const [a, b] = [left.split('/'), right.split('/')];
      const index = a.findIndex((segment, at) => segment !== b[at]);
      return a[index]! < b[index]! ? -1 : 1;
    };
    const sorted = objects.map((object) => veleroPath(object)).sort(bySegments);
    expect(archive.items.map((item) => archive.entryPath(item))).toEqual(sorted);
    const before = await listEntries(readFileSync(repacked));
    expect(before[0]!.name).toBe('./');
    expect(await writeAndList(archive.items, archive)).toEqual(before);

    expect(itemNamed(archive, 'Deployment', 'redis').set(['spec', 'replicas'], 3)).toBe(true);
    const changed = await writeAndList(archive.items, archive);
    expect(changed.map((entry) => entry.name)).toEqual(before.map((entry) => entry.name));
    const rewritten = changed.filter((entry, index) => !entry.data.equals(before[index]!.data)).map((entry) => entry.name);
    expect(rewritten).toEqual(['./resources/deployments.apps/namespaces/redis/redis.json', './resources/deployments.apps/v1-preferredversion/namespaces/redis/redis.json']);
  });
});

describe('layouts of changed items', () => {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { script: 'make && make install' } };

  async function changedText(text: string): Promise<string> {
    const archive = await VeleroArchive.fromBuffer(await archiveBytes([{ name: 'resources/configmaps/namespaces/shop/settings.json', data: text }]));
    const [item] = archive.items;
    item!.set(['data', 'mode'], 'fast');
    const [entry] = await writeAndList(archive.items, archive);
    expect(entry!.data.toString()).toBe(archive.outputText(item!));
    return entry!.data.toString();
  }

  test("Go's escapes stay escaped, compact stays compact", async () => {
    expect(await changedText(goMarshal(object))).toBe(
      '{"apiVersion":"v1","data":{"script":"make \\u0026\\u0026 make install","mode":"fast"},"kind":"ConfigMap","metadata":{"name":"settings","namespace":"shop"}}',
    );
  });

  test('raw characters stay raw, indentation and the final newline stay', async () => {
    const indented = `{\n    "apiVersion": "v1",\n    "kind": "ConfigMap",\n    "metadata": {\n        "name": "settings",\n        "namespace": "shop"\n    },\n    "data": {\n        "script": "make && make install"\n    }\n}\n`;
    expect(await changedText(indented)).toBe(
      `{\n    "apiVersion": "v1",\n    "kind": "ConfigMap",\n    "metadata": {\n        "name": "settings",\n        "namespace": "shop"\n    },\n    "data": {\n        "script": "make && make install",\n        "mode": "fast"\n    }\n}\n`,
    );
    expect(await changedText('{\n\t"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"}}')).toBe(
      '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {\n\t\t"name": "settings",\n\t\t"namespace": "shop"\n\t},\n\t"data": {\n\t\t"mode": "fast"\n\t}\n}',
    );
  });

  test('an item changed and changed back is written as its original bytes and header', async () => {
    const source = await archiveBytes([{ name: 'resources/configmaps/namespaces/shop/settings.json', data: goMarshal(object) }]);
    const archive = await VeleroArchive.fromBuffer(source);
    const [item] = archive.items;
    item!.set(['data', 'script'], 'make');
    item!.set(['data', 'script'], 'make && make install');
    expect(item!.changed).toBe(true);
    expect(await writeAndList(archive.items, archive)).toEqual(await listEntries(source));
  });
});

describe('writing a new archive', () => {
  test('metadata/version first, then each item and its preferred-version copy, Velero headers', async () => {
    const service = new KrmItem({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } }, 'new');
    const ingress = new KrmItem({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' } }, 'new');
    const entries = await writeAndList([service, ingress]);
    expect(entries.map(({ name, type, mode, mtime }) => ({ name, type, mode, mtime }))).toEqual(
      [
        'metadata/version',
        'resources/services/namespaces/shop/web.json',
        'resources/services/v1-preferredversion/namespaces/shop/web.json',
        'resources/ingresses.networking.k8s.io/namespaces/shop/web.json',
        'resources/ingresses.networking.k8s.io/v1-preferredversion/namespaces/shop/web.json',
      ].map((name) => ({ name, type: 'file', mode: 0o755, mtime: WRITE_TIME.getTime() })),
    );
    expect(entries[0]!.data.toString()).toBe('1.1.0\n');
    expect(entries[1]!.data.toString()).toBe('{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"ports":[{"port":80}]}}');
    expect(entries[2]!.data).toEqual(entries[1]!.data);
  });

  test('two items at the same path are refused and nothing is written', async () => {
    const directory = temporaryDirectory();
    const first = new KrmItem({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } }, 'new');
    const second = new KrmItem({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: {} }, 'new');
    await expect(writeVeleroArchive(join(directory, 'out.tar.gz'), [first, second])).rejects.toThrow(
      new InputError('Service shop/web and Service shop/web would both be written at resources/services/namespaces/shop/web.json'),
    );
    expect(readdirSync(directory)).toEqual([]);
  });

  test('an item moved onto another item of the backup is refused', async () => {
    const archive = await VeleroArchive.fromBuffer(
      await archiveBytes([
        { name: 'resources/services/namespaces/shop/web.json', data: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}' },
        { name: 'resources/services/namespaces/shop/api.json', data: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"api","namespace":"shop"}}' },
      ]),
    );
    archive.items[1]!.set(['metadata', 'name'], 'web');
    await expect(writeVeleroArchive(join(temporaryDirectory(), 'out.tar.gz'), archive.items, archive)).rejects.toThrow(/would both be written at resources\/services\/namespaces\/shop\/web\.json/);
  });

  test.each([
    [{ namespace: 'shop' }, 'Service shop/: the item has no metadata.name'],
    [{ name: '../../etc/passwd', namespace: 'shop' }, 'Service shop/../../etc/passwd: metadata.name "../../etc/passwd" cannot name a file'],
    [{ name: 'web', namespace: '..' }, 'Service ../web: metadata.namespace ".." cannot name a file'],
  ])('an item whose metadata %j cannot be a path is refused', async (metadata, message) => {
    const directory = temporaryDirectory();
    const item = new KrmItem({ apiVersion: 'v1', kind: 'Service', metadata }, 'new');
    await expect(writeVeleroArchive(join(directory, 'out.tar.gz'), [item])).rejects.toThrow(message);
    expect(() => archiveItemPath(item)).toThrow(InputError);
    expect(readdirSync(directory)).toEqual([]);
  });

  test('a failed write leaves neither the output nor a temporary file', async () => {
    const directory = temporaryDirectory();
    const item = new KrmItem({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } }, 'new');
    await expect(writeVeleroArchive(join(directory, 'missing', 'out.tar.gz'), [item])).rejects.toThrow(/cannot write .*missing\/out\.tar\.gz/);
    const occupied = join(directory, 'occupied');
    mkdirSync(join(occupied, 'keep'), { recursive: true });
    await expect(writeVeleroArchive(occupied, [item])).rejects.toThrow(/cannot write .*occupied/);
    expect(readdirSync(directory)).toEqual(['occupied']);
    expect(readdirSync(occupied)).toEqual(['keep']);
  });

  test('writing over the archive that was read replaces it whole, leaving no temporary file', async () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'backup.tar.gz');
    writeFileSync(path, await archiveBytes([{ name: 'resources/services/namespaces/shop/web.json', data: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}' }]));
    const archive = await VeleroArchive.read(path);
    archive.items[0]!.set(['spec'], { type: 'ClusterIP' });
    await writeVeleroArchive(path, archive.items, archive, { mtime: WRITE_TIME });
    expect(readdirSync(directory)).toEqual(['backup.tar.gz']);
    const [entry] = await listEntries(readFileSync(path));
    expect(JSON.parse(entry!.data.toString())).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'ClusterIP' } });
  });
});

// ---- unsafe and malformed archives ----

const SERVICE = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}';

/** Bytes that do not compress (a linear congruential generator). */
function noise(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 1;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    bytes[index] = state >>> 16 & 0xff;
  }
  return bytes;
}

describe('unsafe and malformed archives are refused, naming the entry', () => {
  test.each<[string, TarEntry[], string]>([
    ['an absolute path', [{ name: '/etc/cron.d/job', data: 'x' }], '/etc/cron.d/job: absolute paths are not allowed'],
    ['a .. segment', [{ name: 'resources/../../etc/passwd', data: 'x' }], 'resources/../../etc/passwd: paths with .. are not allowed'],
    ['a leading ..', [{ name: '../outside.json', data: 'x' }], '../outside.json: paths with .. are not allowed'],
    ['a backslash', [{ name: 'resources\\..\\evil', data: 'x' }], 'resources\\..\\evil: backslashes are not allowed'],
    ['an empty segment', [{ name: 'resources//pods/cluster/x.json', data: 'x' }], 'resources//pods/cluster/x.json: the path has an empty or . segment'],
    ['a . segment', [{ name: 'resources/./pods/cluster/x.json', data: 'x' }], 'resources/./pods/cluster/x.json: the path has an empty or . segment'],
    ['a symlink', [{ name: 'resources/services/namespaces/shop/web.json', type: 'symlink', linkname: '/etc/passwd' }], 'resources/services/namespaces/shop/web.json: the entry is a symlink to /etc/passwd'],
    ['a hard link', [{ name: 'metadata/version', data: '1.1.0\n' }, { name: 'metadata/copy', type: 'link', linkname: 'metadata/version' }], 'metadata/copy: the entry is a link to metadata/version'],
    ['a device', [{ name: 'resources/tty', type: 'character-device' }], 'resources/tty: the entry is a character-device'],
    ['a FIFO', [{ name: 'metadata/pipe', type: 'fifo' }], 'metadata/pipe: the entry is a fifo'],
    ['a file outside resources/ and metadata/', [{ name: 'velero-backup.json', data: '{}' }], 'velero-backup.json: the entry is outside resources/ and metadata/'],
    ['a directory outside resources/ and metadata/', [{ name: 'plugins/', type: 'directory' }], 'plugins/: the entry is outside resources/ and metadata/'],
    ['a file named resources', [{ name: 'resources', data: '' }], 'resources: the entry is outside resources/ and metadata/'],
    ['the same path twice', [{ name: 'metadata/version', data: '1.1.0\n' }, { name: './metadata/version', data: '1.1.0\n' }], './metadata/version: the archive holds this path twice'],
    ['an item that is not JSON', [{ name: 'resources/services/namespaces/shop/web.json', data: 'kind: Service' }], 'resources/services/namespaces/shop/web.json: invalid JSON'],
    ['an item that is a list', [{ name: 'resources/services/namespaces/shop/web.json', data: '[]' }], 'resources/services/namespaces/shop/web.json: expected a Kubernetes object (a map), found a list'],
    ['an item without kind', [{ name: 'resources/services/namespaces/shop/web.json', data: '{"apiVersion":"v1","metadata":{"name":"web"}}' }], 'resources/services/namespaces/shop/web.json: the object has no kind'],
    ['an item file not named .json', [{ name: 'resources/services/namespaces/shop/web.yaml', data: SERVICE }], 'resources/services/namespaces/shop/web.yaml: an item file must be named <name>.json'],
    ['an item named differently from its file', [{ name: 'resources/services/namespaces/shop/api.json', data: SERVICE }], 'resources/services/namespaces/shop/api.json: metadata.name is "web", but the file is named after "api"'],
    ['an item in another namespace than its directory', [{ name: 'resources/services/namespaces/prod/web.json', data: SERVICE }], 'resources/services/namespaces/prod/web.json: metadata.namespace is "shop", but the file is under namespaces/prod/'],
    ['a namespaced item under cluster/', [{ name: 'resources/services/cluster/web.json', data: SERVICE }], 'resources/services/cluster/web.json: metadata.namespace is "shop", but the file is under cluster/ (cluster-scoped)'],
    ['an item in another API group than its directory', [{ name: 'resources/services.apps/namespaces/shop/web.json', data: SERVICE }], 'resources/services.apps/namespaces/shop/web.json: apiVersion "v1" is not in the API group of resources/services.apps/'],
  ])('%s', async (_case, entries, message) => {
    const error = await rejection(archiveBytes(entries));
    expect(error.message).toContain(message);
  });

  test('an entry over maxEntryBytes', async () => {
    const error = await rejection(archiveBytes([{ name: 'metadata/version', data: '1.1.0\n' }, { name: 'resources/secrets/namespaces/shop/big.json', data: Buffer.alloc(2048, 32) }]), { maxEntryBytes: 1024 });
    expect(error.message).toBe('resources/secrets/namespaces/shop/big.json: the entry is 2048 bytes, more than the limit of 1024 (maxEntryBytes)');
  });

  test('entries adding up to more than maxTotalBytes', async () => {
    const error = await rejection(
      archiveBytes([
        { name: 'metadata/first', data: Buffer.alloc(600_000) },
        { name: 'metadata/second', data: Buffer.alloc(600_000) },
      ]),
      { maxTotalBytes: 1_000_000 },
    );
    expect(error.message).toBe('metadata/second: the entries exceed 1000000 bytes uncompressed (maxTotalBytes)');
  });

  /**
   * A stream of gzip members: `head`, then up to `count` members of 1 MiB of zeros each (1 KiB compressed),
   * pulled one by one. The gunzip stream's input buffer (16 KiB) takes about 16 members ahead of reading.
   */
  function zeroBomb(head: Buffer, count: number): { stream: Readable; pulled: () => number } {
    const zeros = gzipSync(Buffer.alloc(1024 * 1024));
    let pulled = 0;
    function* members() {
      yield gzipSync(head);
      for (; pulled < count; pulled += 1) yield zeros;
    }
    return { stream: Readable.from(members(), { highWaterMark: 1 }), pulled: () => pulled };
  }

  async function tarHeaderBlock(name: string, size: number): Promise<Buffer> {
    const tar = pack();
    tar.entry({ name, size, mode: 0o755, mtime: BACKUP_TIME });
    for await (const chunk of tar) return (chunk as Buffer).subarray(0, 512);
    throw new Error('no header');
  }

  test('a gzip bomb declaring a 1 GiB entry stops at its header', async () => {
    const bomb = zeroBomb(await tarHeaderBlock('resources/secrets/namespaces/shop/bomb.json', 1024 ** 3), 1024);
    await expect(VeleroArchive.fromStream(bomb.stream)).rejects.toThrow(
      new InputError(`resources/secrets/namespaces/shop/bomb.json: the entry is ${1024 ** 3} bytes, more than the limit of ${64 * 1024 * 1024} (maxEntryBytes)`),
    );
    expect(bomb.pulled()).toBeLessThan(64);
  });

  test('a gzip bomb of zeros after the end of the tar stops at maxTotalBytes', async () => {
    const bomb = zeroBomb(await tarBytes([{ name: 'metadata/version', data: '1.1.0\n' }]), 1024);
    await expect(VeleroArchive.fromStream(bomb.stream, { maxTotalBytes: 8 * 1024 * 1024 }, 'bomb.tar.gz')).rejects.toThrow(
      new InputError('bomb.tar.gz: the archive is larger than 8388608 bytes uncompressed (maxTotalBytes), after entry metadata/version'),
    );
    expect(bomb.pulled()).toBeLessThan(64);
  });

  test('input that is not gzip, gzip that is not tar, a truncated archive, a missing file', async () => {
    const tarOnly = await tarBytes([{ name: 'metadata/version', data: '1.1.0\n' }]);
    expect((await rejection(tarOnly)).message).toMatch(/^not a gzip-compressed archive \(incorrect header check\)/);
    expect((await rejection(gzipSync('apiVersion: v1\nkind: List\n'))).message).toMatch(/^not a tar archive/);
    expect((await rejection(Buffer.alloc(0))).message).toMatch(/^not a gzip-compressed archive \(unexpected end of file\)/);
    const full = await archiveBytes([
      { name: 'metadata/version', data: '1.1.0\n' },
      { name: 'resources/secrets/namespaces/shop/noise.json', data: noise(100_000) },
    ]);
    expect((await rejection(full.subarray(0, full.length - 2000))).message).toMatch(/^corrupt or truncated gzip data after entry metadata\/version/);
    const missing = join(temporaryDirectory(), 'missing.tar.gz');
    await expect(VeleroArchive.read(missing)).rejects.toThrow(new RegExp(`^${missing}: cannot read the archive: ENOENT`));
  });

  test('links made by GNU tar are refused', async () => {
    const directory = temporaryDirectory();
    const tree = join(directory, 'tree');
    mkdirSync(join(tree, 'resources', 'secrets', 'namespaces', 'shop'), { recursive: true });
    writeFileSync(join(tree, 'resources', 'secrets', 'namespaces', 'shop', 'a.json'), SERVICE);
    symlinkSync('/etc/shadow', join(tree, 'resources', 'secrets', 'namespaces', 'shop', 'b.json'));
    execFileSync('tar', ['-czf', join(directory, 'symlink.tar.gz'), '-C', tree, 'resources/secrets/namespaces/shop/b.json']);
    await expect(VeleroArchive.read(join(directory, 'symlink.tar.gz'))).rejects.toThrow('resources/secrets/namespaces/shop/b.json: the entry is a symlink to /etc/shadow');
    linkSync(join(tree, 'resources', 'secrets', 'namespaces', 'shop', 'a.json'), join(tree, 'metadata-link'));
    execFileSync('tar', ['-czf', join(directory, 'hardlink.tar.gz'), '-C', tree, 'resources/secrets/namespaces/shop/a.json', 'metadata-link']);
    await expect(VeleroArchive.read(join(directory, 'hardlink.tar.gz'))).rejects.toThrow('metadata-link: the entry is a link to resources/secrets/namespaces/shop/a.json');
  });
});

// ---- property: read → write without changes keeps every entry ----

describe.skipIf(!hasCorpus)('read then write without changes', () => {
  const objects = hasCorpus ? backupObjects() : [];
  const layouts: Record<string, (object: Manifest) => string> = {
    go: goMarshal,
    compact: (object) => JSON.stringify(object),
    indented: (object) => `${JSON.stringify(object, null, 2)}\n`,
    tabs: (object) => JSON.stringify(object, null, '\t'),
  };
  const itemArbitrary = fc.record({
    object: fc.constantFrom(...objects),
    layout: fc.constantFrom(...Object.keys(layouts)),
    preferredCopy: fc.boolean(),
    otherVersion: fc.boolean(),
    mode: fc.constantFrom(0o755, 0o644, 0o600),
    // tar-stream encodes mtime through a 32-bit integer: seconds up to 2038.
    seconds: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  const extraArbitrary = fc.record({
    name: fc.oneof(
      fc.stringMatching(/^metadata\/[a-z0-9-]{1,12}$/),
      fc.stringMatching(/^resources\/[a-z]{1,8}\.example\.com\/v1\/cluster\/[a-z]{1,8}\.json$/),
      fc.stringMatching(/^resources\/[a-z]{1,8}\/README$/),
    ),
    data: fc.uint8Array({ maxLength: 300 }),
    directory: fc.boolean(),
  });
  const archiveArbitrary = fc.record({
    items: fc.uniqueArray(itemArbitrary, { selector: (item) => veleroPath(item.object), maxLength: 20 }),
    extras: fc.uniqueArray(extraArbitrary, { selector: (extra) => extra.name, maxLength: 6 }),
    prefix: fc.constantFrom('', './'),
    extrasFirst: fc.boolean(),
  });

  test('every entry keeps its name, type, mode, mtime and bytes, in order', async () => {
    await fc.assert(
      fc.asyncProperty(archiveArbitrary, async ({ items, extras, prefix, extrasFirst }) => {
        const itemEntries = items.flatMap(({ object, layout, preferredCopy, otherVersion, mode, seconds }): TarEntry[] => {
          const text = layouts[layout]!(object);
          const mtime = new Date(seconds * 1000);
          return [
            { name: veleroPath(object), data: text, mode, mtime },
            ...(preferredCopy ? [{ name: veleroPath(object, preferredDirectory(object)), data: text, mode, mtime }] : []),
            ...(otherVersion ? [{ name: veleroPath(object, 'v0alpha1'), data: '{"old":true}', mode, mtime }] : []),
          ];
        });
        const extraEntries = extras.map(({ name, data, directory }): TarEntry => (directory ? { name: `${name}/`, type: 'directory' } : { name, data: Buffer.from(data) }));
        const ordered = extrasFirst ? [...extraEntries, ...itemEntries] : [...itemEntries, ...extraEntries];
        const source = await archiveBytes(ordered.map((entry) => ({ ...entry, name: prefix + entry.name })));
        const archive = await VeleroArchive.fromBuffer(source);
        expect(archive.items.map((item) => item.object)).toEqual(items.map((item) => item.object));
        expect(await writeAndList(archive.items, archive)).toEqual(await listEntries(source));
      }),
      { numRuns: 30 },
    );
  });
});
