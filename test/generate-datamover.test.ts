/**
 * generate-datamover-backups and generate-datamover-restores: every rule and its edges, both config forms,
 * idempotence, byte-identical untouched items, the generated CRs validated with ajv against the CRDs in
 * schemas/crds (and the DataUpload/DataDownload against Velero's CRD field sets), golden runs over
 * ../shared/corpus, and the built executables under `kpt fn eval`.
 *
 * Expected objects and names are computed here independently (node:crypto for the hashes, the `yaml`
 * package for parsing), not with the functions' own helpers.
 */
import { type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { generateDataMoverBackups } from '../functions/generate-datamover-backups/function.js';
import { generateDataMoverRestores } from '../functions/generate-datamover-restores/function.js';
import { corpusFiles, hasCorpus, independentItems, projectRoot, readCorpus, resourceList, run } from './helpers.js';
import { hasKpt, readPackage, runKpt } from './kpt.js';

type Obj = { [key: string]: unknown };

const GROUP = 'datamover.velero-krm-functions.dev';
const API_VERSION = `${GROUP}/v1alpha1`;

// ---- Independent expectations -------------------------------------------------------------------

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Velero's label.GetValidName. */
const getValidName = (name: string) => (name.length <= 63 ? name : name.slice(0, 57) + sha256(name).slice(0, 6));
const expectedName = (readable: string, ...identity: string[]) => getValidName(`${readable}-${sha256(identity.join('/')).slice(0, 8)}`);


const field = (object: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Obj)[key] : undefined), object);

/** The objects a run added: the output's items past the input's. */
function added(input: string, output: string): Obj[] {
  return independentItems(output).slice(independentItems(input).length);
}

// ---- Fixtures -----------------------------------------------------------------------------------

interface ClaimOptions {
  name?: string;
  namespace?: string | null;
  phase?: string | null;
  volumeName?: string | null;
  storageClassName?: string | null;
  uid?: string;
}

function claim(options: ClaimOptions = {}): string {
  const { name = 'data', namespace = 'shop', phase = 'Bound', volumeName = `pvc-${options.name ?? 'data'}`, storageClassName = 'gp3-csi', uid } = options;
  return [
    'apiVersion: v1',
    'kind: PersistentVolumeClaim',
    'metadata:',
    `  name: ${name} # a claim`,
    ...(namespace === null ? [] : [`  namespace: ${namespace}`]),
    ...(uid ? [`  uid: ${uid}`] : []),
    'spec:',
    '  accessModes: [ReadWriteOnce]',
    "  resources: {requests: {storage: '1Gi'}}",
    ...(storageClassName === null ? [] : [`  storageClassName: ${storageClassName}`]),
    ...(volumeName === null ? [] : [`  volumeName: ${volumeName}`]),
    ...(phase === null ? [] : ['status:', `  phase: ${phase}`]),
    '',
  ].join('\n');
}

interface SnapshotOptions {
  name?: string;
  claim?: string;
  namespace?: string;
  className?: string;
  ready?: boolean;
  created?: string;
  content?: string;
}

function snapshot(options: SnapshotOptions = {}): string {
  const { name = 'data-snap', claim: claimName = 'data', namespace = 'shop', className, ready, created, content } = options;
  const status = [
    ...(content ? [`  boundVolumeSnapshotContentName: ${content}`] : []),
    ...(created ? [`  creationTime: "${created}"`] : []),
    ...(ready === undefined ? [] : [`  readyToUse: ${ready}`]),
  ];
  return [
    'apiVersion: snapshot.storage.k8s.io/v1',
    'kind: VolumeSnapshot',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    ...(className ? [`  volumeSnapshotClassName: ${className}`] : []),
    '  source:',
    `    persistentVolumeClaimName: ${claimName}`,
    ...(status.length > 0 ? ['status:', ...status] : []),
    '',
  ].join('\n');
}

const content = (name: string, snapshotName: string, driver = 'ebs.csi.aws.com') =>
  `apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshotContent\nmetadata:\n  name: ${name}\nspec:\n  driver: ${driver}\n  deletionPolicy: Retain\n  source: {volumeHandle: vol-1}\n  volumeSnapshotRef: {name: ${snapshotName}, namespace: shop}\n`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: 'nginx:1.27' # pinned
