/**
 * rewrite-image-refs: the openshift-velero-plugin rule and its old unit-test vectors
 * (shared/design/upstream-behaviors-second-pass.md §15, upstream-behaviors.md §2.4), where this function
 * differs, the fields of every kind, config forms and errors, text preservation, golden tests over
 * ../shared/corpus (expectations from an independent reader and an independent, regex-based rule), and
 * the built executable under the real `kpt fn eval`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { rewriteImageRefs as fn } from '../functions/rewrite-image-refs/function.js';
import { parseImageReference } from '../functions/rewrite-image-refs/image-reference.js';
import { registryRules, rewriteReference, type ReferenceRules, type RegistryMapping } from '../functions/rewrite-image-refs/reference-rules.js';
import { corpusFiles, hasCorpus, independentItems, projectRoot, readCorpus, resourceList, run } from './helpers.js';
import { execArgument, hasKpt, readPackage, runKpt } from './kpt.js';

type Obj = { [key: string]: unknown };

const DIGEST = 'sha256:857010da6b7ef44ecd566eb390a702c2f24a254f7408a8f2fad524a2673a1b87';

const typed = (body: string) => ({
  path: 'config.yaml',
  text: `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: RewriteImageRefs\nmetadata: {name: c}\n${body.trimEnd()}\n`,
});
const configMap = (data: { [key: string]: string }) => ({
  path: 'config.yaml',
  text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`,
});

/** The result lines of a run on stderr, by severity. */
const lines = (stderr: string, severity: 'info' | 'warning' | 'error') => stderr.split('\n').filter((line) => line.includes(`[${severity}]`));

/** Rules as `function.ts` builds them for an item. */
function rules(options: { mappings?: RegistryMapping[]; internal?: string[]; destination?: string; namespaceMapping?: { [key: string]: string } }): ReferenceRules {
  return {
    registryMappings: registryRules(options.mappings ?? []),
    internalRegistries: new Set(options.internal ?? []),
    destinationRegistry: options.destination,
    namespaceMapping: options.namespaceMapping ?? {},
  };
}
const rewrite = (text: string, r: ReferenceRules) => rewriteReference(parseImageReference(text), r)?.value ?? text;

