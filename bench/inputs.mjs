/**
 * Benchmark inputs: N distinct items built from the shapes of the shared corpus (../shared/corpus), then
 * "backed up" with the project's own backup pipeline (pipelines/backup.yaml: workloads quiesced, a
 * DataMoverBackup per bound claim), so the restore pipeline has real work: internal-registry images and
 * service account subjects under a mapped namespace, generated Route hosts, quiesced replicas, data
 * mover backups.
 *
 * For each size the files are (under one cache folder per size, see `prepareInputs`):
 * - `backup.yaml`: a YAML stream, one document per item, each with a head comment naming its corpus
 *   source (the corpus' own comments are kept);
 * - `backup.json`: the same items as a `kind: List`, indented with 4 spaces as `kubectl get -o json`;
 * - `backup.tar.gz`: the same items as a Velero backup archive (written by `krm-pipeline`);
 * - `package/`: the same documents as a kpt package, 100 items per file (`part-0000.yaml`, ...).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Document, isMap, isScalar, isSeq, parse, parseAllDocuments, visit } from 'yaml';

export const projectRoot = new URL('..', import.meta.url).pathname;
export const corpusRoot = join(projectRoot, '..', 'shared', 'corpus');

/** Items per namespace: N items live in ceil(N / 100) namespaces `app-0000`, `app-0001`, ... */
const ITEMS_PER_NAMESPACE = 100;
/** Items per file of the kpt package. */
export const ITEMS_PER_PACKAGE_FILE = 100;
/** The internal registry that pipelines/restore-openshift.yaml names (OpenShift 4). */
const INTERNAL_REGISTRY = 'image-registry.openshift-image-registry.svc:5000';

/** Kinds without a namespace (Kubernetes and OpenShift cluster-scoped kinds found in the corpus). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'APIService', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'PodSecurityPolicy', 'SecurityContextConstraints',
  'VolumeSnapshotClass', 'VolumeSnapshotContent', 'VolumeGroupSnapshotContent', 'MachineConfigPool', 'ClusterVersion', 'ConsolePlugin',
  'PriorityClass', 'ConstraintTemplate',
]);
/** Kinds whose container images point at the internal registry in half of the copies. */
const WORKLOADS = new Set(['Deployment', 'DeploymentConfig', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod']);
/** Kinds whose service account users, groups and subjects follow the item's namespace. */
const SUBJECT_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding', 'SecurityContextConstraints']);
/** Documents that are not items of a backup (wrappers are flattened, templates and fragments left out). */
const SKIPPED = new Set(['Template', 'ResourceList', 'Namespace']);

/** The corpus files, relative to the corpus root, in a stable order. */
function corpusFiles() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(name)) files.push(relative(corpusRoot, path));
    }
  };
  walk(corpusRoot);
  return files;
}

