/**
 * rewrite-image-refs: points image references at the registries and namespaces of the destination.
 *
 * Rule (openshift-velero-plugin `velero-plugins/common/util.go` `ReplaceImageRefPrefix` and
 * `SwapContainerImageRefs`, called by the RestoreItemActions of `pod/`, `deployment/`, `deploymentconfig/`,
 * `replicaset/`, `replicationcontroller/`, `statefulset/`, `daemonset/`, `job/`, `cronjob/` and
 * `buildconfig/restore.go`): a reference whose registry host is the source cluster's internal registry
 * (`metadata.annotations["openshift.io/backup-registry-hostname"]`) moves to the destination's
 * (`openshift.io/restore-registry-hostname`), and its namespace segment (`<host>/<namespace>/<name>`)
 * follows the restore's namespace mapping. `deploymentconfig/restore.go` also maps
 * `spec.triggers[].imageChangeParams.from.namespace`.
 *
 * Beyond the plugin: `registryMappings` (any registry, longest whole-segment prefix wins, like crane's
 * `registry-replacement`, `crane-lib` `util/registry.go`), `internalRegistries` for items without the
 * annotations, `ephemeralContainers`, PodTemplates, Builds, ImageStreams (`spec.tags[].from`,
 * `spec.dockerImageRepository`), the `ImageStreamTag`/`ImageStreamImage` namespaces of builds and
 * BuildConfig image-change triggers.
 *
 * Where it deliberately differs:
 * - references are read by the Docker grammar (`image-reference.ts`), not split at the first `/`;
 * - digests are kept everywhere; the plugin drops the digest of `openshift`-namespace references (a
 *   warning says so instead);
 * - a DeploymentConfig trigger's namespace is mapped by its own mapping (the plugin assigns the mapping of
 *   the DeploymentConfig's namespace to every mapped trigger);
 * - BuildConfig `spec.source.images[].from` is rewritten (the plugin edits a loop copy and loses it);
 * - the backup annotation alone is enough to map namespaces in place (the plugin needs both hosts);
 * - a `registryMappings` entry wins over the annotations for the references it covers.
 */
import type { KrmItem } from '../../lib/item.js';
import type { FunctionContext, KrmFunction, SelectionConfig } from '../../lib/krm-function.js';
import type { Path } from '../../lib/yaml/path.js';
import type { Value } from '../../lib/yaml/scalar.js';
import schema from '../../schemas/rewrite-image-refs.schema.json' with { type: 'json' };
import { InvalidImageReferenceError, parseImageReference, parseRegistryPrefix, type ImageReference } from './image-reference.js';
import {
  configProblems,
  mappedNamespace,
  registryRules,
  rewriteReference,
  type ReferenceRewrite,
  type ReferenceRules,
  type RegistryMapping,
  type RegistryRule,
} from './reference-rules.js';

/** The validated config (schema `schemas/rewrite-image-refs.schema.json`, defaults filled in). */
export interface RewriteImageRefsConfig extends SelectionConfig {
  /** Registry prefixes to replace; the longest whole-segment match wins, over the annotations too. */
  registryMappings: RegistryMapping[];
  /** Source namespace → destination namespace (Velero's `Restore.spec.namespaceMapping`). */
  namespaceMapping: { [source: string]: string };
  /** Hosts (with port) of the source cluster's internal registry. */
  internalRegistries: string[];
}

/** Set on backup by openshift-velero-plugin's `01-common-backup-plugin`: the source internal registry host. */
export const BACKUP_REGISTRY_ANNOTATION = 'openshift.io/backup-registry-hostname';
/** Set on restore by `01-common-restore-plugin`: the destination internal registry host. */
export const RESTORE_REGISTRY_ANNOTATION = 'openshift.io/restore-registry-hostname';

/** The namespace whose digest references openshift-velero-plugin strips (`ReplaceImageRefPrefix`). */
const SHARED_IMAGES_NAMESPACE = 'openshift';

/**
 * Default internal registry hosts of OpenShift 4 and 3 (and OpenShift 3's default service network
 * 172.30.0.0/16 on port 5000): such a reference that is not declared internal gets a warning when the
 * namespace mapping would have mapped it.
 */