`;

const stream = (...documents: string[]) => documents.join('---\n');
const configFile = (text: string) => ({ path: 'config.yaml', text });
const typed = (kind: string, fields: string) => configFile(`apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: ${kind}\nmetadata: {name: c}\n${fields}\n`);
const configMap = (data: Record<string, string>) =>
  configFile(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
const backupsConfig = (fields: string) => typed('GenerateDataMoverBackups', fields);
const restoresConfig = (fields: string) => typed('GenerateDataMoverRestores', fields);

/** The DataMoverBackup the rules call for, built by hand. */
function expectedBackup(options: { claim?: string; namespace?: string; snapshot?: string; backupName?: string; mover?: string; config?: Obj }): Obj {
  const { claim: claimName = 'data', namespace = 'shop', snapshot: snapshotName, backupName, mover = 'volsync', config } = options;
  const identity = backupName ? [backupName, namespace, claimName] : [namespace, claimName];
  const spec: Obj = {
    dataMoverType: mover,
    type: snapshotName ? 'VolumeSnapshot' : 'PVC',
    sourceClaimRef: { name: claimName, namespace },
  };
  if (snapshotName) spec.volumeSnapshotRef = { name: snapshotName };
  if (config) spec.config = config;
  const metadata: Obj = { name: expectedName(claimName, ...identity), namespace };
  if (backupName) metadata.labels = { 'velero.io/backup-name': getValidName(backupName) };
  return { apiVersion: API_VERSION, kind: 'DataMoverBackup', metadata, spec };
}

// ---- CRDs and Velero's field sets, for validation -----------------------------------------------

const crdFiles = ['datamovertype.yaml', 'datamoverbackup.yaml', 'datamoverrestore.yaml'];
const crds = Object.fromEntries(crdFiles.map((file) => [file, parse(readFileSync(join(projectRoot, 'schemas/crds', file), 'utf8')) as Obj]));

// strictRequired off: the oneOf branches require properties declared next to them, as structural schemas must.
const crdAjv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
crdAjv.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields' });
crdAjv.addFormat('date-time', true);
crdAjv.addFormat('int64', true);

/** The validator of a CRD's only version's openAPIV3Schema. */
function crdValidator(file: string): ValidateFunction {
  const version = (field(crds[file], 'spec', 'versions') as Obj[])[0];
  return crdAjv.compile(field(version, 'schema', 'openAPIV3Schema') as object);
}
const validateKind: Record<string, ValidateFunction> = {
  DataMoverType: crdValidator('datamovertype.yaml'),
  DataMoverBackup: crdValidator('datamoverbackup.yaml'),
  DataMoverRestore: crdValidator('datamoverrestore.yaml'),
};

/**
 * Velero's DataUpload and DataDownload specs (`config/crd/v2alpha1/bases/velero.io_datauploads.yaml` and
 * `velero.io_datadownloads.yaml`, plus `csiSnapshot.driver` from `data_upload_types.go`), closed with
 * additionalProperties: false so a misspelt key fails.
 */
const veleroSpecs: Record<string, object> = {
  DataUpload: {
    type: 'object',
    additionalProperties: false,
    required: ['backupStorageLocation', 'operationTimeout', 'snapshotType', 'sourceNamespace', 'sourcePVC'],
    properties: {
      snapshotType: { type: 'string', enum: ['CSI'] },
      csiSnapshot: {
        type: 'object',
        additionalProperties: false,
        required: ['storageClass', 'volumeSnapshot'],
        properties: { volumeSnapshot: { type: 'string' }, storageClass: { type: 'string' }, snapshotClass: { type: 'string' }, driver: { type: 'string' } },
      },
      sourcePVC: { type: 'string' },
      datamover: { type: 'string' },
      backupStorageLocation: { type: 'string' },
      sourceNamespace: { type: 'string' },
      dataMoverConfig: { type: 'object', additionalProperties: { type: 'string' } },
      cancel: { type: 'boolean' },
      operationTimeout: { type: 'string' },
    },
  },
  DataDownload: {
    type: 'object',
    additionalProperties: false,
    required: ['backupStorageLocation', 'operationTimeout', 'snapshotID', 'sourceNamespace', 'targetVolume'],
    properties: {
      targetVolume: {
        type: 'object',
        additionalProperties: false,
        required: ['namespace', 'pv', 'pvc'],
        properties: { pvc: { type: 'string' }, pv: { type: 'string' }, namespace: { type: 'string' } },
      },
      backupStorageLocation: { type: 'string' },
      datamover: { type: 'string' },
      snapshotID: { type: 'string' },
      sourceNamespace: { type: 'string' },
      dataMoverConfig: { type: 'object', additionalProperties: { type: 'string' } },
      cancel: { type: 'boolean' },
      operationTimeout: { type: 'string' },
      nodeOS: { type: 'string', enum: ['auto', 'linux', 'windows'] },
    },
  },
};
const veleroAjv = new Ajv({ allErrors: true, strict: true });
for (const [kind, spec] of Object.entries(veleroSpecs)) {
  validateKind[kind] = veleroAjv.compile({
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: { apiVersion: { const: 'velero.io/v2alpha1' }, kind: { const: kind }, metadata: { type: 'object' }, spec },
  });
}

/** Asserts that every object validates against the schema of its kind. */
function expectValid(objects: Obj[]): void {
  for (const object of objects) {
    const validate = validateKind[object.kind as string];
    expect(validate, `no schema for ${String(object.kind)}`).toBeDefined();
    expect(validate!(object), JSON.stringify(validate!.errors)).toBe(true);
  }
}

// ---- generate-datamover-backups -----------------------------------------------------------------

describe('generate-datamover-backups, format datamover (default)', () => {
  test('a bound claim with a VolumeSnapshot: one DataMoverBackup of type VolumeSnapshot, appended; the input bytes stay', () => {
    const input = stream(claim(), snapshot(), deployment);
    const out = run(generateDataMoverBackups, input);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout.startsWith(`${input}---\n`)).toBe(true);
    const objects = added(input, out.stdout);
    expect(objects).toEqual([expectedBackup({ snapshot: 'data-snap' })]);
    expect(field(objects[0], 'metadata', 'name')).toBe(`data-${sha256('shop/data').slice(0, 8)}`);
    expect(out.stderr).toBe(
      `generate-datamover-backups: [info] ${API_VERSION}/DataMoverBackup/shop/data-${sha256('shop/data').slice(0, 8)} spec: added for claim shop/data: type VolumeSnapshot from VolumeSnapshot data-snap, mover volsync\n`,
    );
    expectValid(objects);
  });

  test('a bound claim without a VolumeSnapshot: type PVC and no volumeSnapshotRef', () => {
    const input = stream(claim(), deployment);
    const objects = added(input, run(generateDataMoverBackups, input).stdout);
    expect(objects).toEqual([expectedBackup({})]);
    expect(field(objects[0], 'spec', 'volumeSnapshotRef')).toBeUndefined();
    expectValid(objects);
  });

  test.each([
    ['status.phase Pending', { phase: 'Pending', volumeName: null }, /status\.phase: claim is not bound \(status\.phase is "Pending"\)/],
    ['status.phase Lost, with a volume name', { phase: 'Lost' }, /status\.phase: claim is not bound \(status\.phase is "Lost"\)/],
    ['no status and no spec.volumeName (a manifest)', { phase: null, volumeName: null }, /spec\.volumeName: claim is not bound \(it has no spec\.volumeName\)/],
    ['Bound but no spec.volumeName', { volumeName: null }, /claim is not bound \(it has no spec\.volumeName\)/],
  ] as const)('an unbound claim (%s) is skipped with a warning; nothing changes', (_name, options, message) => {
    const input = stream(claim(options), snapshot());
    const out = run(generateDataMoverBackups, input);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toMatch(/\[warning\] v1\/PersistentVolumeClaim\/shop\/data /);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toMatch(/it has no volume data to move; skipped/);
  });

  test('a claim with spec.volumeName and no status (stripped) counts as bound', () => {
    const input = claim({ phase: null });
    expect(added(input, run(generateDataMoverBackups, input).stdout)).toEqual([expectedBackup({})]);
  });

  test('only a VolumeSnapshot of this claim in this namespace counts; local-config and pre-provisioned snapshots do not', () => {
    const otherNamespace = snapshot({ name: 'elsewhere', namespace: 'other' });
    const otherClaim = snapshot({ name: 'of-logs', claim: 'logs' });
    const local = snapshot({ name: 'local' }).replace('  namespace: shop\n', '  namespace: shop\n  annotations: {config.kubernetes.io/local-config: "true"}\n');
    const preProvisioned = snapshot({ name: 'pre' }).replace('    persistentVolumeClaimName: data', '    volumeSnapshotContentName: snapcontent-1');
    const notASnapshot = snapshot({ name: 'group' }).replace('kind: VolumeSnapshot', 'kind: VolumeGroupSnapshot');
    const input = stream(claim(), otherNamespace, otherClaim, local, preProvisioned, notASnapshot);
    expect(added(input, run(generateDataMoverBackups, input).stdout)).toEqual([expectedBackup({})]);
    // v1beta1 snapshots are found too.
    const beta = snapshot().replace('snapshot.storage.k8s.io/v1', 'snapshot.storage.k8s.io/v1beta1');
    expect(added(stream(claim(), beta), run(generateDataMoverBackups, stream(claim(), beta)).stdout)).toEqual([expectedBackup({ snapshot: 'data-snap' })]);
  });

  test('several snapshots of one claim: ready ones first, then the newest, with a warning; a snapshot not ready warns', () => {
    const old = snapshot({ name: 'old', ready: true, created: '2026-11-01T00:00:00Z' });
    const newer = snapshot({ name: 'newer', ready: true, created: '2026-11-20T00:00:00Z' });
    const newestNotReady = snapshot({ name: 'newest', ready: false, created: '2026-11-21T00:00:00Z' });
    const input = stream(claim(), old, newestNotReady, newer);
    const out = run(generateDataMoverBackups, input);
    expect(added(input, out.stdout)).toEqual([expectedBackup({ snapshot: 'newer' })]);
    expect(out.stderr).toMatch(/\[warning\] v1\/PersistentVolumeClaim\/shop\/data: 3 VolumeSnapshots name this claim; using newer/);
    const notReady = run(generateDataMoverBackups, stream(claim(), newestNotReady));
    expect(notReady.stderr).toMatch(/VolumeSnapshot newest of this claim is not ready to use \(status\.readyToUse: false\)/);
  });

  test('selectors pick the claims; the snapshot is found even when it is not selected', () => {
    const input = stream(claim(), claim({ name: 'logs' }), snapshot());
    const config = backupsConfig('selectors: [{kind: PersistentVolumeClaim, name: data}]');
    const objects = added(input, run(generateDataMoverBackups, input, config).stdout);
    expect(objects).toEqual([expectedBackup({ snapshot: 'data-snap' })]);
    const excluded = run(generateDataMoverBackups, input, backupsConfig('exclude: [{name: data}]'));
    expect(added(input, excluded.stdout)).toEqual([expectedBackup({ claim: 'logs' })]);
  });

  test('backupName labels the backups and is part of the name; moverConfig becomes spec.config; dataMoverType', () => {
    const input = stream(claim(), snapshot());
    const config = backupsConfig('backupName: nightly\ndataMoverType: restic-mover\nmoverConfig: {resticSecret: {name: restic-secret}, copyMethod: Snapshot}');
    const objects = added(input, run(generateDataMoverBackups, input, config).stdout);
    const expected = expectedBackup({ snapshot: 'data-snap', backupName: 'nightly', mover: 'restic-mover', config: { resticSecret: { name: 'restic-secret' }, copyMethod: 'Snapshot' } });
    expect(objects).toEqual([expected]);
    expect(field(objects[0], 'metadata', 'name')).toBe(`data-${sha256('nightly/shop/data').slice(0, 8)}`);
    expectValid(objects);
  });

  test('the ConfigMap form gives the same result as the typed form', () => {
    const input = stream(claim(), snapshot());
    const typedOut = run(generateDataMoverBackups, input, backupsConfig('backupName: nightly\nmoverConfig: {resticSecret: {name: restic-secret}}'));
    const mapOut = run(generateDataMoverBackups, input, configMap({ backupName: 'nightly', moverConfig: '{resticSecret: {name: restic-secret}}' }));
    expect(mapOut.exitCode, mapOut.stderr).toBe(0);
    expect(mapOut.stdout).toBe(typedOut.stdout);
    // ... and inside a ResourceList (kpt fn eval -- key=value).
    const list = run(
      generateDataMoverBackups,
      resourceList([claim(), snapshot()], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {backupName: nightly, moverConfig: "{resticSecret: {name: restic-secret}}"}'),
    );
    expect(parse(list.stdout).items.slice(2)).toEqual(added(input, typedOut.stdout));
  });

  test('running twice adds nothing: the second run finds the objects by name and reports nothing', () => {
    const input = stream(claim(), snapshot(), claim({ name: 'logs' }));
    const config = backupsConfig('backupName: nightly');
    const first = run(generateDataMoverBackups, input, config);
    const second = run(generateDataMoverBackups, first.stdout, config);
    expect(second).toEqual({ stdout: first.stdout, stderr: '', exitCode: 0 });
    expect(added(input, first.stdout)).toHaveLength(2);
  });

  test('an object of the generated name with a different spec is left alone, with a warning', () => {
    const existing = `apiVersion: ${API_VERSION}\nkind: DataMoverBackup\nmetadata:\n  name: ${expectedName('data', 'shop', 'data')}\n  namespace: shop\nspec:\n  dataMoverType: other\n  type: PVC\n  sourceClaimRef: {name: data, namespace: shop}\n`;
    const input = stream(claim(), existing);
    const out = run(generateDataMoverBackups, input);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toMatch(/\[warning\] .*DataMoverBackup\/shop\/data-[0-9a-f]{8} spec: exists with a different spec than this config generates .*left unchanged/);
  });

  test('a claim without a namespace gets a DataMoverBackup without one, and a warning', () => {
    const input = claim({ namespace: null });
    const out = run(generateDataMoverBackups, input);
    const objects = added(input, out.stdout);
    expect(objects).toEqual([
      {
        apiVersion: API_VERSION,
        kind: 'DataMoverBackup',
        metadata: { name: expectedName('data', '', 'data') },
        spec: { dataMoverType: 'volsync', type: 'PVC', sourceClaimRef: { name: 'data' } },
      },
    ]);
    expect(out.stderr).toMatch(/\[warning\] v1\/PersistentVolumeClaim\/data metadata\.namespace: claim has no metadata\.namespace/);
    expectValid(objects);
  });

  test('names stay within 63 characters, the way Velero shortens label values', () => {
    const long = 'a'.repeat(40) + '-' + 'b'.repeat(40);
    const input = claim({ name: long });
    const objects = added(input, run(generateDataMoverBackups, input).stdout);
    const name = field(objects[0], 'metadata', 'name') as string;
    const full = `${long}-${sha256(`shop/${long}`).slice(0, 8)}`;
    expect(name).toBe(full.slice(0, 57) + sha256(full).slice(0, 6));
    expect(name).toHaveLength(63);
  });

  test('other kinds, claims inside Templates and other apiVersions are not touched', () => {
    const template = `apiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: t}\nobjects:\n- ${claim().trimEnd().replace(/\n/g, '\n  ')}\n`;
    const input = stream(template, deployment, claim().replace('apiVersion: v1', 'apiVersion: example.com/v1'));
    expect(run(generateDataMoverBackups, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test.each([
    [{ format: 'restic' }, /functionConfig field data\.format: expected one of "datamover", "velero"/],
    [{ dataMoverType: 'VolSync!' }, /functionConfig field data\.dataMoverType: "VolSync!" is not valid \(A Kubernetes object name/],
    [{ backupName: 'Nightly' }, /functionConfig field data\.backupName: "Nightly" is not valid/],
    [{ veleroNamespace: 'a.b' }, /functionConfig field data\.veleroNamespace: "a\.b" is not valid \(A namespace name/],
    [{ operationTimeout: 'ten minutes' }, /functionConfig field data\.operationTimeout: "ten minutes" is not valid/],
    [{ moverConfig: 'just text' }, /functionConfig field data\.moverConfig: expected object/],
    [{ backupname: 'x' }, /functionConfig field data: unknown field "backupname" \(known fields: format, dataMoverType, moverConfig, backupName/],
  ])('a wrong config (%o) exits 1 naming the field', (data, message) => {
    const out = run(generateDataMoverBackups, claim(), configMap(data as Record<string, string>));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });
});

describe('generate-datamover-backups, format velero', () => {
  const veleroConfig = (extra = '') => backupsConfig(`format: velero\nbackupName: nightly\n${extra}`);

  test('a DataUpload as Velero builds it: Velero namespace, labels, csiSnapshot with class and driver, Velero key order', () => {
    const input = stream(
      claim({ uid: '3f0c2a8e-5b1d-4c7a-9e61-2d8f4b7a9c10' }),
      snapshot({ className: 'csi-aws-vsc', ready: true, content: 'snapcontent-1' }),
      content('snapcontent-1', 'data-snap'),
    );
    const out = run(generateDataMoverBackups, input, veleroConfig());
    expect(out.exitCode, out.stderr).toBe(0);
    const objects = added(input, out.stdout);
    const name = getValidName(`nightly-data-${sha256('nightly/shop/data').slice(0, 8)}`);
    expect(objects).toEqual([
      {
        apiVersion: 'velero.io/v2alpha1',
        kind: 'DataUpload',
        metadata: {
          name,
          namespace: 'velero',
          labels: { 'velero.io/backup-name': 'nightly', 'velero.io/pvc-uid': '3f0c2a8e-5b1d-4c7a-9e61-2d8f4b7a9c10' },
        },
        spec: {
          snapshotType: 'CSI',
          csiSnapshot: { volumeSnapshot: 'data-snap', storageClass: 'gp3-csi', snapshotClass: 'csi-aws-vsc', driver: 'ebs.csi.aws.com' },
          sourcePVC: 'data',
          datamover: 'velero',
          backupStorageLocation: 'default',
          sourceNamespace: 'shop',
          operationTimeout: '10m0s',
        },
      },
    ]);
    // Velero's DataUploadSpec field order.
    expect(Object.keys(objects[0]!.spec as Obj)).toEqual(['snapshotType', 'csiSnapshot', 'sourcePVC', 'datamover', 'backupStorageLocation', 'sourceNamespace', 'operationTimeout']);
    expect(out.stderr).toMatch(/\[info\] velero\.io\/v2alpha1\/DataUpload\/velero\/nightly-data-[0-9a-f]{8} spec: added for claim shop\/data of backup nightly: VolumeSnapshot data-snap, data mover velero/);
    expectValid(objects);
  });

  test('the driver is found through the content\'s volumeSnapshotRef too; without a content there is no driver', () => {
    const viaRef = stream(claim(), snapshot(), content('other-name', 'data-snap', 'pd.csi.storage.gke.io'));
    expect(field(added(viaRef, run(generateDataMoverBackups, viaRef, veleroConfig()).stdout)[0], 'spec', 'csiSnapshot')).toEqual({
      volumeSnapshot: 'data-snap',
      storageClass: 'gp3-csi',
      driver: 'pd.csi.storage.gke.io',
    });
    const without = stream(claim(), snapshot());
    expect(field(added(without, run(generateDataMoverBackups, without, veleroConfig()).stdout)[0], 'spec', 'csiSnapshot')).toEqual({
      volumeSnapshot: 'data-snap',
      storageClass: 'gp3-csi',
    });
  });

  test('config: veleroNamespace, backupStorageLocation, operationTimeout, dataMoverType, moverConfig as dataMoverConfig (before operationTimeout)', () => {
    const input = stream(claim(), snapshot());
    const config = veleroConfig('veleroNamespace: openshift-adp\nbackupStorageLocation: aws-1\noperationTimeout: 30m\ndataMoverType: acme-mover\nmoverConfig: {ParallelFilesUpload: "4"}');
    const objects = added(input, run(generateDataMoverBackups, input, config).stdout);
    expect(field(objects[0], 'metadata', 'namespace')).toBe('openshift-adp');
    expect(objects[0]!.spec).toEqual({
      snapshotType: 'CSI',
      csiSnapshot: { volumeSnapshot: 'data-snap', storageClass: 'gp3-csi' },
      sourcePVC: 'data',
      datamover: 'acme-mover',
      backupStorageLocation: 'aws-1',
      sourceNamespace: 'shop',
      dataMoverConfig: { ParallelFilesUpload: '4' },
      operationTimeout: '30m',
    });
    expect(Object.keys(objects[0]!.spec as Obj).slice(-2)).toEqual(['dataMoverConfig', 'operationTimeout']);
    expectValid(objects);
  });

  test.each([
    ['no VolumeSnapshot', stream(claim()), /no VolumeSnapshot among the items names this claim .*no DataUpload/],
    ['no namespace', stream(claim({ namespace: null }), snapshot().replace('  namespace: shop\n', '')), /claim has no metadata\.namespace, which a DataUpload needs as its sourceNamespace/],
    ['no storage class', stream(claim({ storageClassName: null }), snapshot()), /spec\.storageClassName: claim has no spec\.storageClassName/],
  ])('a claim with %s gets a warning and no DataUpload', (_name, input, message) => {
    const out = run(generateDataMoverBackups, input, veleroConfig());
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toMatch(message);
  });

  test('backupName is required, and moverConfig values must be strings: exit 1 naming the field', () => {
    const missing = run(generateDataMoverBackups, stream(claim(), snapshot()), configMap({ format: 'velero' }));
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/\[error\]: functionConfig field backupName: required with format velero/);
    const nested = run(generateDataMoverBackups, stream(claim(), snapshot()), veleroConfig('moverConfig: {resticSecret: {name: x}}'));
    expect(nested.exitCode).toBe(1);
    expect(nested.stderr).toMatch(/functionConfig field moverConfig\.resticSecret: expected string/);
    // In a ResourceList the error is a result, and the items come back unchanged.
    const list = run(generateDataMoverBackups, resourceList([claim(), snapshot()], 'apiVersion: v1\nkind: ConfigMap\ndata: {format: velero}'));
    expect(list.exitCode).toBe(1);
    expect(parse(list.stdout).results).toEqual([expect.objectContaining({ severity: 'error' })]);
    expect(parse(list.stdout).items).toHaveLength(2);
  });

  test('idempotent: the second run adds nothing', () => {
    const input = stream(claim(), snapshot());
    const first = run(generateDataMoverBackups, input, veleroConfig());
    expect(run(generateDataMoverBackups, first.stdout, veleroConfig())).toEqual({ stdout: first.stdout, stderr: '', exitCode: 0 });
  });
});

// ---- generate-datamover-restores ----------------------------------------------------------------

function dataMoverBackup(options: { name?: string; namespace?: string; claim?: string; claimNamespace?: string | null; config?: string; result?: string } = {}): string {
  const { name = 'data-1a2b3c4d', namespace = 'shop', claim: claimName = 'data', claimNamespace = namespace, config, result } = options;
  return [
    `apiVersion: ${API_VERSION}`,
    'kind: DataMoverBackup',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  dataMoverType: volsync',
    '  type: PVC',
    '  sourceClaimRef:',
    `    name: ${claimName}`,
    ...(claimNamespace === null ? [] : [`    namespace: ${claimNamespace}`]),
    ...(config ? [`  config: ${config}`] : []),
    ...(result ? ['status:', '  phase: Completed', `  moverResult: ${result}`] : []),
    '',
  ].join('\n');
}

function dataUpload(options: { name?: string; namespace?: string; claim?: string; sourceNamespace?: string; snapshotID?: string; nodeOS?: string } = {}): string {
  const { name = 'nightly-x7k2p', namespace = 'velero', claim: claimName = 'data', sourceNamespace = 'shop', snapshotID, nodeOS } = options;
  const status = [...(snapshotID ? [`  snapshotID: ${snapshotID}`] : []), ...(nodeOS ? [`  nodeOS: ${nodeOS}`] : [])];
  return [
    'apiVersion: velero.io/v2alpha1',
    'kind: DataUpload',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    '  labels: {velero.io/backup-name: nightly}',
    'spec:',
    '  snapshotType: CSI',
    '  csiSnapshot: {volumeSnapshot: velero-data-abcde, storageClass: gp3-csi, snapshotClass: csi-aws-vsc}',
    `  sourcePVC: ${claimName}`,
    '  datamover: velero',
    '  backupStorageLocation: aws-1',
    `  sourceNamespace: ${sourceNamespace}`,
    '  operationTimeout: 10m0s',
    ...(status.length > 0 ? ['status:', '  phase: Completed', ...status] : []),
    '',
  ].join('\n');
}

/** The DataMoverRestore the rules call for, built by hand. */
function expectedRestore(options: { name?: string; from?: string; to?: string; claim?: string; config?: Obj; result?: Obj; restoreName?: string } = {}): Obj {
  const { name = 'data-1a2b3c4d', from = 'shop', to = from, claim: claimName = 'data', config, result, restoreName } = options;
  const spec: Obj = {
    dataMoverType: 'volsync',
    destinationClaimRef: { name: claimName, namespace: to },
    sourceClaimRef: { name: claimName, namespace: from },
    dataMoverBackupRef: { name, namespace: from },
  };
  if (config) spec.config = config;
  if (result) spec.moverResult = result;
  const metadata: Obj = { name, namespace: to };
  if (restoreName) metadata.labels = { 'velero.io/restore-name': getValidName(restoreName) };
  return { apiVersion: API_VERSION, kind: 'DataMoverRestore', metadata, spec };
}

const kinds = (text: string) => independentItems(text).map((item) => `${String(item.kind)}/${String(field(item, 'metadata', 'name'))}`);

describe('generate-datamover-restores, DataMoverBackups', () => {
  test('a DataMoverRestore in the mapped namespace; the DataMoverBackup is removed; other items keep their bytes', () => {
    const input = stream(deployment, dataMoverBackup({ config: '{resticSecret: {name: restic-secret}}', result: '{snapshotID: 4f1c9a2e}' }));
    const out = run(generateDataMoverRestores, input, restoresConfig('namespaceMapping: {shop: shop-dr}\nrestoreName: to-dr'));
    expect(out.exitCode, out.stderr).toBe(0);
    const items = independentItems(out.stdout);
    expect(items).toHaveLength(2);
    expect(out.stdout.startsWith(`${deployment}---\n`)).toBe(true);
    const expected = expectedRestore({ to: 'shop-dr', config: { resticSecret: { name: 'restic-secret' } }, result: { snapshotID: '4f1c9a2e' }, restoreName: 'to-dr' });
    expect(items[1]).toEqual(expected);
    expect(out.stderr).toMatch(
      /\[info\] datamover\.velero-krm-functions\.dev\/v1alpha1\/DataMoverRestore\/shop-dr\/data-1a2b3c4d spec: added for claim shop\/data \(DataMoverBackup shop\/data-1a2b3c4d\): restores into shop-dr\/data, mover volsync/,
    );
    expect(out.stderr).toMatch(/\[info\] datamover\.velero-krm-functions\.dev\/v1alpha1\/DataMoverBackup\/shop\/data-1a2b3c4d: removed: a restore does not re-create backup requests/);
    expectValid([expected]);
  });

  test('unmapped namespaces stay; a backup without sourceClaimRef.namespace uses its own namespace', () => {
    const input = stream(dataMoverBackup({ claimNamespace: null }), dataMoverBackup({ name: 'logs-1', namespace: 'ops', claim: 'logs' }));
    const out = run(generateDataMoverRestores, input, configMap({ namespaceMapping: 'shop=shop-dr' }));
    expect(independentItems(out.stdout)).toEqual([expectedRestore({ to: 'shop-dr' }), expectedRestore({ name: 'logs-1', from: 'ops', claim: 'logs' })]);
  });

  test('keepBackups keeps the backups; running twice adds nothing (with and without keepBackups)', () => {
    const input = stream(dataMoverBackup());
    for (const config of [configMap({ keepBackups: 'true', namespaceMapping: 'shop=dr' }), configMap({ namespaceMapping: 'shop=dr' })]) {
      const first = run(generateDataMoverRestores, input, config);
      expect(run(generateDataMoverRestores, first.stdout, config)).toEqual({ stdout: first.stdout, stderr: '', exitCode: 0 });
    }
    const kept = run(generateDataMoverRestores, input, configMap({ keepBackups: 'true', namespaceMapping: 'shop=dr' }));
    expect(kept.stdout.startsWith(`${input}---\n`)).toBe(true);
    expect(kinds(kept.stdout)).toEqual(['DataMoverBackup/data-1a2b3c4d', 'DataMoverRestore/data-1a2b3c4d']);
  });

  test('moverConfig replaces the backup\'s config', () => {
    const input = dataMoverBackup({ config: '{resticSecret: {name: src-secret}}' });
    const out = run(generateDataMoverRestores, input, restoresConfig('moverConfig: {resticSecret: {name: dst-secret}}'));
    expect(independentItems(out.stdout)).toEqual([expectedRestore({ config: { resticSecret: { name: 'dst-secret' } } })]);
  });

  test('two backups restored into one claim is an error', () => {
    const input = stream(dataMoverBackup(), dataMoverBackup({ name: 'data-9z', namespace: 'shop2' }));
    const out = run(generateDataMoverRestores, input, configMap({ namespaceMapping: 'shop=dr,shop2=dr' }));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/\[error\] .*DataMoverBackup\/shop2\/data-9z: restores into claim dr\/data, as DataMoverRestore dr\/data-1a2b3c4d already does/);
  });

  test('a backup without spec.sourceClaimRef.name or spec.dataMoverType is an error naming the field', () => {
    const noClaim = dataMoverBackup().replace('  sourceClaimRef:\n    name: data\n    namespace: shop\n', '');
    expect(run(generateDataMoverRestores, noClaim).stderr).toMatch(/\[error\] .*DataMoverBackup\/shop\/data-1a2b3c4d spec\.sourceClaimRef\.name: DataMoverBackup has no spec\.sourceClaimRef\.name/);
    const noMover = dataMoverBackup().replace('  dataMoverType: volsync\n', '');
    const out = run(generateDataMoverRestores, noMover);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/spec\.dataMoverType: DataMoverBackup has no spec\.dataMoverType: it cannot be restored/);
  });

  test('a claim that still names its old volume gets one warning; one without spec.volumeName none', () => {
    const input = stream(claim({ phase: null }), dataMoverBackup());
    const out = run(generateDataMoverRestores, input, configMap({ namespaceMapping: 'shop=dr' }));
    expect(out.stderr.match(/\[warning\]/g)).toHaveLength(1);
    expect(out.stderr).toMatch(/\[warning\] v1\/PersistentVolumeClaim\/shop\/data spec\.volumeName: claim still names its source volume pvc-data/);
    expect(out.stdout.startsWith(claim({ phase: null }))).toBe(true);
    const unbound = stream(claim({ phase: null, volumeName: null }), dataMoverBackup());
    expect(run(generateDataMoverRestores, unbound).stderr).not.toMatch(/warning/);
  });

  test.each([
    [{ namespaceMapping: 'shop=Shop_DR' }, /functionConfig field data\.namespaceMapping\.shop: "Shop_DR" is not valid \(A namespace name/],
    [{ namespaceMapping: 'shop' }, /functionConfig data\.namespaceMapping: "shop" is not a pair; expected a=b,c=d/],
    [{ keepBackups: 'yes' }, /functionConfig data\.keepBackups: expected true or false, found "yes"/],
    [{ restoreName: '-x' }, /functionConfig field data\.restoreName: "-x" is not valid/],
    [{ format: 'velero' }, /functionConfig field data: unknown field "format"/],
  ])('a wrong config (%o) exits 1 naming the field', (data, message) => {
    const out = run(generateDataMoverRestores, dataMoverBackup(), configMap(data as Record<string, string>));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(message);
  });

  test('the typed form and the ConfigMap form agree', () => {
    const input = stream(dataMoverBackup(), claim());
    const typedOut = run(generateDataMoverRestores, input, restoresConfig('namespaceMapping:\n  shop: shop-dr\nrestoreName: r1\nkeepBackups: true'));
    const mapOut = run(generateDataMoverRestores, input, configMap({ namespaceMapping: 'shop=shop-dr', restoreName: 'r1', keepBackups: 'true' }));
    expect(mapOut).toEqual(typedOut);
    expect(typedOut.exitCode).toBe(0);
  });
});

describe('generate-datamover-restores, Velero DataUploads', () => {
  const config = (extra = '') => restoresConfig(`restoreName: nightly-to-dr\nnamespaceMapping: {shop: shop-dr}\n${extra}`);

  test('a DataDownload as Velero builds it: from the DataUpload and its status, Velero key order; the DataUpload is removed', () => {
    const input = dataUpload({ snapshotID: '8f1d2c3b4a596877', nodeOS: 'linux' });
    const out = run(generateDataMoverRestores, input, config());
    expect(out.exitCode, out.stderr).toBe(0);
    const items = independentItems(out.stdout);
    const expected = {
      apiVersion: 'velero.io/v2alpha1',
      kind: 'DataDownload',
      metadata: {
        name: getValidName(`nightly-to-dr-data-${sha256('nightly-to-dr/shop/data').slice(0, 8)}`),
        namespace: 'velero',
        labels: { 'velero.io/restore-name': 'nightly-to-dr' },
      },
      spec: {
        targetVolume: { pvc: 'data', pv: '', namespace: 'shop-dr' },
        backupStorageLocation: 'aws-1',
        datamover: 'velero',
        snapshotID: '8f1d2c3b4a596877',
        sourceNamespace: 'shop',
        operationTimeout: '10m0s',
        nodeOS: 'linux',
      },
    };
    expect(items).toEqual([expected]);
    expect(Object.keys(items[0]!.spec as Obj)).toEqual(['targetVolume', 'backupStorageLocation', 'datamover', 'snapshotID', 'sourceNamespace', 'operationTimeout', 'nodeOS']);
    expect(out.stdout).toContain("    pv: \"\"\n");
    expect(out.stderr).not.toMatch(/warning/);
    expectValid(items);
  });

  test('without status.snapshotID the DataDownload has snapshotID "" and the DataUpload a warning', () => {
    const out = run(generateDataMoverRestores, dataUpload(), config());
    expect(field(independentItems(out.stdout)[0], 'spec', 'snapshotID')).toBe('');
    expect(out.stderr).toMatch(/\[warning\] velero\.io\/v2alpha1\/DataUpload\/velero\/nightly-x7k2p status\.snapshotID: DataUpload has no status\.snapshotID/);
  });

  test('veleroNamespace and moverConfig (as dataMoverConfig); keepBackups keeps the DataUpload; idempotent', () => {
    const input = dataUpload({ snapshotID: 'abc' });
    const withConfig = config('veleroNamespace: openshift-adp\nmoverConfig: {WriteSparseFiles: "true"}\nkeepBackups: true');
    const out = run(generateDataMoverRestores, input, withConfig);
    const [, download] = independentItems(out.stdout);
    expect(field(download, 'metadata', 'namespace')).toBe('openshift-adp');
    expect(field(download, 'spec', 'dataMoverConfig')).toEqual({ WriteSparseFiles: 'true' });
    expect(run(generateDataMoverRestores, out.stdout, withConfig)).toEqual({ stdout: out.stdout, stderr: '', exitCode: 0 });
    expectValid([download as Obj]);
  });

  test('restoreName is required when DataUploads are among the selected items; a DataUpload missing a field is an error', () => {
    const missing = run(generateDataMoverRestores, dataUpload(), configMap({ namespaceMapping: 'shop=dr' }));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/functionConfig field restoreName: required when the items hold DataUploads/);
    const nonString = run(generateDataMoverRestores, dataUpload(), config('moverConfig: {a: {b: c}}'));
    expect(nonString.stderr).toMatch(/functionConfig field moverConfig\.a: expected string/);
    // Not needed when selectors leave the DataUploads out.
    const skipped = run(generateDataMoverRestores, stream(dataUpload(), dataMoverBackup()), restoresConfig('selectors: [{kind: DataMoverBackup}]'));
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    const broken = dataUpload().replace('  sourcePVC: data\n', '');
    expect(run(generateDataMoverRestores, broken, config()).stderr).toMatch(/\[error\] .*DataUpload\/velero\/nightly-x7k2p spec\.sourcePVC: DataUpload has no spec\.sourcePVC/);
  });

  test('backups then restores: DataUploads generated offline restore with a warning about the missing snapshot ID', () => {
    const volumes = stream(claim(), snapshot());
    const backedUp = run(generateDataMoverBackups, volumes, backupsConfig('format: velero\nbackupName: nightly')).stdout;
    const restored = run(generateDataMoverRestores, backedUp, config());
    expect(restored.exitCode).toBe(0);
    expect(kinds(restored.stdout).map((entry) => entry.split('/')[0])).toEqual(['PersistentVolumeClaim', 'VolumeSnapshot', 'DataDownload']);
    expect(restored.stderr).toMatch(/has no status\.snapshotID/);
    expect(restored.stderr).toMatch(/claim still names its source volume pvc-data/);
  });
});

// ---- CRDs ---------------------------------------------------------------------------------------

describe('the CRDs in schemas/crds', () => {
  const expectations: Record<string, { kind: string; scope: string; short: string }> = {
    'datamovertype.yaml': { kind: 'DataMoverType', scope: 'Cluster', short: 'dmt' },
    'datamoverbackup.yaml': { kind: 'DataMoverBackup', scope: 'Namespaced', short: 'dmb' },
    'datamoverrestore.yaml': { kind: 'DataMoverRestore', scope: 'Namespaced', short: 'dmr' },
  };

  /** Every schema node with its path, outside the oneOf/not value validations. */
  function nodes(schema: Obj, path = ''): Array<[string, Obj]> {
    const out: Array<[string, Obj]> = [[path || '(root)', schema]];
    for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Obj>)) out.push(...nodes(child, `${path}.${name}`));
    if (schema.items) out.push(...nodes(schema.items as Obj, `${path}[]`));
    return out;
  }

  test.each(crdFiles)('%s: consistent names, one served storage version, a structural schema with descriptions', (file) => {
    const crd = crds[file]!;
    const { kind, scope, short } = expectations[file]!;
    const names = field(crd, 'spec', 'names') as Obj;
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(field(crd, 'spec', 'group')).toBe(GROUP);
    expect(names).toEqual({ kind, listKind: `${kind}List`, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(), shortNames: [short], categories: ['datamover'] });
    expect(field(crd, 'metadata', 'name')).toBe(`${kind.toLowerCase()}s.${GROUP}`);
    expect(field(crd, 'spec', 'scope')).toBe(scope);
    const versions = field(crd, 'spec', 'versions') as Obj[];
    expect(versions.map((version) => [version.name, version.served, version.storage])).toEqual([['v1alpha1', true, true]]);
    const schema = field(versions[0], 'schema', 'openAPIV3Schema') as Obj;
    for (const [path, node] of nodes(schema)) {
      expect(node.type, `${file} ${path} has no type`).toBeDefined();
      if (path !== '.metadata') expect(node.description, `${file} ${path} has no description`).toBeTruthy();
      if (node.type === 'object' && !node['x-kubernetes-preserve-unknown-fields'] && path !== '.metadata') expect(node.properties, `${file} ${path}`).toBeDefined();
      for (const required of (node.required ?? []) as string[]) expect(Object.keys((node.properties ?? {}) as Obj), `${file} ${path} requires ${required}`).toContain(required);
    }
    // Printer columns point at fields of the schema (metadata.creationTimestamp is always there).
    for (const column of (versions[0]!.additionalPrinterColumns ?? []) as Obj[]) {
      const path = (column.jsonPath as string).slice(1).split('.');
      if (path.join('.') === 'metadata.creationTimestamp') continue;
      const node = path.reduce<Obj | undefined>((at, key) => (at?.properties as Record<string, Obj> | undefined)?.[key], schema);
      expect(node, `${file} column ${String(column.name)}: ${String(column.jsonPath)}`).toBeDefined();
    }
    // Namespaced kinds with a status have the status subresource.
    if (field(schema, 'properties', 'status')) expect(field(versions[0], 'subresources', 'status')).toEqual({});
  });

  test('the DataMoverBackup schema ties volumeSnapshotRef to type VolumeSnapshot', () => {
    const base = expectedBackup({ snapshot: 's' });
    const validate = validateKind.DataMoverBackup!;
    expect(validate(base)).toBe(true);
    expect(validate({ ...base, spec: { ...(base.spec as Obj), volumeSnapshotRef: undefined } })).toBe(false);
    expect(validate(expectedBackup({}))).toBe(true);
    expect(validate({ ...expectedBackup({}), spec: { ...(expectedBackup({}).spec as Obj), volumeSnapshotRef: { name: 's' } } })).toBe(false);
    expect(validate({ ...base, spec: { ...(base.spec as Obj), type: 'Clone' } })).toBe(false);
    expect(validate({ ...base, spec: { type: 'PVC', sourceClaimRef: { name: 'data' } } })).toBe(false);
    expect(validate({ ...base, spec: { ...(base.spec as Obj), config: { anything: { goes: [1, 2] } } } })).toBe(true);
    expect(validateKind.DataMoverType!({ apiVersion: API_VERSION, kind: 'DataMoverType', metadata: { name: 'volsync' }, spec: { provisioner: 'volsync.backube' } })).toBe(true);
    expect(validateKind.DataMoverType!({ apiVersion: API_VERSION, kind: 'DataMoverType', metadata: { name: 'volsync' }, spec: {} })).toBe(false);
  });

  test('the kinds the functions write are the kinds the CRDs define', () => {
    const input = stream(claim(), snapshot());
    const backups = added(input, run(generateDataMoverBackups, input).stdout);
    const restores = independentItems(run(generateDataMoverRestores, stream(...backups.map((object) => JSON.stringify(object) + '\n'))).stdout);
    for (const object of [...backups, ...restores]) {
      const crd = Object.values(crds).find((entry) => field(entry, 'spec', 'names', 'kind') === object.kind)!;
      expect(object.apiVersion).toBe(`${String(field(crd, 'spec', 'group'))}/${String((field(crd, 'spec', 'versions') as Obj[])[0]!.name)}`);
    }
    expectValid([...backups, ...restores]);
  });
});

// ---- The worked examples ------------------------------------------------------------------------

describe('the worked examples', () => {
  const example = (name: string, file: string) => readFileSync(join(projectRoot, 'functions', name, 'examples', file), 'utf8');

  test('backups: the input is untouched, two DataMoverBackups are appended (VolumeSnapshot and PVC), the Pending claim is skipped', () => {
    const input = example('generate-datamover-backups', 'input.yaml');
    const output = example('generate-datamover-backups', 'output.yaml');
    expect(output.startsWith(input)).toBe(true);
    const config = { resticSecret: { name: 'restic-secret' } };
    expect(added(input, output)).toEqual([
      expectedBackup({ claim: 'postgres-data', snapshot: 'postgres-data-20261121', backupName: 'nightly', config }),
      expectedBackup({ claim: 'uploads', backupName: 'nightly', config }),
    ]);
    expectValid(added(input, output));
  });

  test('restores: the claim is untouched, each DataMoverBackup is replaced by its DataMoverRestore in shop-dr', () => {
    const input = example('generate-datamover-restores', 'input.yaml');
    const output = example('generate-datamover-restores', 'output.yaml');
    const claimEnd = input.indexOf('- apiVersion: datamover');
    expect(output.startsWith(input.slice(0, claimEnd))).toBe(true);
    const config = { resticSecret: { name: 'restic-secret' } };
    const repository = (claimName: string) => `s3:s3.eu-west-1.amazonaws.com/shop-backups/shop/${claimName}`;
    expect(independentItems(output).slice(1)).toEqual([
      expectedRestore({ name: 'postgres-data-da9bbb90', claim: 'postgres-data', to: 'shop-dr', config, restoreName: 'nightly-to-dr', result: { repository: repository('postgres-data'), snapshotID: '4f1c9a2e' } }),
      expectedRestore({ name: 'uploads-aac1a153', claim: 'uploads', to: 'shop-dr', config, restoreName: 'nightly-to-dr', result: { repository: repository('uploads'), snapshotID: '9b07e3d1' } }),
    ]);
    // The backups example's names are the ones the restores example starts from.
    expect(added(example('generate-datamover-backups', 'input.yaml'), example('generate-datamover-backups', 'output.yaml')).map((object) => field(object, 'metadata', 'name'))).toEqual([
      'postgres-data-da9bbb90',
      'uploads-aac1a153',
    ]);
  });
});

// ---- Golden: the shared corpus ------------------------------------------------------------------

/** Bound `v1` claims of a file, by the documented rule, computed independently. */
function boundClaims(items: Obj[]): Obj[] {
  return items.filter((item) => {
    if (item.kind !== 'PersistentVolumeClaim' || item.apiVersion !== 'v1') return false;
    if (field(item, 'metadata', 'annotations', 'config.kubernetes.io/local-config') === 'true') return false;
    const phase = field(item, 'status', 'phase');
    const volumeName = field(item, 'spec', 'volumeName');
    return (phase === undefined || phase === 'Bound') && typeof volumeName === 'string' && volumeName !== '';
  });
}

const files = corpusFiles();

describe.skipIf(!hasCorpus)('over ../shared/corpus', () => {
  test('the corpus holds claims, bound ones among them', () => {
    const claims = files.flatMap((file) => {
      try {
        return independentItems(readCorpus(file)).filter((item) => item.kind === 'PersistentVolumeClaim');
      } catch {
        return [];
      }
    });
    expect(claims.length).toBeGreaterThan(5);
    expect(files.filter((file) => boundClaims(safeItems(readCorpus(file))).length > 0).length).toBeGreaterThanOrEqual(2);
  });

  function safeItems(text: string): Obj[] {
    try {
      return independentItems(text);
    } catch {
      return [];
    }
  }

  test.each(files)('%s', (file) => {
    const input = readCorpus(file);
    const items = safeItems(input);
    const backups = run(generateDataMoverBackups, input);
    if (backups.exitCode !== 0 || items.some((item) => typeof item.apiVersion !== 'string' || typeof item.kind !== 'string')) {
      // Files the runtime cannot read as manifests (fragments without kind): both functions refuse them alike.
      expect(backups.exitCode).toBe(1);
      expect(backups.stdout).toBe('');
      expect(run(generateDataMoverRestores, input).exitCode).toBe(1);
      return;
    }
    const bound = boundClaims(items);
    if (bound.length === 0) {
      expect(backups.stdout, 'a file without bound claims is byte-identical').toBe(input);
    } else {
      const expected = bound.map((item) => {
        const namespace = field(item, 'metadata', 'namespace') as string | undefined;
        const name = field(item, 'metadata', 'name') as string;
        const hasSnapshot = items.some(
          (other) => other.kind === 'VolumeSnapshot' && field(other, 'metadata', 'namespace') === namespace && field(other, 'spec', 'source', 'persistentVolumeClaimName') === name,
        );
        expect(hasSnapshot).toBe(false); // no corpus file holds a bound claim and its snapshot
        return {
          apiVersion: API_VERSION,
          kind: 'DataMoverBackup',
          metadata: namespace ? { name: expectedName(name, namespace, name), namespace } : { name: expectedName(name, '', name) },
          spec: { dataMoverType: 'volsync', type: 'PVC', sourceClaimRef: namespace ? { name, namespace } : { name } },
        };
      });
      expect(added(input, backups.stdout)).toEqual(expected);
      expectValid(expected);
      // The input's own items come back unchanged.
      expect(independentItems(backups.stdout).slice(0, items.length)).toEqual(items);
    }
    expect(run(generateDataMoverBackups, backups.stdout).stdout, 'idempotent').toBe(backups.stdout);
    // Velero format: no corpus claim has a snapshot among its file's items, so nothing is added.
    expect(run(generateDataMoverBackups, input, configMap({ format: 'velero', backupName: 'nightly' })).stdout).toBe(input);
    // No corpus file holds DataMoverBackups or DataUploads: restores change nothing.
    expect(run(generateDataMoverRestores, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('external-snapshotter: a claim and its snapshot joined into one stream; the claim is not bound, so only a warning', () => {
    const input = `${readCorpus('external-snapshotter/pvc.yaml')}---\n${readCorpus('external-snapshotter/snapshot-v1.yaml')}`;
    const out = run(generateDataMoverBackups, input);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toMatch(/\[warning\] v1\/PersistentVolumeClaim\/hpvc spec\.volumeName: claim is not bound/);
    // Bound (as a live cluster would report it), the snapshot makes it a VolumeSnapshot backup.
    const bound = input.replace('  storageClassName: csi-hostpath-sc\n', '  storageClassName: csi-hostpath-sc\n  volumeName: pvc-1\n');
    expect(added(bound, run(generateDataMoverBackups, bound).stdout)).toEqual([
      {
        apiVersion: API_VERSION,
        kind: 'DataMoverBackup',
        metadata: { name: expectedName('hpvc', '', 'hpvc') },
        spec: { dataMoverType: 'volsync', type: 'VolumeSnapshot', sourceClaimRef: { name: 'hpvc' }, volumeSnapshotRef: { name: 'new-snapshot-demo-v1' } },
      },
    ]);
  });
});

// ---- End to end: the built executables under kpt fn eval ----------------------------------------

const backupsExecutable = join(projectRoot, 'dist/bin/generate-datamover-backups');
const restoresExecutable = join(projectRoot, 'dist/bin/generate-datamover-restores');
if (!hasKpt) console.warn('SKIPPING the kpt end-to-end tests of test/generate-datamover.test.ts: `kpt` is not on PATH');

describe.skipIf(!hasKpt)('kpt fn eval with the built executables', () => {
  const VOLUMES = `# volumes of the shop application
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data # the database
  namespace: shop
  uid: 0b3c5d7e-1111-2222-3333-444455556666
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: '20Gi'
  storageClassName: gp3-csi
  volumeName: pvc-0b3c5d7e