/** A Deployment whose containers and init containers have these images. */
function deployment(options: { images: string[]; init?: string[]; annotations?: { [key: string]: string }; namespace?: string; name?: string }): string {
  const { images, init = [], annotations = {}, namespace = 'shop', name = 'web' } = options;
  const annotationLines = Object.entries(annotations).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`);
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    ...(annotationLines.length > 0 ? ['  annotations:', ...annotationLines] : []),
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    ...images.flatMap((image, index) => [`      - name: c${index}`, `        image: ${image}`]),
    ...(init.length > 0 ? ['      initContainers:', ...init.flatMap((image, index) => [`      - name: i${index}`, `        image: ${image}`])] : []),
    '',
  ].join('\n');
}

const BACKUP = 'openshift.io/backup-registry-hostname';
const RESTORE = 'openshift.io/restore-registry-hostname';

describe('the openshift-velero-plugin vectors (common/util_test.go, restore tests), with hosts the grammar recognises', () => {
  test('ReplaceImageRefPrefix: foo → bar with a namespace map', () => {
    // Upstream's hosts `foo`/`bar` are Docker Hub names under the grammar; `.io` makes them hosts.
    const annotationRules = (namespaceMapping = {}) => rules({ internal: ['foo.io'], destination: 'bar.io', namespaceMapping });
    expect(rewrite('foo.io/baz/cat', annotationRules({ baz: 'qux' }))).toBe('bar.io/qux/cat');
    expect(rewrite('foo.io/baz/cat', annotationRules())).toBe('bar.io/baz/cat');
    expect(rewrite('foo.io/baz', annotationRules())).toBe('bar.io/baz');
    // "does not have prefix" errors upstream leave the reference alone.
    expect(rewrite('foo.io/baz', rules({ internal: ['foob.io'], destination: 'bar.io' }))).toBe('foo.io/baz');
    expect(rewrite('foo', rules({ internal: ['fo.io'], destination: 'bar.io' }))).toBe('foo');
    // Differs: upstream returns bar/openshift/cat (digest dropped in the openshift namespace).
    expect(rewrite(`foo.io/openshift/cat@${DIGEST}`, annotationRules())).toBe(`bar.io/openshift/cat@${DIGEST}`);
    // Differs: upstream took `foo` for a host; the grammar reads docker.io/foo/baz/cat.
    expect(rewrite('foo/baz/cat', rules({ internal: ['foo'], destination: 'bar', namespaceMapping: { baz: 'qux' } }))).toBe('foo/baz/cat');
  });

  test('SwapContainerImageRefs: foo → bar, {dog: puppy, cat: kitten}', () => {
    const swap = rules({ internal: ['foo.io'], destination: 'bar.io', namespaceMapping: { dog: 'puppy', cat: 'kitten' } });
    expect(rewrite('foo.io/cat', swap)).toBe('bar.io/cat'); // one segment: no namespace
    expect(rewrite('foo.io/cat/y', swap)).toBe('bar.io/kitten/y');
    expect(rewrite('foo.io/dog/x', swap)).toBe('bar.io/puppy/x');
    expect(rewrite('boo.io/cat', swap)).toBe('boo.io/cat');
  });

  test('deployment/cronjob/daemonset/job restore tests: both annotations, containers and initContainers', () => {
    const annotations = { [BACKUP]: 'backup-host:5000', [RESTORE]: 'restore-host:5000' };
    const input = deployment({
      images: ['backup-host:5000/namespace-old/foo', 'backup-host-2:5000/namespace-old/foo', `backup-host:5000/openshift/foo@${DIGEST}`],
      init: ['backup-host:5000/namespace/foo'],
      annotations,
    });
    const out = run(fn, input, configMap({ namespaceMapping: 'namespace-old=namespace-new' }));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      input
        .replace('backup-host:5000/namespace-old/foo', 'restore-host:5000/namespace-new/foo')
        .replace(`backup-host:5000/openshift/foo@${DIGEST}`, `restore-host:5000/openshift/foo@${DIGEST}`)
        .replace('image: backup-host:5000/namespace/foo', 'image: restore-host:5000/namespace/foo'),
    );
    expect(lines(out.stderr, 'info')).toHaveLength(3);
    expect(lines(out.stderr, 'warning')).toEqual([
      expect.stringMatching(/containers\[2\]\.image: .* pins a digest in the openshift namespace, .* the digest is kept/),
    ]);
  });

  test('restore tests: a missing host leaves references alone (but one backup host maps namespaces in place)', () => {
    const image = 'backup-host:5000/namespace-old/foo';
    const onlyRestore = deployment({ images: [image], annotations: { [BACKUP]: '', [RESTORE]: 'restore-host:5000' } });
    expect(run(fn, onlyRestore, configMap({ namespaceMapping: 'namespace-old=namespace-new' })).stdout).toBe(onlyRestore);
    const onlyBackup = deployment({ images: [image], annotations: { [BACKUP]: 'backup-host:5000', [RESTORE]: '' } });
    expect(run(fn, onlyBackup).stdout).toBe(onlyBackup);
    // Differs: upstream needs both hosts; here the backup host says what is internal, and the host stays.
    expect(run(fn, onlyBackup, configMap({ namespaceMapping: 'namespace-old=namespace-new' })).stdout).toBe(
      onlyBackup.replace(image, 'backup-host:5000/namespace-new/foo'),
    );
  });

  test('deploymentconfig restore test: the image, and each trigger by its own namespace (upstream bug fixed)', () => {
    const dc = `apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata:
  name: dc
  namespace: old-namespace
  annotations:
    ${BACKUP}: foo.io
    ${RESTORE}: bar.io
spec:
  template:
    spec:
      containers:
      - name: c
        image: foo.io/cat
  triggers:
  - type: ImageChange
    imageChangeParams:
      from: {kind: ImageStreamTag, name: "cat:latest", namespace: old-namespace}
  - type: ImageChange
    imageChangeParams:
      from: {kind: ImageStreamTag, name: "dog:latest", namespace: old-namespace-2}
  - type: ImageChange
    imageChangeParams:
      from: {kind: ImageStreamTag, name: "own:latest"}
  - type: ImageChange
    imageChangeParams:
      from: {kind: ImageStreamTag, name: "other:latest", namespace: unmapped}
`;
    const out = run(fn, dc, typed('namespaceMapping: {old-namespace: new-namespace, old-namespace-2: new-namespace-2}'));
    expect(out.exitCode, out.stderr).toBe(0);
    // Upstream expected new-namespace for both (the DC's own mapping); the trigger's own mapping is right.
    expect(out.stdout).toBe(
      dc
        .replace('image: foo.io/cat', 'image: bar.io/cat')
        .replace('namespace: old-namespace}', 'namespace: new-namespace}')
        .replace('namespace: old-namespace-2}', 'namespace: new-namespace-2}'),
    );
    expect(lines(out.stderr, 'info')).toEqual([
      expect.stringContaining('DeploymentConfig/old-namespace/dc spec.template.spec.containers[0].image: rewrote the image reference foo.io/cat to bar.io/cat'),
      expect.stringContaining('spec.triggers[0].imageChangeParams.from.namespace: mapped the ImageStreamTag namespace old-namespace to new-namespace (namespaceMapping)'),
      expect.stringContaining('spec.triggers[1].imageChangeParams.from.namespace: mapped the ImageStreamTag namespace old-namespace-2 to new-namespace-2'),
    ]);
  });
});

describe('registry mappings', () => {
  const mappings = (list: Array<[string, string]>) => rules({ mappings: list.map(([from, to]) => ({ from, to })) });

  test('the longest whole-segment prefix wins; tags and digests are kept', () => {
    const r = mappings([
      ['quay.io', 'mirror.example.com/quay'],
      ['quay.io/team', 'team.example.com'],
      ['quay.io/team/app', 'app.example.com/app'],
    ]);
    expect(rewrite('quay.io/team/web:1', r)).toBe('team.example.com/web:1');
    expect(rewrite('quay.io/teamx/web:1', r)).toBe('mirror.example.com/quay/teamx/web:1');
    expect(rewrite(`quay.io/team/app:2@${DIGEST}`, r)).toBe(`app.example.com/app:2@${DIGEST}`);
    expect(rewrite('quay.io/team/app/sub', r)).toBe('app.example.com/app/sub');
    expect(rewrite('QUAY.IO/team/web', r)).toBe('team.example.com/web');
    expect(rewrite('registry.example.com/team/web', r)).toBe('registry.example.com/team/web');
  });

  test('ports are part of the host: localhost vs localhost:5000', () => {
    const r = mappings([['localhost:5000', 'registry.dst.example.com:5000']]);
    expect(rewrite('localhost:5000/x', r)).toBe('registry.dst.example.com:5000/x');
    expect(rewrite('localhost:5000/ns/x:1', r)).toBe('registry.dst.example.com:5000/ns/x:1');
    expect(rewrite('localhost/x', r)).toBe('localhost/x');
    expect(rewrite('localhost:5001/x', r)).toBe('localhost:5001/x');
    expect(rewrite('localhost/x', mappings([['localhost', 'a.example.com']]))).toBe('a.example.com/x');
    expect(rewrite('localhost:5000/x', mappings([['localhost', 'a.example.com']]))).toBe('localhost:5000/x');
  });

  test('Docker Hub: a docker.io mapping covers references without a registry, by what they mean', () => {
    const hub = mappings([['docker.io', 'mirror.example.com/hub']]);
    expect(rewrite('nginx', hub)).toBe('mirror.example.com/hub/library/nginx');
    expect(rewrite('nginx:1.25', hub)).toBe('mirror.example.com/hub/library/nginx:1.25');
    expect(rewrite('library/nginx', hub)).toBe('mirror.example.com/hub/library/nginx');
    expect(rewrite('docker.io/nginx', hub)).toBe('mirror.example.com/hub/library/nginx');
    expect(rewrite('index.docker.io/library/nginx', hub)).toBe('mirror.example.com/hub/library/nginx');
    expect(rewrite('bitnami/redis:7', hub)).toBe('mirror.example.com/hub/bitnami/redis:7');
    expect(rewrite('quay.io/nginx', hub)).toBe('quay.io/nginx');
    const official = mappings([['docker.io/library', 'mirror.example.com/official']]);
    expect(rewrite('nginx:1', official)).toBe('mirror.example.com/official/nginx:1');
    expect(rewrite('bitnami/redis', official)).toBe('bitnami/redis');
    // docker.io/nginx as a prefix is the nginx organisation, not the official image
    expect(rewrite('nginx', mappings([['docker.io/nginx', 'x.example.com']]))).toBe('nginx');
    expect(rewrite('nginx/unit:1', mappings([['docker.io/nginx', 'x.example.com']]))).toBe('x.example.com/unit:1');
    // back to Docker Hub: written in full
    expect(rewrite('mirror.example.com/hub/library/nginx', mappings([['mirror.example.com/hub', 'docker.io']]))).toBe('docker.io/library/nginx');
  });

  test('unmapped references are not touched, not even normalised', () => {
    const input = deployment({ images: ['nginx', 'docker.io/nginx', 'quay.io/x/y', 'localhost:5000/x'] });
    const out = run(fn, input, configMap({ registryMappings: 'registry.example.com=mirror.example.com' }));
    expect(out).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });
});

describe('internal registries, annotations and namespaces', () => {
  test('namespace mapping applies only to references into an internal registry', () => {
    const r = rules({ internal: ['registry.src.example.com:5000'], namespaceMapping: { shop: 'shop-dr' } });
    expect(rewrite('registry.src.example.com:5000/shop/web:1', r)).toBe('registry.src.example.com:5000/shop-dr/web:1');
    expect(rewrite('Registry.Src.Example.com:5000/shop/web', r)).toBe('Registry.Src.Example.com:5000/shop-dr/web');
    expect(rewrite('registry.src.example.com:5000/shop', r)).toBe('registry.src.example.com:5000/shop');
    expect(rewrite('registry.src.example.com/shop/web', r)).toBe('registry.src.example.com/shop/web');
    expect(rewrite('quay.io/shop/web', r)).toBe('quay.io/shop/web');
    expect(rewrite('shop/web', r)).toBe('shop/web');
  });

  test('a registryMappings entry for the internal host moves it and keeps the namespace mapping; one with a path decides the namespace', () => {
    const host = rules({ mappings: [{ from: '172.30.1.1:5000', to: 'image-registry.openshift-image-registry.svc:5000' }], internal: ['172.30.1.1:5000'], namespaceMapping: { shop: 'shop-dr' } });
    expect(rewrite('172.30.1.1:5000/shop/web', host)).toBe('image-registry.openshift-image-registry.svc:5000/shop-dr/web');
    const path = rules({
      mappings: [{ from: '172.30.1.1:5000/shop', to: 'image-registry.openshift-image-registry.svc:5000/shop-archive' }],
      internal: ['172.30.1.1:5000'],
      namespaceMapping: { shop: 'shop-dr', web: 'never' },
    });
    expect(rewrite('172.30.1.1:5000/shop/web', path)).toBe('image-registry.openshift-image-registry.svc:5000/shop-archive/web');
    expect(rewrite('172.30.1.1:5000/other/web', path)).toBe('172.30.1.1:5000/other/web');
    // Without being internal, a registry mapping never maps namespaces.
    const external = rules({ mappings: [{ from: 'quay.io', to: 'mirror.example.com' }], namespaceMapping: { shop: 'shop-dr' } });
    expect(rewrite('quay.io/shop/web', external)).toBe('mirror.example.com/shop/web');
  });

  test('the annotations need no config; internalRegistries adds hosts; registryMappings wins over the restore annotation, with one warning', () => {
    const annotations = { [BACKUP]: '172.30.1.1:5000', [RESTORE]: 'image-registry.openshift-image-registry.svc:5000' };
    const input = deployment({ images: ['172.30.1.1:5000/shop/web:1', 'docker-registry.default.svc:5000/shop/api:1', 'quay.io/shop/web:1'], annotations });
    const bare = run(fn, input);
    expect(bare.stdout).toBe(input.replace('172.30.1.1:5000/shop/web:1', 'image-registry.openshift-image-registry.svc:5000/shop/web:1'));
    expect(lines(bare.stderr, 'info')).toEqual([
      expect.stringContaining(
        `rewrote the image reference 172.30.1.1:5000/shop/web:1 to image-registry.openshift-image-registry.svc:5000/shop/web:1 (internal registry 172.30.1.1:5000 -> image-registry.openshift-image-registry.svc:5000, from the item's ${BACKUP} and ${RESTORE} annotations)`,
      ),
    ]);
    const withConfig = run(
      fn,
      input,
      typed(`internalRegistries: [docker-registry.default.svc:5000]
namespaceMapping: {shop: shop-dr}
registryMappings: [{from: 172.30.1.1:5000, to: registry.dr.example.com}]`),
    );
    expect(withConfig.exitCode, withConfig.stderr).toBe(0);
    expect(withConfig.stdout).toBe(
      input
        .replace('172.30.1.1:5000/shop/web:1', 'registry.dr.example.com/shop-dr/web:1')
        .replace('docker-registry.default.svc:5000/shop/api:1', 'image-registry.openshift-image-registry.svc:5000/shop-dr/api:1'),
    );
    expect(lines(withConfig.stderr, 'warning')).toEqual([
      expect.stringContaining(
        `metadata.annotations["${RESTORE}"]: registryMappings 172.30.1.1:5000 -> registry.dr.example.com wins over this annotation, which names image-registry.openshift-image-registry.svc:5000 as the destination registry`,
      ),
    ]);
  });

  test('warnings: an undeclared internal-looking host whose namespace is mapped; invalid references; bad annotations', () => {
    const input = deployment({
      images: ['image-registry.openshift-image-registry.svc:5000/shop/web', '172.30.9.9:5000/other/web', "'${IMAGE}'", "''"],
      annotations: { [BACKUP]: 'not a host' },
    });
    const out = run(fn, input, configMap({ namespaceMapping: 'shop=shop-dr', registryMappings: 'quay.io=mirror.example.com' }));
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(input);
    expect(lines(out.stderr, 'warning')).toEqual([
      expect.stringContaining(`metadata.annotations["${BACKUP}"]: "not a host" is not a registry host (host[:port]); the annotation is ignored`),
      expect.stringContaining(
        'containers[0].image: image-registry.openshift-image-registry.svc:5000/shop/web looks like a reference into an OpenShift internal registry, but image-registry.openshift-image-registry.svc:5000 is neither in internalRegistries',
      ),
      expect.stringContaining('containers[2].image: "${IMAGE}" is not a valid image reference (the repository name must be lowercase); left unchanged'),
    ]);
    // Without any rule that could apply, invalid references are not worth a warning.
    expect(run(fn, input.replace('not a host', ''), configMap({ namespaceMapping: 'unrelated=elsewhere' })).stderr).toBe('');
  });
});