/** The documents of a corpus file as `yaml` Documents (JSON files, often TAB-indented, via JSON.parse). */
function corpusDocuments(file) {
  const text = readFileSync(join(corpusRoot, file), 'utf8');
  if (/^\s*[{[]/.test(text)) {
    try {
      return [new Document(JSON.parse(text))];
    } catch {
      // flow YAML that is not JSON: read as YAML below
    }
  }
  return parseAllDocuments(text).filter((document) => document.errors.length === 0 && document.contents !== null);
}

/** A Document of its own for one item node of a List/ResourceList (comments on the node are kept). */
function itemDocument(node) {
  const document = new Document();
  document.contents = node.clone();
  return document;
}

/**
 * The item shapes of the corpus: every object with an apiVersion and kind, Lists and ResourceLists
 * flattened; OpenShift Templates (placeholders, not restorable items), Namespaces (made per generated
 * namespace instead) and fragments without kind are left out.
 * @returns [{ source: corpus path, document: yaml Document }]
 * @throws Error when the corpus is absent
 */
export function corpusShapes() {
  if (!existsSync(corpusRoot)) throw new Error(`the corpus ${corpusRoot} is absent: the benchmark builds its items from it`);
  const shapes = [];
  for (const file of corpusFiles()) {
    for (const document of corpusDocuments(file)) {
      const kind = document.get('kind');
      const items = document.get('items');
      const documents = typeof kind === 'string' && (kind.endsWith('List')) && isSeq(items) ? items.items.filter(isMap).map(itemDocument) : [document];
      for (const item of documents) {
        const itemKind = item.get('kind');
        if (typeof itemKind !== 'string' || typeof item.get('apiVersion') !== 'string' || SKIPPED.has(itemKind)) continue;
        if (!isMap(item.contents)) continue;
        shapes.push({ source: file, document: item });
      }
    }
  }
  return shapes;
}

/** `registry/ns/name:tag` → `<internal registry>/<namespace>/name:tag` (digests kept). */
function internalImage(image, namespace) {
  const last = image.split('/').pop();
  return `${INTERNAL_REGISTRY}/${namespace}/${last}`;
}

/** Makes copy `index` of a shape: distinct name, generated namespace, and the restore-relevant fields. */
function makeItem(shape, index, namespace) {
  const document = shape.document.clone();
  const kind = document.get('kind');
  if (!isMap(document.get('metadata'))) document.set('metadata', document.createNode({}));
  const baseName = String(document.getIn(['metadata', 'name']) ?? document.getIn(['metadata', 'generateName']) ?? kind.toLowerCase()).replace(/-$/, '');
  const name = `${baseName}-${index}`;
  document.setIn(['metadata', 'name'], name);
  if (CLUSTER_SCOPED.has(kind)) document.deleteIn(['metadata', 'namespace']);
  else document.setIn(['metadata', 'namespace'], namespace);
  const even = index % 2 === 0;
  if (WORKLOADS.has(kind) && even) {
    visit(document, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === 'image' && isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value !== '') {
          pair.value.value = internalImage(pair.value.value, namespace);
        }
      },
    });
  }
  if (SUBJECT_KINDS.has(kind)) {
    visit(document, {
      Scalar(_, scalar) {
        if (typeof scalar.value === 'string') scalar.value = scalar.value.replace(/^system:serviceaccount(s?):[^:]+/, `system:serviceaccount$1:${namespace}`);
      },
      Map(_, map) {
        if (map.get('kind') === 'ServiceAccount' && map.has('name')) map.set('namespace', namespace);
      },
    });
  }
  if (kind === 'Route' && even) {
    document.setIn(['metadata', 'annotations', 'openshift.io/host.generated'], 'true');
    document.setIn(['spec', 'host'], `${name}-${namespace}.apps.src.example.com`);
  }
  if (kind === 'PersistentVolumeClaim') {
    document.setIn(['spec', 'volumeName'], `pvc-${createHash('sha256').update(name + namespace).digest('hex').slice(0, 32)}`);
    document.setIn(['status', 'phase'], 'Bound');
  }
  document.commentBefore = ` source: corpus/${shape.source}${document.commentBefore ? `\n${document.commentBefore}` : ''}`;
  // One `---` between documents (generateStream's), none of the corpus file's own.
  if (document.directives) document.directives.docStart = null;
  return document;
}

/** The generated namespaces for `count` items. */
export function namespacesFor(count) {
  return Array.from({ length: Math.ceil(count / ITEMS_PER_NAMESPACE) }, (_, index) => `app-${String(index).padStart(4, '0')}`);
}

/** The restore's namespace mapping (every generated namespace to `<ns>-dr`), in ConfigMap string form. */
export function namespaceMappingFor(count) {
  return namespacesFor(count).map((namespace) => `${namespace}=${namespace}-dr`).join(',');
}

/**
 * `count` distinct items as a YAML stream: a Namespace per generated namespace, then the corpus shapes
 * in turn (copy i of shape i mod shapes), each in namespace i / 100.
 */