status:
  phase: Bound
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: scratch
  namespace: shop
spec:
  storageClassName: gp3-csi
status:
  phase: Pending
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata:
  name: data-snap
  namespace: shop
spec:
  volumeSnapshotClassName: csi-aws-vsc
  source:
    persistentVolumeClaimName: data
`;
  const TYPED_VELERO = `# typed config, outside the package
apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: GenerateDataMoverBackups
metadata:
  name: velero-backups
format: velero
backupName: nightly
veleroNamespace: openshift-adp
`;
  let root = '';
  let count = 0;

  beforeAll(() => {
    for (const executable of [backupsExecutable, restoresExecutable]) {
      if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build\` first (\`npm test\` does)`);
    }
    root = mkdtempSync(join(tmpdir(), 'krm-e2e-datamover-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function makePackage(): string {
    const dir = join(root, `pkg-${++count}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'volumes.yaml'), VOLUMES);
    writeFileSync(join(dir, 'deploy.yaml'), deployment);
    return dir;
  }


  const kpt = (args: string[]) => runKpt(args, root);

  function expectStatus(result: SpawnSyncReturns<string>, status: number): void {
    expect(result.status, `kpt exited ${result.status}; stderr:\n${result.stderr}`).toBe(status);
  }

  const backupName = expectedName('data', 'nightly', 'shop', 'data');

  test('backups with -- key=value, twice; then restores: new files where kpt puts them, old files byte for byte', () => {
    const dir = makePackage();
    const args = ['fn', 'eval', dir, '--exec', backupsExecutable, '--', 'backupName=nightly', 'moverConfig={resticSecret: {name: restic-secret}}'];
    const first = kpt(args);
    expectStatus(first, 0);
    expect(first.stderr).toContain('claim is not bound');
    const files = readPackage(dir);
    const newFile = `shop/datamoverbackup_${backupName}.yaml`;
    expect(Object.keys(files)).toEqual(['deploy.yaml', newFile, 'volumes.yaml']);
    expect(files['volumes.yaml']).toBe(VOLUMES);
    expect(files['deploy.yaml']).toBe(deployment);
    expect(parse(files[newFile]!)).toEqual(expectedBackup({ snapshot: 'data-snap', backupName: 'nightly', config: { resticSecret: { name: 'restic-secret' } } }));
    const second = kpt(args);
    expectStatus(second, 0);
    expect(second.stderr).not.toContain('[info]');
    expect(readPackage(dir)).toEqual(files);

    const restore = kpt(['fn', 'eval', dir, '--exec', restoresExecutable, '--', 'namespaceMapping=shop=shop-dr', 'restoreName=to-dr']);
    expectStatus(restore, 0);
    const restored = readPackage(dir);
    const restoreFile = `shop-dr/datamoverrestore_${backupName}.yaml`;
    expect(Object.keys(restored)).toEqual(['deploy.yaml', restoreFile, 'volumes.yaml']);
    expect(restored['volumes.yaml']).toBe(VOLUMES);
    expect(parse(restored[restoreFile]!)).toEqual(
      expectedRestore({ name: backupName, to: 'shop-dr', config: { resticSecret: { name: 'restic-secret' } }, restoreName: 'to-dr' }),
    );
    expect(restore.stderr).toContain('claim still names its source volume pvc-0b3c5d7e');
  });

  test('backups with --fn-config (typed, format velero) outside the package', () => {
    const dir = makePackage();
    const configDir = join(root, `config-${count}`);
    mkdirSync(configDir);
    const config = join(configDir, 'backups.yaml');
    writeFileSync(config, TYPED_VELERO);
    const out = kpt(['fn', 'eval', dir, '--exec', backupsExecutable, '--fn-config', config]);
    expectStatus(out, 0);
    const files = readPackage(dir);
    const name = expectedName('nightly-data', 'nightly', 'shop', 'data');
    const newFile = `openshift-adp/dataupload_${name}.yaml`;
    expect(Object.keys(files)).toEqual(['deploy.yaml', newFile, 'volumes.yaml']);
    expect(files['volumes.yaml']).toBe(VOLUMES);
    const upload = parse(files[newFile]!) as Obj;
    expect(upload).toEqual({
      apiVersion: 'velero.io/v2alpha1',
      kind: 'DataUpload',
      metadata: { name, namespace: 'openshift-adp', labels: { 'velero.io/backup-name': 'nightly', 'velero.io/pvc-uid': '0b3c5d7e-1111-2222-3333-444455556666' } },
      spec: {
        snapshotType: 'CSI',
        csiSnapshot: { volumeSnapshot: 'data-snap', storageClass: 'gp3-csi', snapshotClass: 'csi-aws-vsc' },
        sourcePVC: 'data',
        datamover: 'velero',
        backupStorageLocation: 'default',
        sourceNamespace: 'shop',
        operationTimeout: '10m0s',
      },
    });
    expectValid([upload]);
    expect(readFileSync(config, 'utf8')).toBe(TYPED_VELERO);
  });

  test('a bad config fails: kpt exits non-zero, the package is untouched, stderr names the field', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', backupsExecutable, '--', 'format=velero']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('backupName');
    expect(readPackage(dir)).toEqual({ 'deploy.yaml': deployment, 'volumes.yaml': VOLUMES });
  });
});