describe('fields of every kind', () => {
  const CONFIG = typed(`registryMappings: [{from: quay.io/src, to: quay.io/dst}]
namespaceMapping: {shop: shop-dr}`);
  const OLD = 'quay.io/src/app:1';
  const NEW = 'quay.io/dst/app:1';
  const containers = () => ({ containers: [{ name: 'a', image: OLD }], initContainers: [{ name: 'b', image: OLD }], ephemeralContainers: [{ name: 'c', image: OLD }] });

  test.each([
    ['v1', 'Pod', { spec: containers() }, 'spec'],
    ['v1', 'PodTemplate', { template: { spec: containers() } }, 'template.spec'],
    ['v1', 'ReplicationController', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['apps/v1', 'Deployment', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['extensions/v1beta1', 'Deployment', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['apps/v1', 'ReplicaSet', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['apps/v1', 'DaemonSet', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['apps/v1', 'StatefulSet', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['batch/v1', 'Job', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['batch/v1', 'CronJob', { spec: { jobTemplate: { spec: { template: { spec: containers() } } } } }, 'spec.jobTemplate.spec.template.spec'],
    ['batch/v1beta1', 'CronJob', { spec: { jobTemplate: { spec: { template: { spec: containers() } } } } }, 'spec.jobTemplate.spec.template.spec'],
    ['apps.openshift.io/v1', 'DeploymentConfig', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
    ['v1', 'DeploymentConfig', { spec: { template: { spec: containers() } } }, 'spec.template.spec'],
  ])('%s %s: containers, initContainers, ephemeralContainers', (apiVersion, kind, body, podSpec) => {
    const input = stringify({ apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, ...body });
    const out = run(fn, input, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(input.replaceAll(OLD, NEW));
    expect(lines(out.stderr, 'info').map((line) => /\[info\] \S+ (\S+): /.exec(line)?.[1])).toEqual(
      ['containers', 'initContainers', 'ephemeralContainers'].map((list) => `${podSpec}.${list}[0].image`),
    );
  });

  test.each([
    ['example.com/v1', 'Deployment'],
    ['apps/v1', 'DeploymentConfig'],
    ['v1', 'Deployment'],
    ['apps/v1', 'Pod'],
    ['template.openshift.io/v1', 'Template'],
  ])('%s %s is not a kind with references: untouched', (apiVersion, kind) => {
    const input = stringify({ apiVersion, kind, metadata: { name: 'x' }, spec: { template: { spec: containers() } }, objects: [{ apiVersion: 'v1', kind: 'Pod', spec: containers() }] });
    expect(run(fn, input, CONFIG)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test.each([['build.openshift.io/v1', 'BuildConfig'], ['v1', 'BuildConfig'], ['build.openshift.io/v1', 'Build'], ['v1', 'Build']])(
    '%s %s: strategy from, output to, source images, image-change triggers',
    (apiVersion, kind) => {
      const build = {
        apiVersion,
        kind,
        metadata: { name: 'b', namespace: 'shop' },
        spec: {
          source: { images: [{ from: { kind: 'DockerImage', name: OLD } }, { from: { kind: 'ImageStreamTag', namespace: 'shop', name: 'assets:1' } }] },
          strategy: {
            sourceStrategy: { from: { kind: 'ImageStreamTag', namespace: 'shop', name: 'builder:1' } },
            dockerStrategy: { from: { kind: 'DockerImage', name: OLD } },
            customStrategy: { from: { kind: 'ImageStreamImage', namespace: 'shop', name: `builder@${DIGEST}` } },
          },
          output: { to: { kind: 'DockerImage', name: OLD } },
          ...(kind === 'BuildConfig' && { triggers: [{ type: 'ImageChange', imageChange: { from: { kind: 'ImageStreamTag', namespace: 'shop', name: 'builder:1' } } }] }),
        },
        status: { outputDockerImageReference: OLD },
      };
      const input = stringify(build);
      const out = run(fn, input, CONFIG);
      expect(out.exitCode, out.stderr).toBe(0);
      const expected = structuredClone(build) as typeof build & { spec: { triggers?: Array<{ imageChange: { from: { namespace: string } } }> } };
      expected.spec.source.images[0]!.from.name = NEW;
      expected.spec.source.images[1]!.from.namespace = 'shop-dr';
      expected.spec.strategy.sourceStrategy.from.namespace = 'shop-dr';
      expected.spec.strategy.dockerStrategy.from.name = NEW;
      expected.spec.strategy.customStrategy.from.namespace = 'shop-dr';
      expected.spec.output.to.name = NEW;
      if (expected.spec.triggers) expected.spec.triggers[0]!.imageChange.from.namespace = 'shop-dr';
      expect(parse(out.stdout)).toEqual(expected);
      expect(lines(out.stderr, 'info').map((line) => /\[info\] \S+ (\S+): /.exec(line)?.[1])).toEqual([
        'spec.strategy.sourceStrategy.from.namespace',
        'spec.strategy.dockerStrategy.from.name',
        'spec.strategy.customStrategy.from.namespace',
        'spec.output.to.name',
        'spec.source.images[0].from.name',
        'spec.source.images[1].from.namespace',
        ...(kind === 'BuildConfig' ? ['spec.triggers[0].imageChange.from.namespace'] : []),
      ]);
    },
  );

  test.each([['image.openshift.io/v1'], ['v1']])('%s ImageStream: spec.dockerImageRepository and spec.tags[].from; status untouched', (apiVersion) => {
    const input = `apiVersion: ${apiVersion}
kind: ImageStream
metadata:
  name: app
  namespace: shop
spec:
  dockerImageRepository: quay.io/src/app
  tags:
  - name: "1"
    from: {kind: DockerImage, name: "${OLD}"}
  - name: latest
    from:
      kind: ImageStreamTag
      name: "1"
  - name: other
    from:
      kind: ImageStreamTag
      namespace: shop
      name: other:1
  - name: pinned
    from:
      kind: ImageStreamImage
      namespace: elsewhere
      name: app@${DIGEST}
status:
  dockerImageRepository: quay.io/src/app
`;
    const out = run(fn, input, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      input.replace('  dockerImageRepository: quay.io/src/app\n  tags', '  dockerImageRepository: quay.io/dst/app\n  tags').replace(`"${OLD}"`, `"${NEW}"`).replace('namespace: shop\n      name: other', 'namespace: shop-dr\n      name: other'),
    );
    expect(lines(out.stderr, 'info')).toHaveLength(3);
  });

  test('object references of other kinds, and missing or empty fields, are left alone', () => {
    const input = `apiVersion: build.openshift.io/v1
kind: BuildConfig
metadata: {name: b, namespace: shop}
spec:
  strategy:
    sourceStrategy:
      from: {kind: ImageStreamTag, name: "builder:1"}
    dockerStrategy:
      from: {kind: Other, name: "${OLD}", namespace: shop}
  output:
    to: {kind: ImageStreamTag, namespace: "", name: "x:1"}
  source:
    images: []
`;
    expect(run(fn, input, CONFIG)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });
});

describe('config', () => {
  const input = deployment({ images: ['quay.io/src/app:1', 'nginx'], init: ['registry.src.example.com:5000/shop/web'] });
  const expected = input
    .replace('quay.io/src/app:1', 'mirror.example.com/src/app:1')
    .replace('image: nginx', 'image: mirror.example.com/hub/library/nginx')
    .replace('registry.src.example.com:5000/shop/web', 'registry.src.example.com:5000/shop-dr/web');

  test('the ConfigMap form and the typed form give the same output', () => {
    const fromConfigMap = run(
      fn,
      input,
      configMap({ registryMappings: 'quay.io=mirror.example.com, docker.io=mirror.example.com/hub', namespaceMapping: 'shop=shop-dr', internalRegistries: 'registry.src.example.com:5000' }),
    );
    const fromTyped = run(
      fn,
      input,
      typed(`registryMappings:
- {from: quay.io, to: mirror.example.com}
- {from: docker.io, to: mirror.example.com/hub}
namespaceMapping:
  shop: shop-dr
internalRegistries:
- registry.src.example.com:5000`),
    );
    expect(fromConfigMap.exitCode, fromConfigMap.stderr).toBe(0);
    expect(fromConfigMap.stdout).toBe(expected);
    expect(fromTyped).toEqual(fromConfigMap);
    // In a ResourceList, as kpt sends `-- key=value`.
    const list = run(fn, resourceList([input], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {registryMappings: "quay.io=mirror.example.com,docker.io=mirror.example.com/hub", namespaceMapping: shop=shop-dr, internalRegistries: "registry.src.example.com:5000"}'));
    expect(list.exitCode, list.stderr).toBe(0);
    expect(parse(list.stdout).items[0]).toEqual(parse(expected));
    expect(parse(list.stdout).results[0]).toEqual({
      message: 'rewrote the image reference quay.io/src/app:1 to mirror.example.com/src/app:1 (registryMappings quay.io -> mirror.example.com)',
      severity: 'info',
      resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
      field: { path: 'spec.template.spec.containers[0].image', currentValue: 'quay.io/src/app:1', proposedValue: 'mirror.example.com/src/app:1' },
    });
  });

  test.each([
    [{ registryMappings: 'foo=bar.io' }, /functionConfig field data\.registryMappings\[0\]\.from: "foo" is not valid \(A registry host/],
    [{ registryMappings: 'quay.io/Team=bar.io' }, /data\.registryMappings\[0\]\.from: "quay\.io\/Team" is not valid/],
    [{ registryMappings: 'quay.io' }, /data\.registryMappings: "quay\.io" is not a pair/],
    [{ namespaceMapping: 'Shop=shop-dr' }, /data\.namespaceMapping: "Shop" is not valid \(A source namespace name/],
    [{ namespaceMapping: 'shop=shop_dr' }, /data\.namespaceMapping\.shop: "shop_dr" is not valid \(A destination namespace name/],
    [{ internalRegistries: 'image-registry' }, /data\.internalRegistries\[0\]: "image-registry" is not valid \(A registry host/],
    [{ internalRegistries: 'quay.io/team' }, /data\.internalRegistries\[0\]: "quay\.io\/team" is not valid/],
    [{ registryMapping: 'a.io=b.io' }, /unknown field "registryMapping" \(known fields: registryMappings, namespaceMapping, internalRegistries/],
  ])('ConfigMap %j is an error naming the field', (data, message) => {
    const out = run(fn, input, configMap(data));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  test.each([
    ['registryMappings: [{from: quay.io}]', /registryMappings\[0\]: missing required field "to"/],
    ['namespaceMapping: {shop: 7}', /namespaceMapping\.shop: expected string/],
    ['internalRegistries: registry.example.com', /internalRegistries: expected array/],
  ])('typed %s is an error naming the field', (body, message) => {
    const out = run(fn, input, typed(body));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(message);
  });

  test.each([
    ['a.io=b.io,b.io=c.io', /registryMappings\[0\]\.to: b\.io is covered by registryMappings\[1\]\.from b\.io, so a second run would rewrite the references again/],
    ['a.io=b.io,b.io/x=c.io', /registryMappings\[0\]\.to: b\.io is covered by registryMappings\[1\]\.from b\.io\/x/],
    ['quay.io=quay.io/mirror', /registryMappings\[0\]\.to: quay\.io\/mirror is covered by registryMappings\[0\]\.from quay\.io/],
    ['docker.io=mirror.io,mirror.io=index.docker.io', /registryMappings\[0\]\.to: mirror\.io is covered by registryMappings\[1\]/],
    ['quay.io=x.io,quay.io=y.io', /registryMappings\[1\]\.from: quay\.io is already mapped by registryMappings\[0\] to x\.io/],
  ])('chained registryMappings %s are an error (a second run would change the output)', (mappings, message) => {
    const out = run(fn, input, configMap({ registryMappings: mappings }));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  test('chained namespaceMapping is an error; identities and merges are fine', () => {
    const out = run(fn, input, configMap({ namespaceMapping: 'a=b,b=c' }));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/namespaceMapping\.a: a -> b and b -> c chain, so a second run would map the namespaces again/);
    expect(run(fn, input, configMap({ namespaceMapping: 'a=c,b=c,c=c', registryMappings: 'quay.io=quay.io,x.io=y.io' })).exitCode).toBe(0);
  });

  test('a reference that the annotations and the config would rewrite twice is an error, with nothing written', () => {
    const chained = deployment({ images: ['a.example.com/shop/web'], annotations: { [BACKUP]: 'a.example.com', [RESTORE]: 'b.example.com' } });
    const out = run(fn, chained, configMap({ registryMappings: 'b.example.com=c.example.com' }));
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /\[error\] apps\/v1\/Deployment\/shop\/web spec\.template\.spec\.containers\[0\]\.image: cannot rewrite the image reference a\.example\.com\/shop\/web: the result b\.example\.com\/shop\/web would be rewritten again to c\.example\.com\/shop\/web/,
    );
    // The fix the message suggests works.
    const fixed = run(fn, chained, configMap({ registryMappings: 'b.example.com=c.example.com,a.example.com=c.example.com' }));
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stdout).toBe(chained.replace('a.example.com/shop/web', 'c.example.com/shop/web'));
  });
});

describe('text preservation and idempotence', () => {
  const CONFIG = configMap({ registryMappings: 'quay.io/src=quay.io/dst,docker.io=mirror.example.com/hub', namespaceMapping: 'shop=shop-dr', internalRegistries: 'registry.src.example.com:5000' });

  test('comments on changed lines, quoting styles, flow collections, CRLF; untouched items byte-identical', () => {
    const changed = `# head comment
apiVersion: v1
kind: Pod
metadata:
  name: p # the pod
  namespace: shop
spec:
  containers:
  - name: a
    image: quay.io/src/a:1 # trailing comment
  - name: b
    image: "quay.io/src/b:1"   # double-quoted
  - name: c
    image: 'nginx'
  - {name: d, image: registry.src.example.com:5000/shop/d@${DIGEST}, imagePullPolicy: Always}
  initContainers: [{name: e, image: "busybox:1.36"}]
`;
    const untouched = `apiVersion: v1
kind: Pod
metadata:
  name: q
spec:
  containers:
  - name: a
    image:   quay.io/other/a:1    # spacing kept
`;
    const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n';
    const input = `${changed}---\n${untouched}---\n${service}`;
    const expected = `${changed
      .replace('quay.io/src/a:1 # trailing', 'quay.io/dst/a:1 # trailing')
      .replace('"quay.io/src/b:1"   #', '"quay.io/dst/b:1"   #')
      .replace("'nginx'", "'mirror.example.com/hub/library/nginx'")
      .replace(`registry.src.example.com:5000/shop/d@`, `registry.src.example.com:5000/shop-dr/d@`)
      .replace('"busybox:1.36"', '"mirror.example.com/hub/library/busybox:1.36"')}---\n${untouched}---\n${service}`;
    const out = run(fn, input, CONFIG);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(expected);
    expect(lines(out.stderr, 'info')).toHaveLength(5);
    expect(run(fn, out.stdout, CONFIG).stdout).toBe(out.stdout);

    const crlf = input.replace(/\n/g, '\r\n');
    const crlfOut = run(fn, crlf, CONFIG);
    expect(crlfOut.stdout).toBe(expected.replace(/\n/g, '\r\n'));
    expect(run(fn, crlfOut.stdout, CONFIG).stdout).toBe(crlfOut.stdout);
  });

  test('JSON in, JSON out; unchanged JSON verbatim', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'a', image: 'quay.io/src/a:1' }] } };
    const out = run(fn, JSON.stringify(pod, null, 2) + '\n', CONFIG);
    expect(JSON.parse(out.stdout)).toEqual({ ...pod, spec: { containers: [{ name: 'a', image: 'quay.io/dst/a:1' }] } });
    expect(out.stdout).toBe(JSON.stringify(JSON.parse(out.stdout), null, 2) + '\n');
    const untouched = '{"apiVersion": "v1", "kind": "Pod",\n "metadata": {"name": "p"}, "spec": {"containers": [{"image": "quay.io/other/a"}]}}';
    expect(run(fn, untouched, CONFIG).stdout).toBe(untouched);
  });

  test('the worked example: exactly the five expected lines change, and a second run changes nothing', () => {
    const folder = join(projectRoot, 'functions/rewrite-image-refs/examples');
    const input = readFileSync(join(folder, 'input.yaml'), 'utf8');
    const output = readFileSync(join(folder, 'output.yaml'), 'utf8');
    const config = { path: 'config.yaml', text: readFileSync(join(folder, 'config.yaml'), 'utf8') };
    expect(output).toBe(
      input
        .replace('svc:5000/shop/frontend@sha256:', 'svc:5000/shop-dr/frontend@sha256:')
        .replace('image: quay.io/shop/metrics-agent:2.1', 'image: mirror.dr.example.com/shop/metrics-agent:2.1')
        .replace('          namespace: shop\n          name: frontend:latest', '          namespace: shop-dr\n          name: frontend:latest')
        .replace('name: quay.io/shop/assets:1.0', 'name: mirror.dr.example.com/shop/assets:1.0')
        .replace('name: nginx:1.25', 'name: mirror.dr.example.com/dockerhub/library/nginx:1.25'),
    );
    const items = parse(output).items;
    expect(items[1].spec.strategy.sourceStrategy.from.namespace).toBe('openshift');
    expect(items[3].spec.jobTemplate.spec.template.spec.containers[0].image).toBe('registry.redhat.io/ubi9/ubi-minimal:9.4');
    expect(run(fn, output, config)).toMatchObject({ stdout: output, exitCode: 0 });
  });
});

// ---- Golden tests over ../shared/corpus ------------------------------------------------------------


const GOLDEN_NAMESPACES: { [source: string]: string } = { test: 'test-dr', example: 'example-dr', different: 'different-dr', 'mongo-persistent': 'mongo-dr' };
const GOLDEN_CONFIG = typed(`registryMappings:
- {from: docker.io, to: mirror.example.com/hub}
- {from: quay.io/migtools, to: mirror.example.com/migtools}
- {from: registry.redhat.io, to: mirror.example.com/redhat}
internalRegistries: [172.30.17.139:5000, 172.30.164.11:5000]
namespaceMapping: ${JSON.stringify(GOLDEN_NAMESPACES)}`);

/** The golden config's rule for one image string, restated with plain string tests. */
function expectedImage(image: string): string {
  const internal = /^(172\.30\.17\.139:5000|172\.30\.164\.11:5000)\/([^/]+)(\/.+)$/.exec(image);
  if (internal) return `${internal[1]}/${GOLDEN_NAMESPACES[internal[2]!] ?? internal[2]}${internal[3]}`;
  for (const [from, to] of [['quay.io/migtools/', 'mirror.example.com/migtools/'], ['registry.redhat.io/', 'mirror.example.com/redhat/']] as const) {
    if (image.startsWith(from)) return to + image.slice(from.length);
  }
  const segments = image.split('/');
  const first = segments[0]!;
  if (segments.length === 1) return `mirror.example.com/hub/library/${image}`;
  if (first === 'docker.io' || first === 'index.docker.io') return `mirror.example.com/hub/${segments.length === 2 ? 'library/' : ''}${segments.slice(1).join('/')}`;
  if (!/[.:]/.test(first) && first !== 'localhost') return `mirror.example.com/hub/${image}`;
  return image;
}

type Change = { path: Array<string | number>; from: string; to: string };

/** Every change the golden config implies for one item, found by walking the item (not by the function's path table). */
function expectedChanges(item: Obj): Change[] {
  const group = typeof item.apiVersion === 'string' && item.apiVersion.includes('/') ? item.apiVersion.split('/')[0] : '';
  const kinds: { [kind: string]: string[] } = {
    Pod: [''], PodTemplate: [''], ReplicationController: [''], Deployment: ['apps', 'extensions'], ReplicaSet: ['apps', 'extensions'],
    DaemonSet: ['apps', 'extensions'], StatefulSet: ['apps'], Job: ['batch'], CronJob: ['batch'], DeploymentConfig: ['apps.openshift.io', ''],
    BuildConfig: ['build.openshift.io', ''], Build: ['build.openshift.io', ''], ImageStream: ['image.openshift.io', ''],
  };
  if (typeof item.kind !== 'string' || !kinds[item.kind]?.includes(group ?? '')) return [];
  const changes: Change[] = [];
  const add = (path: Array<string | number>, from: unknown, to: (value: string) => string) => {
    if (typeof from === 'string' && from !== '' && to(from) !== from) changes.push({ path, from, to: to(from) });
  };
  const walk = (node: unknown, path: Array<string | number>) => {
    if (Array.isArray(node)) node.forEach((entry, index) => walk(entry, [...path, index]));
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const map = node as Obj;
    for (const [key, value] of Object.entries(map)) {
      if (['containers', 'initContainers', 'ephemeralContainers'].includes(key) && Array.isArray(value)) {
        value.forEach((container, index) => add([...path, key, index, 'image'], (container as Obj)?.image, expectedImage));
      }
    }
    if (map.kind === 'DockerImage') add([...path, 'name'], map.name, expectedImage);
    if (map.kind === 'ImageStreamTag' || map.kind === 'ImageStreamImage') add([...path, 'namespace'], map.namespace, (ns) => GOLDEN_NAMESPACES[ns] ?? ns);
    for (const [key, value] of Object.entries(map)) walk(value, [...path, key]);
  };
  walk(item.spec, ['spec']);
  if (item.kind === 'PodTemplate') walk(item.template, ['template']);
  if (item.kind === 'ImageStream') add(['spec', 'dockerImageRepository'], (item.spec as Obj | undefined)?.dockerImageRepository, expectedImage);
  return changes;
}

/** The output without the `results` a ResourceList gets appended, and without a final newline. */
function itemsText(text: string): string {
  const results = /^kind: ResourceList$/m.test(text) ? text.search(/\nresults:[ \n]/) : -1;
  return (results === -1 ? text : text.slice(0, results + 1)).replace(/\r?\n$/, '');
}

function setAt(root: unknown, path: Array<string | number>, value: string): void {
  let node = root as { [key: string | number]: unknown };
  for (const segment of path.slice(0, -1)) node = node[segment] as typeof node;
  node[path[path.length - 1]!] = value;
}

const files = corpusFiles();
const goldenSummary = { files: 0, changes: 0, paths: new Set<string>() };

describe.skipIf(!hasCorpus)('golden: rewrite-image-refs over ../shared/corpus', () => {
  test.each(files)('%s', (file) => {
    const input = readCorpus(file);
    const items = independentItems(input);
    const first = run(fn, input, GOLDEN_CONFIG);
    if (items.some((item) => typeof item.apiVersion !== 'string' || typeof item.kind !== 'string')) {
      expect(first.exitCode).toBe(1); // fragments without apiVersion/kind are not KRM resources
      return;
    }
    expect(first.exitCode, first.stderr).toBe(0);
    expect(lines(first.stderr, 'error')).toEqual([]);
    const changes = items.map(expectedChanges);
    const count = changes.flat().length;
    if (count === 0) {
      expect(first.stdout).toBe(input); // nothing to change: byte-identical
      expect(lines(first.stderr, 'info')).toEqual([]);
      return;
    }
    goldenSummary.files += 1;
    goldenSummary.changes += count;
    for (const change of changes.flat()) goldenSummary.paths.add(change.path.map((segment) => (typeof segment === 'number' ? '[]' : segment)).join('.'));
    const expected = items.map((item, index) => {
      const copy = structuredClone(item);
      for (const change of changes[index]!) setAt(copy, change.path, change.to);
      return copy;
    });
    expect(independentItems(first.stdout)).toEqual(expected);
    expect(lines(first.stderr, 'info')).toHaveLength(count);
    if (!/^\s*[{[]/.test(input)) {
      // Only lines holding a changed value differ, each by that value.
      const before = itemsText(input).split('\n');
      const after = itemsText(first.stdout).split('\n');
      expect(after).toHaveLength(before.length);
      const differing = before.map((line, index) => [line, after[index]!] as const).filter(([a, b]) => a !== b);
      expect(differing).toHaveLength(count);
      const pending = changes.flat();
      for (const [was, now] of differing) {
        const at = pending.findIndex((change) => was.includes(change.from) && now === was.replace(change.from, change.to));
        expect(at, `unexpected line change:\n- ${was}\n+ ${now}`).toBeGreaterThanOrEqual(0);
        pending.splice(at, 1);
      }
    }
    const second = run(fn, first.stdout, GOLDEN_CONFIG);
    expect(second.exitCode).toBe(0);
    expect(lines(second.stderr, 'info')).toEqual([]);
    expect(itemsText(second.stdout)).toBe(itemsText(first.stdout));
  });

  test('the corpus exercised DeploymentConfig triggers, internal references, BuildConfigs, ImageStreams and kind: List dumps', () => {
    expect(goldenSummary.files).toBeGreaterThan(20);
    expect([...goldenSummary.paths]).toEqual(
      expect.arrayContaining([
        'spec.template.spec.containers.[].image',
        'spec.template.spec.initContainers.[].image',
        'spec.triggers.[].imageChangeParams.from.namespace',
        'spec.strategy.sourceStrategy.from.name',
        'spec.strategy.dockerStrategy.from.name',
        'spec.tags.[].from.name',
        'spec.dockerImageRepository',
        'spec.jobTemplate.spec.template.spec.containers.[].image',
        'spec.containers.[].image',
      ]),
    );
    // A kind: List dump with a DeploymentConfig pulling from another project by digest, and its trigger.
    const dump = run(fn, readCorpus('openshift-oc/different-project-image-deployment.yaml'), GOLDEN_CONFIG);
    expect(lines(dump.stderr, 'info')).toEqual([
      expect.stringContaining(
        'DeploymentConfig/example/ruby-hello-world spec.template.spec.containers[0].image: rewrote the image reference 172.30.164.11:5000/test/origin-ruby-sample@sha256:857010da6b7ef44ecd566eb390a702c2f24a254f7408a8f2fad524a2673a1b87 to 172.30.164.11:5000/test-dr/origin-ruby-sample@sha256:857010da6b7ef44ecd566eb390a702c2f24a254f7408a8f2fad524a2673a1b87',
      ),
      expect.stringContaining('spec.triggers[1].imageChangeParams.from.namespace: mapped the ImageStreamTag namespace different to different-dr'),
    ]);
  });
});

// ---- The built executable under kpt -------------------------------------------------------------

const executable = join(projectRoot, 'dist/bin/rewrite-image-refs');
if (!hasKpt) console.warn('SKIPPING the kpt end-to-end tests of rewrite-image-refs: `kpt` is not on PATH');

const E2E_DEPLOY = `# the shop frontend
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: "image-registry.openshift-image-registry.svc:5000/shop/frontend:1.4" # built in-cluster
        - name: proxy
          image: nginx:1.25
`;
const E2E_DC = `apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata:
  name: worker
  namespace: shop
  annotations:
    openshift.io/backup-registry-hostname: 172.30.1.1:5000
spec:
  template:
    spec:
      containers:
      - name: worker
        image: 172.30.1.1:5000/shop/worker@${DIGEST}
  triggers:
  - type: ImageChange
    imageChangeParams:
      from:
        kind: ImageStreamTag
        namespace: shop # same namespace
        name: worker:latest
`;
const E2E_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: shop
spec:
  ports:
  - port: 80 # http
`;
const E2E_DEPLOY_OUT = E2E_DEPLOY.replace('svc:5000/shop/frontend:1.4', 'svc:5000/shop-dr/frontend:1.4').replace('image: nginx:1.25', 'image: mirror.example.com/hub/library/nginx:1.25');
const E2E_DC_OUT = E2E_DC.replace(`172.30.1.1:5000/shop/worker@`, `172.30.1.1:5000/shop-dr/worker@`).replace('namespace: shop # same namespace', 'namespace: shop-dr # same namespace');
const E2E_ARGS = ['registryMappings=docker.io=mirror.example.com/hub', 'namespaceMapping=shop=shop-dr', 'internalRegistries=image-registry.openshift-image-registry.svc:5000'];
const E2E_TYPED = `# kept outside the package
apiVersion: fn.velero-krm-functions.dev/v1alpha1
kind: RewriteImageRefs
metadata:
  name: rewrite-image-refs
registryMappings:
  - from: docker.io
    to: mirror.example.com/hub
namespaceMapping:
  shop: shop-dr
internalRegistries:
  - image-registry.openshift-image-registry.svc:5000
`;

describe.skipIf(!hasKpt)('dist/bin/rewrite-image-refs under kpt fn eval', () => {
  let root = '';
  let count = 0;
  const execValue = execArgument(executable);
  beforeAll(() => {
    if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build\` first (\`npm test\` does)`);
    root = mkdtempSync(join(tmpdir(), 'krm-rewrite-image-refs-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const makePackage = () => {
    const dir = join(root, `pkg-${++count}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'deploy.yaml'), E2E_DEPLOY);
    writeFileSync(join(dir, 'dc.yaml'), E2E_DC);
    writeFileSync(join(dir, 'service.yaml'), E2E_SERVICE);
    return dir;
  };
  const kpt = (args: string[]) => runKpt(args, root);

  test('-- key=value (ConfigMap): the references change, every other byte stays; a second run changes nothing', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', ...E2E_ARGS]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toContain('rewrote the image reference nginx:1.25 to mirror.example.com/hub/library/nginx:1.25');
    expect(readPackage(dir)).toEqual({ 'dc.yaml': E2E_DC_OUT, 'deploy.yaml': E2E_DEPLOY_OUT, 'service.yaml': E2E_SERVICE });
    const again = kpt(['fn', 'eval', dir, '--exec', execValue, '--', ...E2E_ARGS]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('[info]');
    expect(readPackage(dir)).toEqual({ 'dc.yaml': E2E_DC_OUT, 'deploy.yaml': E2E_DEPLOY_OUT, 'service.yaml': E2E_SERVICE });
  });

  test('--fn-config with a typed RewriteImageRefs outside the package', () => {
    const dir = makePackage();
    const config = join(root, `config-${count}.yaml`);
    writeFileSync(config, E2E_TYPED);
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--fn-config', config]);
    expect(out.status, out.stderr).toBe(0);
    expect(readPackage(dir)).toEqual({ 'dc.yaml': E2E_DC_OUT, 'deploy.yaml': E2E_DEPLOY_OUT, 'service.yaml': E2E_SERVICE });
    expect(readFileSync(config, 'utf8')).toBe(E2E_TYPED);
  });

  test('a chained config fails: kpt exits non-zero and the package is untouched', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'registryMappings=docker.io=mirror.example.com,mirror.example.com=quay.io']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('registryMappings[0].to');
    expect(readPackage(dir)).toEqual({ 'dc.yaml': E2E_DC, 'deploy.yaml': E2E_DEPLOY, 'service.yaml': E2E_SERVICE });
  });
});