export function generateStream(shapes, count) {
  const namespaces = namespacesFor(count);
  const documents = [];
  for (const namespace of namespaces) {
    if (documents.length === count) break;
    documents.push(`# the application's namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
  }
  for (let index = 0; documents.length < count; index += 1) {
    const namespace = namespaces[Math.floor(documents.length / ITEMS_PER_NAMESPACE)];
    // LF only: the yaml library keeps a CRLF corpus file's \r in its comments.
    documents.push(makeItem(shapes[index % shapes.length], index, namespace).toString({ lineWidth: 0 }).replace(/\r$/gm, ''));
  }
  return documents.join('---\n');
}

/** Splits a YAML stream written by this module (or by krm-pipeline from it) into its documents. */
export function splitDocuments(text) {
  return text.split(/^---\n/m);
}

function pipelineRun(krmPipeline, args, what) {
  const run = spawnSync(krmPipeline, [...args, '--quiet', '--no-progress'], { cwd: projectRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}): ${run.stderr}`);
}

function fileHash(...paths) {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(readFileSync(path));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Writes (or finds, from an earlier run with the same generator and backup pipeline file) the inputs
 * for `count` items in `<tmpdir>/velero-krm-bench/<key>/<count>/`. The key does not cover the build that
 * ran the backup pipeline: delete the folder to make inputs with a newer one (100k items take minutes).
 * @param krmPipeline the krm-pipeline executable that runs the backup pipeline
 * @param log progress lines
 * @returns { dir, yaml, json, archive, package, items, bytes }
 */
export function prepareInputs(count, krmPipeline, log) {
  const key = fileHash(new URL(import.meta.url).pathname, join(projectRoot, 'pipelines/backup.yaml'));
  const dir = join(tmpdir(), 'velero-krm-bench', key, String(count));
  const paths = { dir, raw: join(dir, 'raw.yaml'), yaml: join(dir, 'backup.yaml'), json: join(dir, 'backup.json'), archive: join(dir, 'backup.tar.gz'), package: join(dir, 'package') };
  const done = join(dir, 'complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    log(`generating ${count} items in ${dir}`);
    writeFileSync(paths.raw, generateStream(corpusShapes(), count));
    // The backup pipeline's output, as YAML (comments kept) and as a Velero archive.
    pipelineRun(krmPipeline, ['-p', 'pipelines/backup.yaml', '-i', paths.raw, '-o', paths.yaml, '--backup-name', 'bench'], `backup pipeline to ${paths.yaml}`);
    pipelineRun(krmPipeline, ['-p', 'pipelines/backup.yaml', '-i', paths.raw, '-o', paths.archive, '--backup-name', 'bench'], `backup pipeline to ${paths.archive}`);
    const documents = splitDocuments(readFileSync(paths.yaml, 'utf8'));
    // Document by document, so 100k items never exist as one tree of yaml nodes.
    const items = documents.map((document, index) => {
      const item = parse(document);
      if (typeof item?.kind !== 'string') throw new Error(`${paths.yaml}: document ${index + 1} is not one item`);
      return item;
    });
    writeFileSync(paths.json, JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 4) + '\n');
    mkdirSync(paths.package);
    for (let start = 0; start < documents.length; start += ITEMS_PER_PACKAGE_FILE) {
      const name = `part-${String(start / ITEMS_PER_PACKAGE_FILE).padStart(4, '0')}.yaml`;
      writeFileSync(join(paths.package, name), documents.slice(start, start + ITEMS_PER_PACKAGE_FILE).join('---\n'));
    }
    rmSync(paths.raw);
    writeFileSync(done, `${items.length}\n`);
  }
  const items = Number(readFileSync(done, 'utf8'));
  return { ...paths, items, bytes: { yaml: statSync(paths.yaml).size, json: statSync(paths.json).size, archive: statSync(paths.archive).size } };
}