const WELL_KNOWN_INTERNAL_REGISTRY =
  /^(?:image-registry\.openshift-image-registry\.svc(?:\.cluster\.local)?:5000|docker-registry\.default\.svc(?:\.cluster\.local)?:5000|172\.30\.\d{1,3}\.\d{1,3}:5000)$/;

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** Kinds with a pod spec: their API groups ('' is core, and legacy `v1` for OpenShift kinds) and where the pod spec is. */
const POD_SPECS: { readonly [kind: string]: { readonly groups: readonly string[]; readonly path: Path } } = {
  Pod: { groups: [''], path: ['spec'] },
  PodTemplate: { groups: [''], path: ['template', 'spec'] },
  ReplicationController: { groups: [''], path: ['spec', 'template', 'spec'] },
  Deployment: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  ReplicaSet: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  DaemonSet: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  StatefulSet: { groups: ['apps'], path: ['spec', 'template', 'spec'] },
  Job: { groups: ['batch'], path: ['spec', 'template', 'spec'] },
  CronJob: { groups: ['batch'], path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
  DeploymentConfig: { groups: ['apps.openshift.io', ''], path: ['spec', 'template', 'spec'] },
};

/** The `from`/`to` object references of Builds and BuildConfigs (`UpdateCommonSpec`, `build/restore.go`). */
const BUILD_OBJECT_REFERENCES: readonly Path[] = [
  ['spec', 'strategy', 'sourceStrategy', 'from'],
  ['spec', 'strategy', 'dockerStrategy', 'from'],
  ['spec', 'strategy', 'customStrategy', 'from'],
  ['spec', 'output', 'to'],
];

function isKind(item: KrmItem, kind: string, groups: readonly string[]): boolean {
  return item.kind === kind && groups.includes(item.group);
}

function isMap(value: Value | undefined): value is { [key: string]: Value } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function listLength(value: Value | undefined): number {
  return Array.isArray(value) ? value.length : 0;
}

/** Rewrites the references of one item and reports each change. */
class ItemRewriter {
  /** Set when a registryMappings entry replaced the host the item's restore annotation names. */
  private overriddenAnnotation: { mapping: string; annotation: string } | undefined;

  constructor(
    private readonly item: KrmItem,
    private readonly rules: ReferenceRules,
    private readonly context: FunctionContext,
    private readonly annotationHosts: { backup?: string; restore?: string },
  ) {}

  /** True when some rule can rewrite a reference of this item (else invalid references are not worth a warning). */
  private get hasReferenceRules(): boolean {
    return this.rules.registryMappings.length > 0 || this.rules.internalRegistries.size > 0;
  }

  /** The `image` of every container, init container and ephemeral container of the pod spec at `podSpec`. */
  containers(podSpec: Path): void {
    for (const list of CONTAINER_LISTS) {
      const count = listLength(this.item.get([...podSpec, list]));
      for (let index = 0; index < count; index += 1) this.reference([...podSpec, list, index, 'image']);
    }
  }

  /**
   * An ObjectReference (`from`, `to`): a `DockerImage` name is a reference; an `ImageStreamTag` or
   * `ImageStreamImage` namespace is mapped. Other kinds are left alone.
   */
  objectReference(path: Path): void {
    const reference = this.item.get(path);
    if (!isMap(reference)) return;
    if (reference.kind === 'DockerImage') this.reference([...path, 'name']);
    else if (reference.kind === 'ImageStreamTag' || reference.kind === 'ImageStreamImage') this.namespace([...path, 'namespace'], reference.kind);
  }

  /** Each `[...list, index, ...rest]` ObjectReference of a list. */
  objectReferences(list: Path, rest: Path): void {
    const count = listLength(this.item.get(list));
    for (let index = 0; index < count; index += 1) this.objectReference([...list, index, ...rest]);
  }

  /** Maps the namespace at `path` with `namespaceMapping` (an empty namespace means the item's own: left alone). */
  namespace(path: Path, kind: string): void {
    const current = this.item.get(path);
    if (typeof current !== 'string' || current === '') return;
    const target = mappedNamespace(this.rules.namespaceMapping, current);
    if (target === undefined) return;
    this.item.set(path, target);
    this.context.info(`mapped the ${kind} namespace ${current} to ${target} (namespaceMapping)`, this.item, {
      path,
      currentValue: current,
      proposedValue: target,
    });
  }

  /** Rewrites the image reference at `path`. */
  reference(path: Path): void {
    const current = this.item.get(path);
    if (typeof current !== 'string' || current === '') return;
    let reference: ImageReference;
    try {
      reference = parseImageReference(current);
    } catch (error) {
      if (!(error instanceof InvalidImageReferenceError)) throw error;
      if (this.hasReferenceRules) {
        this.context.warning(`${JSON.stringify(current)} is not a valid image reference (${error.message}); left unchanged`, this.item, { path, currentValue: current });
      }
      return;
    }
    const rewrite = rewriteReference(reference, this.rules);
    const problem = rewrite && this.unstable(rewrite);
    if (rewrite && problem) {
      this.context.error(`cannot rewrite the image reference ${current}: ${problem}`, this.item, { path, currentValue: current, proposedValue: rewrite.value });
    } else if (rewrite) {
      this.item.set(path, rewrite.value);
      this.context.info(`rewrote the image reference ${current} to ${rewrite.value} (${describe(rewrite, reference)})`, this.item, {
        path,
        currentValue: current,
        proposedValue: rewrite.value,
      });
      this.noteOverride(rewrite, reference);
    }
    this.warnAbout(reference, path);
  }

  /** Why a rewrite cannot be applied safely: an invalid result, or one the rules would rewrite again. */
  private unstable(rewrite: ReferenceRewrite): string | undefined {
    let result: ImageReference;
    try {
      result = parseImageReference(rewrite.value);
    } catch (error) {
      if (!(error instanceof InvalidImageReferenceError)) throw error;
      return `the result ${rewrite.value} would not be a valid image reference (${error.message})`;
    }
    const again = rewriteReference(result, this.rules);
    if (!again) return undefined;
    return (
      `the result ${rewrite.value} would be rewritten again to ${again.value} (${describe(again, result)}), so the output would change on every run; ` +
      'add a registryMappings entry that maps the source straight to its final registry'
    );
  }

  private warnAbout(reference: ImageReference, path: Path): void {
    const [namespace, ...name] = reference.path;
    if (namespace === undefined || name.length === 0) return;
    if (this.rules.internalRegistries.has(reference.domain)) {
      if (namespace === SHARED_IMAGES_NAMESPACE && reference.digest !== undefined) {
        this.context.warning(
          `${reference.text} pins a digest in the ${SHARED_IMAGES_NAMESPACE} namespace, which the destination cluster fills with its own images: ` +
            'the digest is kept, check that the destination registry holds it (openshift-velero-plugin drops the digest and pulls the latest tag)',
          this.item,
          { path, currentValue: reference.text },
        );
      }
    } else if (WELL_KNOWN_INTERNAL_REGISTRY.test(reference.domain) && mappedNamespace(this.rules.namespaceMapping, namespace) !== undefined) {
      this.context.warning(
        `${reference.text} looks like a reference into an OpenShift internal registry, but ${reference.writtenDomain} is neither in internalRegistries ` +
          `nor the item's ${BACKUP_REGISTRY_ANNOTATION} annotation, so its namespace ${namespace} is not mapped`,
        this.item,
        { path, currentValue: reference.text },
      );
    }
  }

  private noteOverride(rewrite: ReferenceRewrite, reference: ImageReference): void {
    const { backup, restore } = this.annotationHosts;
    if (rewrite.registry?.source !== 'registryMappings' || backup === undefined || restore === undefined) return;
    if (reference.domain !== parseRegistryPrefix(backup).domain) return;
    if (parseRegistryPrefix(rewrite.registry.to).domain === parseRegistryPrefix(restore).domain) return;
    this.overriddenAnnotation = { mapping: `${rewrite.registry.from} -> ${rewrite.registry.to}`, annotation: restore };
  }

  /** One warning per item when registryMappings sent references elsewhere than the restore annotation says. */
  finish(): void {
    if (!this.overriddenAnnotation) return;
    const { mapping, annotation } = this.overriddenAnnotation;
    this.context.warning(
      `registryMappings ${mapping} wins over this annotation, which names ${annotation} as the destination registry`,
      this.item,
      { path: ['metadata', 'annotations', RESTORE_REGISTRY_ANNOTATION], currentValue: annotation },
    );
  }
}

function describe(rewrite: ReferenceRewrite, reference: ImageReference): string {
  const parts: string[] = [];
  if (rewrite.registry?.source === 'registryMappings') parts.push(`registryMappings ${rewrite.registry.from} -> ${rewrite.registry.to}`);
  else if (rewrite.registry) parts.push(`internal registry ${rewrite.registry.from} -> ${rewrite.registry.to}, from the item's ${BACKUP_REGISTRY_ANNOTATION} and ${RESTORE_REGISTRY_ANNOTATION} annotations`);
  else parts.push(`internal registry ${reference.writtenDomain}`);
  if (rewrite.namespace) parts.push(`namespaceMapping ${rewrite.namespace.from} -> ${rewrite.namespace.to}`);
  return parts.join('; ');
}

/**
 * The registry host an annotation names, or undefined when it is empty or absent; a value that is not a
 * registry host gets a warning and is ignored.
 */
function annotationHost(item: KrmItem, key: string, context: FunctionContext): string | undefined {
  const value = item.annotation(key);
  if (value === undefined || value === '') return undefined;
  try {
    if (parseRegistryPrefix(value).path.length === 0) return value;
  } catch (error) {
    if (!(error instanceof InvalidImageReferenceError)) throw error;
  }
  context.warning(`${JSON.stringify(value)} is not a registry host (host[:port]); the annotation is ignored`, item, {
    path: ['metadata', 'annotations', key],
    currentValue: value,
  });
  return undefined;
}

/** Rewrites every reference field of `item`, if its kind has any. */
function rewriteItem(item: KrmItem, config: RewriteImageRefsConfig, mappings: readonly RegistryRule[], internal: readonly string[], context: FunctionContext): void {
  const podSpec = Object.prototype.hasOwnProperty.call(POD_SPECS, item.kind) ? POD_SPECS[item.kind] : undefined;
  const isPodKind = podSpec !== undefined && podSpec.groups.includes(item.group);
  const isBuild = isKind(item, 'BuildConfig', ['build.openshift.io', '']) || isKind(item, 'Build', ['build.openshift.io', '']);
  const isImageStream = isKind(item, 'ImageStream', ['image.openshift.io', '']);
  if (!isPodKind && !isBuild && !isImageStream) return;

  const backup = annotationHost(item, BACKUP_REGISTRY_ANNOTATION, context);
  const restore = annotationHost(item, RESTORE_REGISTRY_ANNOTATION, context);
  const internalRegistries = new Set(internal);
  if (backup !== undefined) internalRegistries.add(parseRegistryPrefix(backup).domain);
  const rules: ReferenceRules = { registryMappings: mappings, internalRegistries, destinationRegistry: restore, namespaceMapping: config.namespaceMapping };
  const rewriter = new ItemRewriter(item, rules, context, { ...(backup !== undefined && { backup }), ...(restore !== undefined && { restore }) });

  if (isPodKind) rewriter.containers(podSpec.path);
  if (item.kind === 'DeploymentConfig') rewriter.objectReferences(['spec', 'triggers'], ['imageChangeParams', 'from']);
  if (isBuild) {
    for (const path of BUILD_OBJECT_REFERENCES) rewriter.objectReference(path);
    rewriter.objectReferences(['spec', 'source', 'images'], ['from']);
    if (item.kind === 'BuildConfig') rewriter.objectReferences(['spec', 'triggers'], ['imageChange', 'from']);
  }
  if (isImageStream) {
    rewriter.reference(['spec', 'dockerImageRepository']);
    rewriter.objectReferences(['spec', 'tags'], ['from']);
  }
  rewriter.finish();
}

export const rewriteImageRefs: KrmFunction<RewriteImageRefsConfig> = {
  name: 'rewrite-image-refs',
  kind: 'RewriteImageRefs',
  description:
    'Points image references of workloads, builds and image streams at the destination registries and namespaces, by registry prefix mappings and the OpenShift internal-registry annotations.',
  type: 'mutator',
  schema,
  run(items, config, context) {
    const problems = configProblems(config.registryMappings, config.namespaceMapping);
    if (problems.length > 0) {
      for (const problem of problems) context.error(problem);
      return;
    }
    const mappings = registryRules(config.registryMappings);
    const internal = config.internalRegistries.map((host) => parseRegistryPrefix(host).domain);
    for (const item of items) rewriteItem(item, config, mappings, internal, context);
  },
};
