/**
 * quiesce-workloads and unquiesce-workloads: MTC's quiesce table and where it is fixed, the records both
 * share (and MTC's formats), the round trip, config in both forms, golden tests over the corpus, and the
 * built executables under kpt.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { formatNodeSelector, parseCount, parseNodeSelector, parseSuspendRecord, quiesceKeys } from '../functions/quiesce-workloads/annotations.js';
import { quiesceWorkloads } from '../functions/quiesce-workloads/function.js';
import { unquiesceWorkloads } from '../functions/unquiesce-workloads/function.js';
import { corpusFiles, hasCorpus, projectRoot, readCorpus, resourceList, run } from './helpers.js';
import { execArgument, hasKpt, readPackage, runKpt } from './kpt.js';

const REPLICAS = 'migration.openshift.io/preQuiesceReplicas';
const SUSPEND = 'migration.openshift.io/preQuiesceSuspend';
const NODE_SELECTOR = 'migration.openshift.io/preQuiesceNodeSelector';
const QUIESCE_KEY = 'migration.openshift.io/quiesceDaemonSet';

type Obj = { [key: string]: unknown };

/** A ConfigMap config file (the kustomize exec-plugin form). */
const configMap = (data: Record<string, string>) => ({
  path: 'config.yaml',
  text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`)
    .join('')}`,
});

