/**
 * The restore chain over a real application: the crane e2e export of `redis` (Deployment, bound PVC,
 * RoleBindings of both API groups, owned ReplicaSet, Secrets, ServiceAccounts) together with the items of
 * an `oc get all` dump of an OpenShift 3 app (DeploymentConfigs on the internal registry, Routes,
 * BuildConfigs, ReplicationControllers). Backup side: quiesce, data mover backups. Restore side, under
 * the namespace mapping redis→redis-dr, example→example-dr, test→test-dr: image references, subjects,
 * route hosts, unquiesce, data mover restores. Expectations are written from the manifests, by hand.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { generateDataMoverBackups } from '../functions/generate-datamover-backups/function.js';
import { generateDataMoverRestores } from '../functions/generate-datamover-restores/function.js';
import { quiesceWorkloads } from '../functions/quiesce-workloads/function.js';
import { remapNamespaceSubjects } from '../functions/remap-namespace-subjects/function.js';
import { rewriteImageRefs } from '../functions/rewrite-image-refs/function.js';
import { stripRouteHost } from '../functions/strip-route-host/function.js';
import { unquiesceWorkloads } from '../functions/unquiesce-workloads/function.js';
import { CONFIG_API_VERSION, type KrmFunction, type SelectionConfig } from '../lib/krm-function.js';
import { corpusRoot, hasCorpus, readCorpus, run } from './helpers.js';

type Obj = { [key: string]: any };

const mapping = { redis: 'redis-dr', example: 'example-dr', test: 'test-dr' };
const internal = '172.30.17.139:5000';
const destinationRegistry = 'image-registry.openshift-image-registry.svc:5000';

function step(fn: KrmFunction<SelectionConfig & never>, fields: Obj): [KrmFunction<SelectionConfig & never>, string] {
  return [fn, stringify({ apiVersion: CONFIG_API_VERSION, kind: fn.kind, metadata: { name: fn.name }, ...fields })];
}

const backup = [step(quiesceWorkloads as never, {}), step(generateDataMoverBackups as never, { backupName: 'nightly' })];
const restore = [
  step(rewriteImageRefs as never, { internalRegistries: [internal], registryMappings: [{ from: internal, to: destinationRegistry }], namespaceMapping: mapping }),
  step(remapNamespaceSubjects as never, { namespaceMapping: mapping }),
  step(stripRouteHost as never, {}),
  step(unquiesceWorkloads as never, {}),
  step(generateDataMoverRestores as never, { namespaceMapping: mapping, restoreName: 'nightly-restore' }),
];

function applyChain(input: string, steps: Array<[KrmFunction<SelectionConfig & never>, string]>): string {
  let text = input;
  for (const [fn, config] of steps) {
    const out = run(fn, text, { path: `${fn.name}.yaml`, text: config });
    expect(out.exitCode, `${fn.name}: ${out.stderr}`).toBe(0);
    text = out.stdout;
  }
  return text;
}

function key(object: Obj): string {
  return `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
}

describe.skipIf(!hasCorpus)('quiesce → backup → rewrite-image-refs → remap-namespace-subjects → strip-route-host → unquiesce → data mover restores', () => {
  const exportDir = 'crane-e2e/golden-manifests-ocp/redis/export/resources/redis';
  const items: Obj[] = [
    ...readdirSync(join(corpusRoot, exportDir))
      .sort()
      .map((file) => parse(readCorpus(`${exportDir}/${file}`)) as Obj),
    ...(parse(readCorpus('openshift-oc/new-project-deployed-app.yaml')) as Obj).items,
  ];
  const input = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items });
  const backedUp = applyChain(input, backup);
  const restored = applyChain(backedUp, restore);
  const before = new Map(items.map((item) => [key(item), item]));
  const after = new Map((parse(restored).items as Obj[]).map((item) => [key(item), item]));

  test('the backup quiesced the running DeploymentConfigs and recorded their replicas, and asked for one data mover backup', () => {
    const backedUpItems = parse(backedUp).items as Obj[];
    const frontend = backedUpItems.find((item) => key(item) === 'DeploymentConfig/example/frontend')!;
    expect(frontend.spec.replicas).toBe(0);
    expect(frontend.metadata.annotations['migration.openshift.io/preQuiesceReplicas']).toBe(String(before.get('DeploymentConfig/example/frontend')!.spec.replicas));
    const movers = backedUpItems.filter((item) => item.kind === 'DataMoverBackup');
    expect(movers).toHaveLength(1);
    expect(movers[0]!.spec.sourceClaimRef).toEqual({ name: 'redis-data', namespace: 'redis' });
  });

  test('workloads come back with their replicas and without quiesce records', () => {
    let workloads = 0;
    for (const [name, item] of after) {
      if (!['Deployment', 'DeploymentConfig', 'ReplicaSet', 'ReplicationController', 'StatefulSet'].includes(item.kind)) continue;
      workloads += 1;
      expect(item.spec.replicas, name).toBe(before.get(name)!.spec.replicas);
      expect(Object.keys(item.metadata.annotations ?? {}).filter((k) => k.startsWith('migration.openshift.io/')), name).toEqual([]);
    }
    expect(workloads).toBeGreaterThanOrEqual(8);
  });

  test('images on the internal registry move to the destination registry and mapped namespace; others stay', () => {
    const frontend = after.get('DeploymentConfig/example/frontend')!;
    expect(frontend.spec.template.spec.containers[0].image).toBe(`${destinationRegistry}/test-dr/origin-ruby-sample:73214fafa244cb8abbe55273dac5d237a589a5fc7ac09926a1756a42c21e8a58`);
    expect(after.get('DeploymentConfig/example/database')!.spec.template.spec.containers[0].image).toBe('centos/mysql-56-centos7');
    expect(after.get('Deployment/redis/redis')!.spec.template.spec.containers[0].image).toBe('redis:latest');
  });

  test('subjects point at the mapped namespaces', () => {
    const pullers = after.get('RoleBinding/redis/system:image-pullers')!;
    expect(pullers.subjects.map((subject: Obj) => subject.name)).toEqual(['system:serviceaccounts:redis-dr']);
    const openshiftPullers = [...after.values()].filter((item) => item.kind === 'RoleBinding' && item.apiVersion === 'authorization.openshift.io/v1' && item.metadata.name === 'system:image-pullers');
    for (const binding of openshiftPullers) expect(binding.groupNames).toEqual(['system:serviceaccounts:redis-dr']);
  });

  test('generated route hosts are gone, user-set ones stay', () => {
    const routes = [...after.values()].filter((item) => item.kind === 'Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const original = before.get(key(route))!;
      if (original.metadata.annotations?.['openshift.io/host.generated'] === 'true') expect(route.spec.host).toBeUndefined();
      else expect(route.spec.host).toBe(original.spec.host);
    }
  });

  test('the data mover backup became a restore into the mapped namespace', () => {
    const restores = [...after.values()].filter((item) => item.kind === 'DataMoverRestore');
    expect(restores).toHaveLength(1);
    expect(restores[0]!.spec.destinationClaimRef).toEqual({ name: 'redis-data', namespace: 'redis-dr' });
    expect([...after.values()].filter((item) => item.kind === 'DataMoverBackup')).toEqual([]);
  });

  test('everything else is restored exactly as it was backed up', () => {
    const touched = new Set(['Deployment', 'DeploymentConfig', 'ReplicaSet', 'ReplicationController', 'RoleBinding', 'Route', 'BuildConfig', 'Build', 'DataMoverRestore']);
    let compared = 0;
    for (const [name, item] of after) {
      if (touched.has(item.kind)) continue;
      expect(item, name).toEqual(before.get(name));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(10);
    // Untouched items keep their bytes through all seven steps.
    const inputDocuments = parseAllDocuments(input);
    expect(inputDocuments).toHaveLength(1);
    const start = input.lastIndexOf('\n  - ', input.indexOf('redis-password: '));
    const secret = input.slice(start, input.indexOf('\n  - ', start + 1));
    expect(secret).toMatch(/^\n  - apiVersion: v1\n    data:\n      redis-password: /);
    expect(secret.length).toBeGreaterThan(500);
    expect(restored).toContain(secret);
  });
});