/** A workload with `spec` lines (at column 2) and optional extra metadata lines (at column 2). */
function workload(apiVersion: string, kind: string, spec: string[], metadata: string[] = [], name = 'web'): string {
  return [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', `  name: ${name}`, '  namespace: shop', ...metadata, 'spec:', ...spec, ''].join('\n');
}

const template = ['  template:', '    spec:', '      containers:', '      - name: web', '        image: quay.io/shop/web:1.0'];
const annotation = (key: string, value: string) => ['  annotations:', `    ${key}: ${value}`];

/** What quiesce makes of `input`: `field` replaced, the record appended to metadata (no annotations before). */
function quiescedText(input: string, fieldLine: string, quiescedLine: string, recordKey: string, record: string): string {
  return input.replace(`\n${fieldLine}\n`, `\n${quiescedLine}\n`).replace('  namespace: shop\n', `  namespace: shop\n  annotations:\n    ${recordKey}: ${record}\n`);
}

describe('quiesce: MTC\'s table', () => {
  test.each([
    ['apps/v1', 'Deployment'],
    ['extensions/v1beta1', 'Deployment'],
    ['apps/v1', 'StatefulSet'],
    ['apps/v1', 'ReplicaSet'],
    ['v1', 'ReplicationController'],
    ['apps.openshift.io/v1', 'DeploymentConfig'],
    ['v1', 'DeploymentConfig'],
  ])('%s %s: spec.replicas → 0, the original in preQuiesceReplicas; nothing else changes', (apiVersion, kind) => {
    const input = workload(apiVersion, kind, ['  replicas: 3 # three pods', ...template]);
    const out = run(quiesceWorkloads, input);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(quiescedText(input, '  replicas: 3 # three pods', '  replicas: 0 # three pods', REPLICAS, '"3"'));
    expect(out.stderr).toBe(
      `quiesce-workloads: [info] ${apiVersion}/${kind}/shop/web spec.replicas: set replicas to 0 (was 3)\n` +
        `quiesce-workloads: [info] ${apiVersion}/${kind}/shop/web metadata.annotations["${REPLICAS}"]: recorded the original replicas, 3, for unquiesce\n`,
    );
  });

  test('DaemonSet: the quiesce node selector is added; the original selector is recorded as Go would marshal it', () => {
    const input = workload('apps/v1', 'DaemonSet', [
      '  template:',
      '    spec:',
      '      nodeSelector:',
      '        node-role.kubernetes.io/worker: ""',
      '        disk: ssd',
      '      containers: []',
    ]);
    const out = run(quiesceWorkloads, input);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(
      input
        .replace('        disk: ssd\n', `        disk: ssd\n        ${QUIESCE_KEY}: "true"\n`)
        .replace('  namespace: shop\n', `  namespace: shop\n  annotations:\n    ${NODE_SELECTOR}: "{\\"disk\\":\\"ssd\\",\\"node-role.kubernetes.io/worker\\":\\"\\"}"\n`),
    );
    expect(parse(out.stdout).metadata.annotations[NODE_SELECTOR]).toBe('{"disk":"ssd","node-role.kubernetes.io/worker":""}');
    expect(out.stderr).toMatch(/\[info\] apps\/v1\/DaemonSet\/shop\/web spec\.template\.spec\.nodeSelector\["migration\.openshift\.io\/quiesceDaemonSet"\]: added the node selector/);
  });

  test('DaemonSet without a nodeSelector: records {} (as MTC does) and adds the map; flow style stays flow style', () => {
    const input = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      containers: []']);
    const out = run(quiesceWorkloads, input);
    expect(out.stdout).toBe(
      input
        .replace('      containers: []\n', `      containers: []\n      nodeSelector:\n        ${QUIESCE_KEY}: "true"\n`)
        .replace('  namespace: shop\n', `  namespace: shop\n  annotations:\n    ${NODE_SELECTOR}: "{}"\n`),
    );
    const flow = workload('apps/v1', 'DaemonSet', ['  template:', '    spec: {nodeSelector: {disk: ssd}, containers: []}']);
    const quiesced = parse(run(quiesceWorkloads, flow).stdout);
    expect(quiesced.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd', [QUIESCE_KEY]: 'true' });
    expect(quiesced.metadata.annotations[NODE_SELECTOR]).toBe('{"disk":"ssd"}');
  });

  test('CronJob: suspend → true, recorded "false"; an absent suspend means false', () => {
    for (const suspendLine of ['  suspend: false', undefined]) {
      const spec = ['  schedule: "0 2 * * *"', ...(suspendLine ? [suspendLine] : []), '  jobTemplate: {}'];
      const input = workload('batch/v1', 'CronJob', spec);
      const out = run(quiesceWorkloads, input);
      expect(out.exitCode).toBe(0);
      const object = parse(out.stdout);
      expect(object.spec.suspend).toBe(true);
      expect(object.metadata.annotations).toEqual({ [SUSPEND]: 'false' });
      expect(out.stderr).toContain(`spec.suspend: set suspend to true (was ${suspendLine ? 'false' : 'unset, which means false'})`);
    }
  });

  test('Job: parallelism → 0, the original in preQuiesceReplicas (MTC\'s key for Jobs); absent means 1', () => {
    const input = workload('batch/v1', 'Job', ['  parallelism: 4', '  completions: 8', ...template]);
    expect(run(quiesceWorkloads, input).stdout).toBe(quiescedText(input, '  parallelism: 4', '  parallelism: 0', REPLICAS, '"4"'));
    const absent = parse(run(quiesceWorkloads, workload('batch/v1', 'Job', ['  completions: 8', ...template])).stdout);
    expect(absent.spec.parallelism).toBe(0);
    expect(absent.metadata.annotations[REPLICAS]).toBe('1');
  });

  test('a missing spec.replicas is the API default: 1 (recorded "1"), but 0 for a DeploymentConfig (left alone)', () => {
    for (const kind of ['Deployment', 'StatefulSet', 'ReplicaSet']) {
      const out = run(quiesceWorkloads, workload('apps/v1', kind, template));
      const object = parse(out.stdout);
      expect(object.spec.replicas).toBe(0);
      expect(object.metadata.annotations[REPLICAS]).toBe('1');
      expect(out.stderr).toContain('set replicas to 0 (was unset, which means 1)');
    }
    const rc = parse(run(quiesceWorkloads, workload('v1', 'ReplicationController', template)).stdout);
    expect(rc.metadata.annotations[REPLICAS]).toBe('1');
    const dc = workload('apps.openshift.io/v1', 'DeploymentConfig', template);
    expect(run(quiesceWorkloads, dc)).toEqual({ stdout: dc, stderr: '', exitCode: 0 });
  });
});

describe('quiesce: what is left alone', () => {
  test('workloads already at rest without a record: nothing recorded, nothing to undo (MTC skips them; it means to for CronJobs and Jobs)', () => {
    const inputs = [
      workload('apps/v1', 'Deployment', ['  replicas: 0', ...template]),
      workload('batch/v1', 'CronJob', ['  suspend: true', '  schedule: "@daily"']),
      workload('batch/v1', 'Job', ['  parallelism: 0', ...template]),
    ];
    const input = inputs.join('---\n');
    expect(run(quiesceWorkloads, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('ReplicaSets of a Deployment and RCs of a DeploymentConfig pass silently; another controller gets a warning; a non-controller owner does not count', () => {
    const owner = (kind: string, controller: string) => ['  ownerReferences:', '  - apiVersion: x/v1', `    kind: ${kind}`, '    name: owner', '    uid: 0b5e', `    controller: ${controller}`];
    const rs = workload('apps/v1', 'ReplicaSet', ['  replicas: 2', ...template], owner('Deployment', 'true'));
    const rc = workload('v1', 'ReplicationController', ['  replicas: 2', ...template], owner('DeploymentConfig', 'true'));
    expect(run(quiesceWorkloads, `${rs}---\n${rc}`)).toEqual({ stdout: `${rs}---\n${rc}`, stderr: '', exitCode: 0 });
    const operated = workload('apps/v1', 'StatefulSet', ['  replicas: 2', ...template], owner('Prometheus', 'true'));
    const out = run(quiesceWorkloads, operated);
    expect(out.stdout).toBe(operated);
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toBe(
      'quiesce-workloads: [warning] apps/v1/StatefulSet/shop/web metadata.ownerReferences: left running: its controller Prometheus/owner manages its replicas and would undo a change; quiesce the Prometheus instead\n',
    );
    const notController = workload('apps/v1', 'ReplicaSet', ['  replicas: 2', ...template], owner('Deployment', 'false'));
    expect(parse(run(quiesceWorkloads, notController).stdout).spec.replicas).toBe(0);
    // Jobs are quiesced whoever owns them: the CronJob does not reset their parallelism.
    const cronJobJob = workload('batch/v1', 'Job', ['  parallelism: 1', ...template], owner('CronJob', 'true'));
    expect(parse(run(quiesceWorkloads, cronJobJob).stdout).spec.parallelism).toBe(0);
  });

  test('other kinds and versions, workloads inside a Template, local-config items and selectors pass through byte for byte', () => {
    const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  replicas: 3\n';
    const crd = workload('example.com/v1', 'Deployment', ['  replicas: 3']);
    const tmpl = `apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: t\nobjects:\n- ${workload('apps/v1', 'Deployment', ['  replicas: 3']).trimEnd().replace(/\n/g, '\n  ')}\n`;
    const local = workload('apps/v1', 'Deployment', ['  replicas: 3'], annotation('config.kubernetes.io/local-config', '"true"'));
    const input = [service, crd, tmpl, local].join('---\n');
    expect(run(quiesceWorkloads, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
    const two = `${workload('apps/v1', 'Deployment', ['  replicas: 3'])}---\n${workload('apps/v1', 'Deployment', ['  replicas: 3'], [], 'api')}`;
    const selected = run(quiesceWorkloads, two, configMap({ selectors: '[{name: api}]' }));
    const [web, api] = parseAllDocuments(selected.stdout).map((document) => document.toJS());
    expect([web.spec.replicas, api.spec.replicas]).toEqual([3, 0]);
  });

  test('a DaemonSet without a pod template spec (a patch fragment) gets a warning and is left alone', () => {
    const input = workload('apps/v1', 'DaemonSet', ['  template:', '    metadata:', '      labels: {app: web}']);
    const out = run(quiesceWorkloads, input);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toContain('[warning] apps/v1/DaemonSet/shop/web spec.template.spec: has no pod template spec: left as is');
  });
});

describe('quiesce: idempotence and existing records', () => {
  test('running twice equals running once; the second run reports nothing', () => {
    const input = [
      workload('apps/v1', 'Deployment', ['  replicas: 3', ...template]),
      workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      containers: []']),
      workload('batch/v1', 'CronJob', ['  schedule: "@daily"']),
      workload('batch/v1', 'Job', ['  parallelism: 2']),
    ].join('---\n');
    const once = run(quiesceWorkloads, input);
    expect(once.stderr.split('\n').filter(Boolean)).toHaveLength(8);
    expect(run(quiesceWorkloads, once.stdout)).toEqual({ stdout: once.stdout, stderr: '', exitCode: 0 });
  });

  test('quiescing twice keeps the first original, even when the workload was scaled up in between', () => {
    const scaled = workload('apps/v1', 'Deployment', ['  replicas: 2', ...template], annotation(REPLICAS, '"5"'));
    const out = run(quiesceWorkloads, scaled);
    expect(out.stdout).toBe(scaled.replace('  replicas: 2\n', '  replicas: 0\n'));
    expect(out.stderr).toContain(`set replicas to 0 again (was 2); the original recorded by the first quiesce stays in ${REPLICAS}`);
    const resumed = workload('batch/v1', 'CronJob', ['  suspend: false'], annotation(SUSPEND, '"true"'));
    expect(run(quiesceWorkloads, resumed).stdout).toBe(resumed.replace('suspend: false', 'suspend: true'));
    const daemonSet = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector: {disk: ssd}'], annotation(NODE_SELECTOR, '\'{"disk":"hdd"}\''));
    const requiesced = parse(run(quiesceWorkloads, daemonSet).stdout);
    expect(requiesced.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd', [QUIESCE_KEY]: 'true' });
    expect(requiesced.metadata.annotations[NODE_SELECTOR]).toBe('{"disk":"hdd"}');
  });

  test('a DaemonSet that has the quiesce key but no record gets a warning and is left alone', () => {
    const input = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', `      nodeSelector: {${QUIESCE_KEY}: "true"}`]);
    const out = run(quiesceWorkloads, input);
    expect(out.stdout).toBe(input);
    expect(out.stderr).toContain(`[warning] apps/v1/DaemonSet/shop/web spec.template.spec.nodeSelector["${QUIESCE_KEY}"]: the node selector already holds`);
  });
});

describe('errors: input that cannot be handled safely exits 1, naming the field', () => {
  const cases: Array<[string, string]> = [
    [workload('apps/v1', 'Deployment', ['  replicas: "3"']), 'spec.replicas must be a non-negative integer'],
    [workload('apps/v1', 'Deployment', ['  replicas: -1']), 'spec.replicas must be a non-negative integer'],
    [workload('batch/v1', 'Job', ['  parallelism: 1.5']), 'spec.parallelism must be a non-negative integer'],
    [workload('batch/v1', 'CronJob', ['  suspend: "no"']), 'spec.suspend must be true or false'],
    [workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector: [ssd]']), 'spec.template.spec.nodeSelector must be a map of node labels'],
    [workload('apps/v1', 'Deployment', ['  replicas: 3'], annotation(REPLICAS, 'three')), `annotation ${REPLICAS}: "three" is not a non-negative integer; fix or remove it`],
    [workload('apps/v1', 'Deployment', ['  replicas: 3'], annotation(REPLICAS, '3')), `annotation ${REPLICAS} must be a string; quote its value`],
    [workload('batch/v1', 'CronJob', ['  suspend: false'], annotation(SUSPEND, 'maybe')), `annotation ${SUSPEND}: "maybe" is not "true" or "false"`],
    [workload('apps/v1', 'DaemonSet', ['  template:', '    spec: {}'], annotation(NODE_SELECTOR, '"{disk: ssd}"')), `annotation ${NODE_SELECTOR}: "{disk: ssd}" is not a JSON object of node labels`],
  ];
  test.each(cases.map(([input, message]) => [message, input] as const))('%s', (message, input) => {
    for (const fn of [quiesceWorkloads, unquiesceWorkloads]) {
      const out = run(fn, input);
      // unquiesce only looks at workloads with a record
      if (fn === unquiesceWorkloads && !input.includes('preQuiesce')) {
        expect(out).toEqual({ stdout: input, stderr: '', exitCode: 0 });
        continue;
      }
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain(`[error]`);
      expect(out.stderr).toContain(message);
    }
  });

  test('in a ResourceList the error is a result on the field (kpt discards the output of a failing function)', () => {
    const input = resourceList([workload('apps/v1', 'Deployment', ['  replicas: "3"']), workload('apps/v1', 'Deployment', ['  replicas: 2'], [], 'api')]);
    const out = run(quiesceWorkloads, input);
    expect(out.exitCode).toBe(1);
    const list = parse(out.stdout);
    expect(list.results[0]).toMatchObject({ severity: 'error', field: { path: 'spec.replicas', currentValue: '3' } });
  });
});

describe('config: annotationPrefix, in both forms', () => {
  const deployment = workload('apps/v1', 'Deployment', ['  replicas: 3']);
  const daemonSet = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      containers: []']);
  const input = `${deployment}---\n${daemonSet}`;

  test('ConfigMap form (kpt fn eval -- annotationPrefix=...): every key uses the prefix, the node-selector key too', () => {
    const config = configMap({ annotationPrefix: 'quiesce.example.com' });
    const out = run(quiesceWorkloads, input, config);
    expect(out.exitCode).toBe(0);
    const [deploy, ds] = parseAllDocuments(out.stdout).map((document) => document.toJS());
    expect(deploy.metadata.annotations).toEqual({ 'quiesce.example.com/preQuiesceReplicas': '3' });
    expect(ds.metadata.annotations).toEqual({ 'quiesce.example.com/preQuiesceNodeSelector': '{}' });
    expect(ds.spec.template.spec.nodeSelector).toEqual({ 'quiesce.example.com/quiesceDaemonSet': 'true' });
    expect(out.stdout).not.toContain('migration.openshift.io');
    // Unquiesce with the default prefix sees no record; with the same prefix it restores the input.
    expect(run(unquiesceWorkloads, out.stdout).stdout).toBe(out.stdout);
    expect(run(unquiesceWorkloads, out.stdout, config).stdout).toBe(input);
  });

  test('typed form, in a ResourceList functionConfig', () => {
    const typed = (kind: string) => `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: ${kind}\nmetadata: {name: c}\nannotationPrefix: quiesce.example.com\n`;
    const out = run(quiesceWorkloads, resourceList([deployment], typed('QuiesceWorkloads')));
    expect(parse(out.stdout).items[0].metadata.annotations).toEqual({ 'quiesce.example.com/preQuiesceReplicas': '3' });
    const back = run(unquiesceWorkloads, out.stdout.slice(0, out.stdout.indexOf('results:\n')).replace('QuiesceWorkloads', 'UnquiesceWorkloads'));
    expect(back.exitCode).toBe(0);
    expect(parse(back.stdout).items[0]).toEqual(parse(deployment));
  });

  test.each([
    [{ annotationPrefix: 'Not_A_Domain' }, 'functionConfig field data.annotationPrefix: "Not_A_Domain" is not valid'],
    [{ annotationPrefix: 'example.com/x' }, 'data.annotationPrefix: "example.com/x" is not valid'],
    [{ prefix: 'example.com' }, 'unknown field "prefix" (known fields: annotationPrefix, selectors, exclude)'],
  ])('config error %#: exit 1, the message names the field', (data, message) => {
    for (const fn of [quiesceWorkloads, unquiesceWorkloads]) {
      const out = run(fn, input, configMap(data));
      expect(out.exitCode).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain(message);
    }
  });
});

describe('unquiesce: the records are undone', () => {
  test.each([
    ['apps/v1', 'Deployment'],
    ['apps/v1', 'StatefulSet'],
    ['apps/v1', 'ReplicaSet'],
    ['v1', 'ReplicationController'],
    ['apps.openshift.io/v1', 'DeploymentConfig'],
  ])('%s %s: replicas restored, the record and the emptied annotations map removed', (apiVersion, kind) => {
    const original = workload(apiVersion, kind, ['  replicas: 3', ...template]);
    const quiesced = quiescedText(original, '  replicas: 3', '  replicas: 0', REPLICAS, '"3"');
    const out = run(unquiesceWorkloads, quiesced);
    expect(out).toEqual({
      stdout: original,
      stderr:
        `unquiesce-workloads: [info] ${apiVersion}/${kind}/shop/web spec.replicas: restored replicas 3 recorded by quiesce\n` +
        `unquiesce-workloads: [info] ${apiVersion}/${kind}/shop/web metadata.annotations["${REPLICAS}"]: removed the quiesce record\n`,
      exitCode: 0,
    });
  });

  test('other annotations stay, and so does metadata.annotations', () => {
    const quiesced = workload('apps/v1', 'Deployment', ['  replicas: 0'], ['  annotations:', `    ${REPLICAS}: "2"`, '    team: shop # owner']);
    expect(run(unquiesceWorkloads, quiesced).stdout).toBe(workload('apps/v1', 'Deployment', ['  replicas: 2'], ['  annotations:', '    team: shop # owner']));
  });

  test('Job parallelism and CronJob suspend', () => {
    const job = workload('batch/v1', 'Job', ['  parallelism: 0', ...template], annotation(REPLICAS, '"4"'));
    expect(run(unquiesceWorkloads, job).stdout).toBe(workload('batch/v1', 'Job', ['  parallelism: 4', ...template]));
    const cronJob = workload('batch/v1', 'CronJob', ['  suspend: true'], annotation(SUSPEND, '"false"'));
    expect(run(unquiesceWorkloads, cronJob).stdout).toBe(workload('batch/v1', 'CronJob', ['  suspend: false']));
  });

  test('DaemonSet: the quiesce key goes; an empty recorded selector removes the nodeSelector key (omitempty)', () => {
    const quiesced = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector:', '        disk: ssd', `        ${QUIESCE_KEY}: "true"`, '      containers: []'], annotation(NODE_SELECTOR, '\'{"disk":"ssd"}\''));
    const out = run(unquiesceWorkloads, quiesced);
    expect(out.stdout).toBe(workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector:', '        disk: ssd', '      containers: []']));
    expect(out.stderr).toContain(`removed the node selector ${QUIESCE_KEY}: the nodeSelector is the recorded {"disk":"ssd"} again`);
    const none = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      containers: []', '      nodeSelector:', `        ${QUIESCE_KEY}: "true"`], annotation(NODE_SELECTOR, '"{}"'));
    expect(run(unquiesceWorkloads, none).stdout).toBe(workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      containers: []']));
  });

  test('workloads without a record, and other kinds carrying the keys, are left alone; unquiescing twice equals once', () => {
    const input = [
      workload('apps/v1', 'Deployment', ['  replicas: 0']),
      workload('batch/v1', 'CronJob', ['  suspend: true']),
      workload('v1', 'ConfigMap', [], annotation(REPLICAS, '"3"')),
    ].join('---\n');
    expect(run(unquiesceWorkloads, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
    const quiesced = workload('apps/v1', 'Deployment', ['  replicas: 0'], annotation(REPLICAS, '"3"'));
    const once = run(unquiesceWorkloads, quiesced).stdout;
    expect(run(unquiesceWorkloads, once)).toEqual({ stdout: once, stderr: '', exitCode: 0 });
  });

  test('a record on a workload with a controller owner is restored too', () => {
    const owned = workload('apps/v1', 'ReplicaSet', ['  replicas: 0'], [...annotation(REPLICAS, '"2"'), '  ownerReferences:', '  - {apiVersion: apps/v1, kind: Deployment, name: web, uid: a1, controller: true}']);
    expect(parse(run(unquiesceWorkloads, owned).stdout).spec.replicas).toBe(2);
  });
});

describe('unquiesce: values changed since quiesce are kept, with a warning; the record goes', () => {
  test('replicas and parallelism (as MTC)', () => {
    const scaled = workload('apps/v1', 'Deployment', ['  replicas: 2'], annotation(REPLICAS, '"3"'));
    const out = run(unquiesceWorkloads, scaled);
    expect(out.stdout).toBe(workload('apps/v1', 'Deployment', ['  replicas: 2']));
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toContain('[warning] apps/v1/Deployment/shop/web spec.replicas: replicas changed since quiesce: keeps 2, not the recorded 3');
    const job = workload('batch/v1', 'Job', ['  completions: 1'], annotation(REPLICAS, '"3"'));
    expect(run(unquiesceWorkloads, job).stderr).toContain('parallelism changed since quiesce: keeps unset, which means 1, not the recorded 3');
    // Back at the original already: no warning.
    const back = run(unquiesceWorkloads, workload('apps/v1', 'Deployment', ['  replicas: 3'], annotation(REPLICAS, '"3"')));
    expect(back.stderr).not.toContain('warning');
    expect(back.stdout).toBe(workload('apps/v1', 'Deployment', ['  replicas: 3']));
  });

  test('a DaemonSet whose other labels changed keeps them (MTC would overwrite the whole map)', () => {
    const edited = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector:', '        disk: nvme', `        ${QUIESCE_KEY}: "true"`], annotation(NODE_SELECTOR, '\'{"disk":"ssd"}\''));
    const out = run(unquiesceWorkloads, edited);
    expect(out.stdout).toBe(workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector:', '        disk: nvme']));
    expect(out.stderr).toContain(`[warning] apps/v1/DaemonSet/shop/web spec.template.spec.nodeSelector: nodeSelector changed since quiesce: removed ${QUIESCE_KEY} and kept {"disk":"nvme"}, not the recorded {"disk":"ssd"}`);
    const keyGone = workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector: {disk: nvme}'], annotation(NODE_SELECTOR, '\'{"disk":"ssd"}\''));
    const gone = run(unquiesceWorkloads, keyGone);
    expect(parse(gone.stdout).spec.template.spec.nodeSelector).toEqual({ disk: 'nvme' });
    expect(parse(gone.stdout).metadata.annotations).toBeUndefined();
    expect(gone.stderr).toContain(`nodeSelector changed since quiesce (${QUIESCE_KEY} is gone): keeps {"disk":"nvme"}`);
  });

  test('a CronJob resumed by hand stays resumed, silently (it is the original value)', () => {
    const resumed = workload('batch/v1', 'CronJob', ['  suspend: false'], annotation(SUSPEND, '"false"'));
    expect(run(unquiesceWorkloads, resumed).stdout).toBe(workload('batch/v1', 'CronJob', ['  suspend: false']));
  });
});

describe('interoperability with MTC and crane (same keys, same formats)', () => {
  test('records are written as MTC writes them and read as MTC reads them', () => {
    expect(quiesceKeys('migration.openshift.io')).toEqual({ replicas: REPLICAS, suspend: SUSPEND, nodeSelector: NODE_SELECTOR, daemonSetNodeSelector: QUIESCE_KEY });
    // Go json.Marshal of a map[string]string: compact, keys sorted.
    expect(formatNodeSelector({ zone: 'a', 'kubernetes.io/os': 'linux' })).toBe('{"kubernetes.io/os":"linux","zone":"a"}');
    expect(parseNodeSelector('{}')).toEqual({});
    expect(parseNodeSelector('{"a": "b"}')).toEqual({ a: 'b' });
    expect(parseNodeSelector('["a"]')).toBeUndefined();
    expect(parseNodeSelector('{"a": {"b": "c"}}')).toBeUndefined();
    // strconv.Atoi, non-negative part, int32.
    expect([parseCount('3'), parseCount('03'), parseCount('+3'), parseCount('0')]).toEqual([3, 3, 3, 0]);
    expect([parseCount('-1'), parseCount('3.0'), parseCount(' 3'), parseCount('2147483648'), parseCount('')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(parseSuspendRecord('true')).toEqual({ original: false, mtcMarker: true });
    expect(parseSuspendRecord('false')).toEqual({ original: false, mtcMarker: false });
    expect(parseSuspendRecord('True')).toBeUndefined();
  });

  test('workloads quiesced by MTC are unquiesced: its "true" CronJob marker included', () => {
    // As MTC's quiesceApplications leaves them on the source cluster, and so in the backup.
    const mtc = [
      workload('apps/v1', 'Deployment', ['  replicas: 0'], annotation(REPLICAS, '"2"')),
      workload('batch/v1beta1', 'CronJob', ['  suspend: true'], annotation(SUSPEND, '"true"')),
      workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', '      nodeSelector:', `        ${QUIESCE_KEY}: "true"`], annotation(NODE_SELECTOR, '"{}"')),
      workload('batch/v1', 'Job', ['  parallelism: 0'], annotation(REPLICAS, '"1"')),
    ].join('---\n');
    const out = run(unquiesceWorkloads, mtc);
    expect(out.exitCode).toBe(0);
    const [deployment, cronJob, daemonSet, job] = parseAllDocuments(out.stdout).map((document) => document.toJS());
    expect(deployment.spec.replicas).toBe(2);
    expect(cronJob.spec.suspend).toBe(false);
    expect(daemonSet.spec.template.spec).toEqual({});
    expect(job.spec.parallelism).toBe(1);
    for (const object of [deployment, cronJob, daemonSet, job]) expect(object.metadata.annotations).toBeUndefined();
    expect(out.stderr).toContain(`(${SUSPEND}: "true" is MTC's marker for a CronJob it suspended`);
  });

  test('an originally suspended CronJob stays suspended through a round trip (MTC unsuspends it)', () => {
    const paused = workload('batch/v1', 'CronJob', ['  suspend: true', '  schedule: "@hourly"']);
    const quiesced = run(quiesceWorkloads, paused).stdout;
    expect(quiesced).toBe(paused);
    expect(run(unquiesceWorkloads, quiesced).stdout).toBe(paused);
  });
});

describe('round trip: unquiesce(quiesce(x)) gives x back', () => {
  test('byte for byte when every field is explicit, comments, flow style and quoting included', () => {
    const input = [
      '# the shop',
      workload('apps/v1', 'Deployment', ['  replicas: 3 # weekend', ...template], ['  labels: {app: web}']),
      workload('apps/v1', 'DaemonSet', ['  template:', '    spec:', "      nodeSelector: {'kubernetes.io/os': linux}", '      containers: []'], ['  annotations:', '    note: "yes"']),
      workload('batch/v1', 'CronJob', ['  suspend: false', '  schedule: "*/5 * * * *"']),
      workload('batch/v1', 'Job', ['  parallelism: 2']),
    ].join('---\n');
    const quiesced = run(quiesceWorkloads, input);
    expect(quiesced.exitCode).toBe(0);
    expect(run(unquiesceWorkloads, quiesced.stdout)).toMatchObject({ stdout: input, exitCode: 0 });
  });

  test('fields the original left out come back with the API default, as the API server would store them', () => {
    const input = workload('apps/v1', 'Deployment', template);
    const back = run(unquiesceWorkloads, run(quiesceWorkloads, input).stdout).stdout;
    expect(back).toBe(`${input}  replicas: 1\n`);
  });

  test('the worked examples: quiesce changes exactly the expected fields, unquiesce undoes them', () => {
    const read = (name: string, file: string) => readFileSync(join(projectRoot, 'functions', name, 'examples', file), 'utf8');
    const items = (text: string) => parse(text).items as Obj[];
    const input = items(read('quiesce-workloads', 'input.yaml'));
    const output = items(read('quiesce-workloads', 'output.yaml'));
    const byName = (list: Obj[]) => Object.fromEntries(list.map((item) => [(item.metadata as Obj).name as string, item as any]));
    const before = byName(input);
    const after = byName(output);
    expect(after['frontend'].spec.replicas).toBe(0);
    expect(after['frontend'].metadata.annotations).toEqual({ [REPLICAS]: '3' });
    expect(after['postgres'].metadata.annotations).toEqual({ [REPLICAS]: '1' });
    expect(after['legacy-api'].metadata.annotations).toEqual({ [REPLICAS]: '2' });
    expect(after['log-shipper'].spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', [QUIESCE_KEY]: 'true' });
    expect(after['log-shipper'].metadata.annotations).toEqual({ [NODE_SELECTOR]: '{"kubernetes.io/os":"linux"}' });
    expect([after['nightly-report'].spec.suspend, after['nightly-report'].metadata.annotations]).toEqual([true, { [SUSPEND]: 'false' }]);
    expect([after['search-reindex'].spec.parallelism, after['search-reindex'].metadata.annotations]).toEqual([0, { [REPLICAS]: '4' }]);
    expect(after['frontend-5d4f8b7c9']).toEqual(before['frontend-5d4f8b7c9']);
    expect(after['price-sync']).toEqual(before['price-sync']);
    // The unquiesce example starts from that output: frontend scaled by hand, one CronJob quiesced by MTC.
    const restored = byName(items(read('unquiesce-workloads', 'output.yaml')));
    expect(restored['frontend'].spec.replicas).toBe(2);
    expect(restored['cache-warmup'].spec.suspend).toBe(false);
    for (const name of Object.keys(before)) {
      if (name !== 'frontend') expect(restored[name], name).toEqual(before[name]);
    }
    expect(read('unquiesce-workloads', 'output.yaml')).not.toContain('migration.openshift.io');
  });
});

// ---- Golden tests over the corpus -------------------------------------------------------------------

/** The items of a file as an independent reader sees them (List/ResourceList flattened), and its shape. */
function independentItems(text: string): { items: Obj[]; resourceList: boolean } {
  const values: unknown[] = /^\s*[{[]/.test(text)
    ? [JSON.parse(text)]
    : parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS());
  const items: Obj[] = [];
  let resourceList = false;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const object = value as Obj;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
      resourceList ||= object.kind === 'ResourceList';
      items.push(...(object.items as Obj[]));
    } else items.push(object);
  }
  return { items, resourceList };
}

interface Expected {
  path: string[];
  quiesced: unknown;
  recordKey: string;
  record: string;
  /** True when the field is absent: the round trip brings it back explicitly. */
  absent: boolean;
}

const get = (object: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Obj)[key] : undefined), object);

/** What quiesce must do to `item`, computed from MTC's table and the documented differences. */
function expectedQuiesce(item: Obj): Expected | undefined {
  const [group] = typeof item.apiVersion === 'string' && item.apiVersion.includes('/') ? item.apiVersion.split('/') : [''];
  const annotations = (get(item, ['metadata', 'annotations']) ?? {}) as Obj;
  if (annotations['config.kubernetes.io/local-config'] === 'true') return undefined;
  const controlled = ((get(item, ['metadata', 'ownerReferences']) ?? []) as Obj[]).some((reference) => reference.controller === true);
  const replicaKinds: Record<string, string[]> = {
    Deployment: ['apps', 'extensions'],
    StatefulSet: ['apps'],
    ReplicaSet: ['apps', 'extensions'],
    ReplicationController: [''],
    DeploymentConfig: ['apps.openshift.io', ''],
  };
  const kind = item.kind as string;
  if (replicaKinds[kind]?.includes(group!)) {
    if (controlled) return undefined;
    const replicas = get(item, ['spec', 'replicas']);
    const value = replicas ?? (kind === 'DeploymentConfig' ? 0 : 1);
    return value === 0 ? undefined : { path: ['spec', 'replicas'], quiesced: 0, recordKey: REPLICAS, record: String(value), absent: replicas === undefined };
  }
  if (kind === 'Job' && group === 'batch') {
    const parallelism = get(item, ['spec', 'parallelism']);
    const value = parallelism ?? 1;
    return value === 0 ? undefined : { path: ['spec', 'parallelism'], quiesced: 0, recordKey: REPLICAS, record: String(value), absent: parallelism === undefined };
  }
  if (kind === 'CronJob' && group === 'batch') {
    const suspend = get(item, ['spec', 'suspend']);
    return suspend === true ? undefined : { path: ['spec', 'suspend'], quiesced: true, recordKey: SUSPEND, record: 'false', absent: suspend === undefined };
  }
  if (kind === 'DaemonSet' && ['apps', 'extensions'].includes(group!) && get(item, ['spec', 'template', 'spec']) !== undefined) {
    const selector = (get(item, ['spec', 'template', 'spec', 'nodeSelector']) ?? {}) as Obj;
    const sorted = Object.fromEntries(Object.keys(selector).sort().map((key) => [key, selector[key]]));
    return { path: ['spec', 'template', 'spec', 'nodeSelector', QUIESCE_KEY], quiesced: 'true', recordKey: NODE_SELECTOR, record: JSON.stringify(sorted), absent: false };
  }
  return undefined;
}

/** A ResourceList's text without the `results` quiesce appended (kpt drops them between functions). */
const withoutResults = (text: string) => (text.includes('\nresults:\n') ? text.slice(0, text.indexOf('\nresults:\n') + 1) : text);

/** True when `output` is `input` plus lines each restoring an absent field with its default. */
function onlyDefaultLinesAdded(input: string, output: string): { added: string[]; ok: boolean } {
  const inputLines = input.split('\n');
  const added: string[] = [];
  let at = 0;
  for (const line of output.split('\n')) {
    if (at < inputLines.length && inputLines[at] === line) at += 1;
    else added.push(line);
  }
  return { added, ok: at === inputLines.length && added.every((line) => /^\s*(replicas: 1|parallelism: 1|suspend: false)$/.test(line)) };
}

describe.skipIf(!hasCorpus)('golden: every corpus file', () => {
  const files = corpusFiles().filter((file) => {
    try {
      independentItems(readCorpus(file));
      return true;
    } catch {
      return false; // unreadable to the independent reader (none expected)
    }
  });

  test('the corpus has the workloads these tests are about', () => {
    const kinds = new Set(files.flatMap((file) => independentItems(readCorpus(file)).items.filter((item) => expectedQuiesce(item)).map((item) => item.kind)));
    expect([...kinds].sort()).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'DeploymentConfig', 'Job', 'ReplicaSet', 'ReplicationController', 'StatefulSet']);
    // and ReplicaSets that a Deployment controls (crane exports), which stay as they are
    const owned = files.filter((file) => independentItems(readCorpus(file)).items.some((item) => item.kind === 'ReplicaSet' && get(item, ['metadata', 'ownerReferences'])));
    expect(owned.length).toBeGreaterThanOrEqual(4);
  });

  test.each(files)('%s', (file) => {
    const text = readCorpus(file);
    const { items, resourceList: isResourceList } = independentItems(text);
    const expected = items.map(expectedQuiesce);
    const quiesced = run(quiesceWorkloads, text);
    if (items.some((item) => typeof item.apiVersion !== 'string')) {
      // fragments without apiVersion (nodeshift): the runtime rejects them before the function runs
      expect(quiesced.exitCode).toBe(1);
      return;
    }
    expect(quiesced.exitCode, quiesced.stderr).toBe(0);
    // The only warning the corpus calls for: a DaemonSet fragment without a pod spec (kpt's set-labels test).
    const warnings = items.filter((item) => item.kind === 'DaemonSet' && get(item, ['spec', 'template', 'spec']) === undefined).length;
    expect(quiesced.stderr.split('\n').filter((line) => line.includes('[warning]'))).toHaveLength(warnings);
    // Nothing to record: byte-identical, and so is unquiesce (the corpus has no records).
    expect(run(unquiesceWorkloads, text)).toEqual({ stdout: text, stderr: '', exitCode: 0 });
    if (expected.every((change) => change === undefined)) {
      expect(quiesced.stdout).toBe(text);
      expect(quiesced.stderr.split('\n').filter(Boolean)).toHaveLength(warnings);
      return;
    }
    // Each expected change, and nothing else, in the quiesced items.
    const after = independentItems(withoutResults(quiesced.stdout)).items;
    expect(after).toHaveLength(items.length);
    items.forEach((item, index) => {
      const change = expected[index];
      const result = after[index]!;
      if (!change) return expect(result).toEqual(item);
      expect(get(result, change.path)).toBe(change.quiesced);
      expect(get(result, ['metadata', 'annotations', change.recordKey])).toBe(change.record);
    });
    expect(quiesced.stderr.split('\n').filter(Boolean)).toHaveLength(2 * expected.filter(Boolean).length + warnings);
    // Idempotent.
    const body = isResourceList ? withoutResults(quiesced.stdout) : quiesced.stdout;
    const again = run(quiesceWorkloads, body);
    expect(isResourceList ? withoutResults(again.stdout) : again.stdout).toBe(body);
    expect(again.stderr).not.toContain('[info]');
    // The round trip gives the file back, but for absent fields, which come back with their default.
    const back = run(unquiesceWorkloads, body);
    expect(back.exitCode).toBe(0);
    const restored = isResourceList ? withoutResults(back.stdout) : back.stdout;
    const absent = expected.filter((change) => change?.absent).length;
    if (absent === 0) expect(restored).toBe(text);
    else {
      const { added, ok } = onlyDefaultLinesAdded(text, restored);
      expect(ok, added.join('\n')).toBe(true);
      expect(added).toHaveLength(absent);
    }
  });
});

// ---- End to end: the built executables under kpt -----------------------------------------------------

if (!hasKpt) console.warn('SKIPPING the kpt end-to-end tests of quiesce-workloads: `kpt` is not on PATH');

describe.skipIf(!hasKpt)('kpt fn eval with dist/bin/quiesce-workloads and dist/bin/unquiesce-workloads', () => {
  const quiesceBin = join(projectRoot, 'dist/bin/quiesce-workloads');
  const unquiesceBin = join(projectRoot, 'dist/bin/unquiesce-workloads');
  const WORKLOADS = `# the shop's workloads
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  replicas: 3 # weekend traffic
  selector:
    matchLabels: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: web
        image: "quay.io/shop/frontend:2.4"
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: '0 2 * * *'
  suspend: false
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: quay.io/shop/report:3.0
`;
  const DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-shipper
  namespace: shop
spec:
  selector:
    matchLabels: {app: log-shipper}
  template:
    metadata:
      labels: {app: log-shipper}
    spec:
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: shipper
        image: quay.io/shop/log-shipper:0.7
`;
  const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: frontend # untouched
  namespace: shop
spec:
  ports:
  - port: 80
`;
  let root = '';
  let count = 0;

  beforeAll(() => {
    for (const bin of [quiesceBin, unquiesceBin]) if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first`);
    root = mkdtempSync(join(tmpdir(), 'krm-e2e-quiesce-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function makePackage(): string {
    const dir = join(root, `pkg-${++count}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'workloads.yaml'), WORKLOADS);
    writeFileSync(join(dir, 'daemonset.yaml'), DAEMONSET);
    writeFileSync(join(dir, 'service.yaml'), SERVICE);
    return dir;
  }
  function kpt(args: string[]) {
    const result = runKpt(args, root);
    expect(result.status, result.stderr).toBe(0);
    return result;
  }

  test('-- annotationPrefix=... (ConfigMap), then --fn-config with a typed config outside the package: quiesced, then back byte for byte', () => {
    const dir = makePackage();
    const prefix = 'quiesce.example.com';
    const out = kpt(['fn', 'eval', dir, '--exec', execArgument(quiesceBin), '--', `annotationPrefix=${prefix}`]);
    expect(out.stderr).toContain('[PASS]');
    const files = readPackage(dir);
    expect(files['service.yaml']).toBe(SERVICE);
    expect(files['workloads.yaml']).toBe(
      WORKLOADS.replace('  replicas: 3 # weekend traffic', '  replicas: 0 # weekend traffic')
        .replace('  name: frontend\n  namespace: shop\n', `  name: frontend\n  namespace: shop\n  annotations:\n    ${prefix}/preQuiesceReplicas: "3"\n`)
        .replace('  suspend: false', '  suspend: true')
        .replace('  name: report\n  namespace: shop\n', `  name: report\n  namespace: shop\n  annotations:\n    ${prefix}/preQuiesceSuspend: "false"\n`),
    );
    const daemonSet = parse(files['daemonset.yaml']!);
    expect(daemonSet.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', [`${prefix}/quiesceDaemonSet`]: 'true' });
    expect(daemonSet.metadata.annotations).toEqual({ [`${prefix}/preQuiesceNodeSelector`]: '{"kubernetes.io/os":"linux"}' });

    const configDir = join(root, `config-${count}`);
    mkdirSync(configDir);
    const config = join(configDir, 'unquiesce.yaml');
    const typed = `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: UnquiesceWorkloads\nmetadata:\n  name: unquiesce\nannotationPrefix: ${prefix}\n`;
    writeFileSync(config, typed);
    kpt(['fn', 'eval', dir, '--exec', execArgument(unquiesceBin), '--fn-config', config]);
    expect(readPackage(dir)).toEqual({ 'daemonset.yaml': DAEMONSET, 'service.yaml': SERVICE, 'workloads.yaml': WORKLOADS });
    expect(readFileSync(config, 'utf8')).toBe(typed);
  });

  test('default keys, --fn-config for quiesce: MTC keys; quiescing twice changes nothing more', () => {
    const dir = makePackage();
    const config = join(root, `quiesce-${count}.yaml`);
    writeFileSync(config, 'apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: QuiesceWorkloads\nmetadata:\n  name: q\n');
    kpt(['fn', 'eval', dir, '--exec', execArgument(quiesceBin), '--fn-config', config]);
    const once = readPackage(dir);
    expect(once['workloads.yaml']).toContain(`${REPLICAS}: "3"`);
    expect(once['daemonset.yaml']).toContain(`${QUIESCE_KEY}: "true"`);
    const again = kpt(['fn', 'eval', dir, '--exec', execArgument(quiesceBin), '--fn-config', config]);
    expect(again.stderr).not.toContain('[info]');
    expect(readPackage(dir)).toEqual(once);
    kpt(['fn', 'eval', dir, '--exec', execArgument(unquiesceBin)]);
    expect(readPackage(dir)).toEqual({ 'daemonset.yaml': DAEMONSET, 'service.yaml': SERVICE, 'workloads.yaml': WORKLOADS });
  });
});
