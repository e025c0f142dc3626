/**
 * remap-namespace-subjects: the upstream rules (openshift-velero-plugin SCC and authorization.openshift.io
 * binding actions, Velero core's rbac binding actions), what goes beyond them, config, golden tests over
 * ../shared/corpus (expectations from an independent reader and an independent, regex-based rule), and the
 * built executable under the real `kpt fn eval`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { effectiveMapping, remapNamespaceSubjects as fn } from '../functions/remap-namespace-subjects/function.js';
import { classify } from '../functions/remap-namespace-subjects/subject-names.js';
import { corpusFiles, hasCorpus, independentItems, projectRoot, readCorpus, resourceList, run } from './helpers.js';
import { execArgument, hasKpt, readPackage, runKpt } from './kpt.js';

type Obj = { [key: string]: unknown };

const typedConfig = (mapping: string) => ({
  path: 'config.yaml',
  text: `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: RemapNamespaceSubjects\nmetadata: {name: c}\nnamespaceMapping: ${mapping}\n`,
});
const configMap = (data: string) => ({ path: 'config.yaml', text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  ${data}\n` });
const SHOP = configMap('namespaceMapping: shop=shop-dr');

/** The result lines of a run on stderr, by severity. */
const lines = (stderr: string, severity: 'info' | 'warning' | 'error') => stderr.split('\n').filter((line) => line.includes(`[${severity}]`));

const scc = `apiVersion: security.openshift.io/v1
kind: SecurityContextConstraints
metadata:
  name: shop-db
allowPrivilegedContainer: false
runAsUser:
  type: RunAsAny
users:
- system:admin
- system:serviceaccount:shop:db
- system:serviceaccount:web:frontend
groups:
- system:serviceaccounts
- system:serviceaccounts:shop
- system:authenticated
`;

const rbacBinding = (kind: 'RoleBinding' | 'ClusterRoleBinding', apiVersion = 'rbac.authorization.k8s.io/v1') => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: shop-access${kind === 'RoleBinding' ? '\n  namespace: shop' : ''}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: db
  namespace: shop
- kind: ServiceAccount
  name: agent
  namespace: monitoring
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: system:serviceaccount:shop:ci
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: system:serviceaccounts:shop
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: system:serviceaccounts
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: alice
`;

const openshiftBinding = (kind: 'RoleBinding' | 'ClusterRoleBinding', apiVersion = 'authorization.openshift.io/v1') => `apiVersion: ${apiVersion}
groupNames:
- system:serviceaccounts:shop
- developers
kind: ${kind}
metadata:
  name: shop-readers${kind === 'RoleBinding' ? '\n  namespace: shop' : ''}
roleRef:
  name: shop-reader
  namespace: shop
subjects:
- kind: ServiceAccount
  name: ci
  namespace: shop
- kind: SystemGroup
  name: system:serviceaccounts:shop
- kind: SystemUser
  name: system:serviceaccount:shop:builder
- kind: Group
  name: developers
userNames:
- system:serviceaccount:shop:ci
- system:serviceaccount:shop:builder
- alice
`;

describe('subject names (subject-names.ts)', () => {
  const mapping = new Map([['shop', 'shop-dr']]);
  test.each([
    ['system:serviceaccount:shop:db', 'user', { action: 'remap', namespace: 'shop', to: 'system:serviceaccount:shop-dr:db' }],
    ['system:serviceaccounts:shop', 'group', { action: 'remap', namespace: 'shop', to: 'system:serviceaccounts:shop-dr' }],
    ['system:serviceaccount:web:db', 'user', { action: 'keep' }],
    ['system:serviceaccounts:web', 'group', { action: 'keep' }],
    ['system:serviceaccounts', 'group', { action: 'keep' }],
    ['system:admin', 'user', { action: 'keep' }],
    ['alice', 'user', { action: 'keep' }],
    ['system:serviceaccount::db', 'user', { action: 'keep' }],
    // Looser forms openshift-velero-plugin rewrites: left alone here, and reported.
    ['system:serviceaccount:shop', 'user', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['system:serviceaccount:shop:', 'user', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['system:serviceaccount:shop:db:x', 'user', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['role:serviceaccount:shop:db', 'user', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['system:serviceaccounts:shop:x', 'group', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['system:serviceaccounts:shop', 'user', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
    ['system:serviceaccount:shop:db', 'group', { action: 'unusual', namespace: 'shop', to: 'shop-dr' }],
  ] as const)('%s as a %s name', (name, role, expected) => {
    expect(classify(name, role, mapping)).toEqual(expected);
  });

  test('namespaces that are names of Object.prototype members are not mapped by accident', () => {
    expect(classify('system:serviceaccount:constructor:db', 'user', new Map())).toEqual({ action: 'keep' });
    expect(classify('system:serviceaccounts:__proto__', 'group', new Map())).toEqual({ action: 'keep' });
  });

  test('effectiveMapping drops identity entries and refuses chains and swaps', () => {
    expect(effectiveMapping({ shop: 'shop-dr', web: 'web' })).toEqual(new Map([['shop', 'shop-dr']]));
    expect(effectiveMapping({ a: 'b', b: 'c' })).toMatch(/"b" is both a target \(a=b\) and a source \(b=c\)/);
    expect(effectiveMapping({ a: 'b', b: 'a' })).toMatch(/"b" is both a target \(a=b\) and a source \(b=a\)/);
    expect(effectiveMapping({ a: 'c', b: 'c' })).toEqual(new Map([['a', 'c'], ['b', 'c']]));
  });
});

describe('SecurityContextConstraints (openshift-velero-plugin scc/restore.go, plus groups)', () => {
  test.each(['security.openshift.io/v1', 'v1'])('%s: users and groups of mapped namespaces are remapped, line by line', (apiVersion) => {
    const input = scc.replace('security.openshift.io/v1', apiVersion);
    const out = run(fn, input, SHOP);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(
      input.replace('- system:serviceaccount:shop:db\n', '- system:serviceaccount:shop-dr:db\n').replace('- system:serviceaccounts:shop\n', '- system:serviceaccounts:shop-dr\n'),
    );
    expect(lines(out.stderr, 'info')).toEqual([
      `remap-namespace-subjects: [info] ${apiVersion}/SecurityContextConstraints/shop-db users[1]: remapped the service account user system:serviceaccount:shop:db to system:serviceaccount:shop-dr:db`,
      `remap-namespace-subjects: [info] ${apiVersion}/SecurityContextConstraints/shop-db groups[1]: remapped the service account group system:serviceaccounts:shop to system:serviceaccounts:shop-dr`,
    ]);
    expect(lines(out.stderr, 'warning')).toEqual([]);
  });

  test('flow-style lists keep their style and quoting; comments stay', () => {
    const input =
      'apiVersion: security.openshift.io/v1\nkind: SecurityContextConstraints\nmetadata: {name: s}\n' +
      "users: [system:admin, \"system:serviceaccount:shop:a\", 'system:serviceaccount:shop:b'] # who\ngroups: ['system:serviceaccounts:shop']\n";
    const out = run(fn, input, SHOP);
    expect(out.stdout).toBe(input.replace(/:shop:/g, ':shop-dr:').replace("serviceaccounts:shop'", "serviceaccounts:shop-dr'"));
    expect(lines(out.stderr, 'info')).toHaveLength(3);
  });

  test('other kinds with users/groups (a PodSecurityPolicy, an unknown SCC apiVersion) are not touched', () => {
    const input = `${scc.replace('security.openshift.io/v1', 'security.openshift.io/v2')}---\n${scc.replace('kind: SecurityContextConstraints', 'kind: PodSecurityPolicy').replace('security.openshift.io/v1', 'policy/v1beta1')}`;
    expect(run(fn, input, SHOP)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('null, empty and missing users/groups, and non-string entries, are fine', () => {
    const input =
      'apiVersion: security.openshift.io/v1\nkind: SecurityContextConstraints\nmetadata: {name: a}\nusers: null\ngroups: []\n---\n' +
      'apiVersion: security.openshift.io/v1\nkind: SecurityContextConstraints\nmetadata: {name: b}\nusers:\n- 42\n- null\n- system:serviceaccount:shop:x\n';
    const out = run(fn, input, SHOP);
    expect(out.stdout).toBe(input.replace('system:serviceaccount:shop:x', 'system:serviceaccount:shop-dr:x'));
  });
});

describe('rbac.authorization.k8s.io bindings (Velero core rolebinding_action.go, plus user and group names)', () => {
  test.each([
    ['RoleBinding', 'rbac.authorization.k8s.io/v1'],
    ['ClusterRoleBinding', 'rbac.authorization.k8s.io/v1'],
    ['RoleBinding', 'rbac.authorization.k8s.io/v1beta1'],
    ['ClusterRoleBinding', 'rbac.authorization.k8s.io/v1beta1'],
  ] as const)('%s %s: ServiceAccount namespace, User and Group names of mapped namespaces', (kind, apiVersion) => {
    const input = rbacBinding(kind, apiVersion);
    const out = run(fn, input, SHOP);
    expect(out.exitCode).toBe(0);
    const subjects = parse(out.stdout).subjects;
    expect(subjects).toEqual([
      { kind: 'ServiceAccount', name: 'db', namespace: 'shop-dr' },
      { kind: 'ServiceAccount', name: 'agent', namespace: 'monitoring' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:serviceaccount:shop-dr:ci' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:shop-dr' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
    ]);
    // Exactly three lines changed; metadata.namespace is not this function's concern.
    expect(out.stdout).toBe(
      input
        .replace('  name: db\n  namespace: shop\n', '  name: db\n  namespace: shop-dr\n')
        .replace('name: system:serviceaccount:shop:ci\n', 'name: system:serviceaccount:shop-dr:ci\n')
        .replace('name: system:serviceaccounts:shop\n', 'name: system:serviceaccounts:shop-dr\n'),
    );
    const paths = lines(out.stderr, 'info').map((line) => line.split(' ')[3]);
    expect(paths).toEqual(['subjects[0].namespace:', 'subjects[2].name:', 'subjects[3].name:']);
    expect(out.stderr).toContain('subjects[0].namespace: remapped the namespace of subject ServiceAccount db from shop to shop-dr');
  });

  test('OpenShift-only fields are not read on rbac bindings (roleRef.namespace, userNames, groupNames)', () => {
    const input = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: x, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r, namespace: shop}
userNames: [system:serviceaccount:shop:a]
groupNames: [system:serviceaccounts:shop]
`;
    expect(run(fn, input, SHOP)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('subject names are read by kind: a ServiceAccount or unknown kind named like a group is left alone', () => {
    const input = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: x}
subjects:
- {kind: ServiceAccount, name: "system:serviceaccounts:shop"}
- {name: "system:serviceaccounts:shop"}
- null
- {kind: Group}
`;
    expect(run(fn, input, SHOP)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test.skipIf(!hasCorpus)('the OADP-6540 binding: system:image-pullers is remapped to what OpenShift creates in the target namespace', () => {
    const folder = 'crane-e2e/golden-manifests-ocp/redis/export/resources/redis';
    for (const [file, changed] of [
      ['RoleBinding_rbac.authorization.k8s.io_v1_redis_system:image-pullers.yaml', ['  name: system:serviceaccounts:redis-dr']],
      [
        'RoleBinding_authorization.openshift.io_v1_redis_system:image-pullers.yaml',
        ['- system:serviceaccounts:redis-dr', '  name: system:serviceaccounts:redis-dr'],
      ],
    ] as const) {
      const input = readCorpus(`${folder}/${file}`);
      const out = run(fn, input, configMap('namespaceMapping: redis=redis-dr'));
      expect(out.exitCode).toBe(0);
      const before = input.split('\n');
      expect(out.stdout.split('\n').filter((line, index) => line !== before[index])).toEqual(changed);
      expect(parse(out.stdout).metadata).toEqual(parse(input).metadata);
    }
  });
});

describe('authorization.openshift.io bindings (openshift-velero-plugin rolebindings/restore.go, clusterrolebindings/restore.go)', () => {
  test.each([
    ['RoleBinding', 'authorization.openshift.io/v1'],
    ['ClusterRoleBinding', 'authorization.openshift.io/v1'],
    ['RoleBinding', 'v1'],
    ['ClusterRoleBinding', 'v1'],
  ] as const)('%s %s: roleRef.namespace, subjects, userNames and groupNames', (kind, apiVersion) => {
    const input = openshiftBinding(kind, apiVersion);
    const out = run(fn, input, SHOP);
    expect(out.exitCode).toBe(0);
    const object = parse(out.stdout);
    expect(object.roleRef).toEqual({ name: 'shop-reader', namespace: 'shop-dr' });
    expect(object.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci', namespace: 'shop-dr' },
      { kind: 'SystemGroup', name: 'system:serviceaccounts:shop-dr' },
      { kind: 'SystemUser', name: 'system:serviceaccount:shop-dr:builder' },
      { kind: 'Group', name: 'developers' },
    ]);
    expect(object.userNames).toEqual(['system:serviceaccount:shop-dr:ci', 'system:serviceaccount:shop-dr:builder', 'alice']);
    expect(object.groupNames).toEqual(['system:serviceaccounts:shop-dr', 'developers']);
    expect(object.metadata).toEqual(parse(input).metadata);
    const paths = lines(out.stderr, 'info').map((line) => line.split(' ')[3]);
    expect(paths).toEqual([
      'roleRef.namespace:',
      'subjects[0].namespace:',
      'subjects[1].name:',
      'subjects[2].name:',
      'userNames[0]:',
      'userNames[1]:',
      'groupNames[0]:',
    ]);
    // Only those seven lines changed.
    const changed = out.stdout.split('\n').filter((line, index) => line !== input.split('\n')[index]);
    expect(changed).toHaveLength(7);
    expect(out.stdout.split('\n')).toHaveLength(input.split('\n').length);
  });

  test('the upstream test vector (rolebindings/restore_test.go TestExecuteNamespaceMapping)', () => {
    const input = `apiVersion: authorization.openshift.io/v1
kind: RoleBinding
metadata:
  name: test-rolebinding
  namespace: test-namespace
roleRef:
  name: test-role
  namespace: old-namespace
subjects:
- kind: ServiceAccount
  name: test-sa
  namespace: old-namespace
- kind: Group
  name: system:serviceaccounts:old-namespace
userNames:
- system:serviceaccount:old-namespace:test-sa
- regular-user
groupNames:
- system:serviceaccounts:old-namespace
- regular-group
`;
    const out = run(fn, input, typedConfig('{old-namespace: new-namespace}'));
    expect(out.stdout).toBe(input.replace(/old-namespace/g, 'new-namespace'));
    expect(lines(out.stderr, 'info')).toHaveLength(5);
  });

  test('groupNames: null and userNames: null (crane exports) are left as they are', () => {
    const input = `apiVersion: authorization.openshift.io/v1
groupNames: null
kind: RoleBinding
metadata:
  name: system:deployers
  namespace: shop
roleRef:
  name: system:deployer
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: shop
userNames: null
`;
    const out = run(fn, input, SHOP);
    expect(out.stdout).toBe(input.replace('  namespace: shop\nuserNames', '  namespace: shop-dr\nuserNames'));
  });

  test('look-alike names with a mapped namespace are kept, with a warning naming the field', () => {
    const input = `apiVersion: authorization.openshift.io/v1
kind: ClusterRoleBinding
metadata: {name: x}
roleRef: {name: view}
userNames: [system:serviceaccount:shop]
groupNames: [system:serviceaccounts:shop:extra]
`;
    const out = run(fn, input, SHOP);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(input);
    expect(lines(out.stderr, 'warning')).toEqual([
      'remap-namespace-subjects: [warning] authorization.openshift.io/v1/ClusterRoleBinding/x userNames[0]: left the user system:serviceaccount:shop unchanged although namespace shop is mapped to shop-dr: a service account user has the form system:serviceaccount:<namespace>:<name> (openshift-velero-plugin would rewrite this one too); edit it by hand if it was meant for shop',
      'remap-namespace-subjects: [warning] authorization.openshift.io/v1/ClusterRoleBinding/x groupNames[0]: left the group system:serviceaccounts:shop:extra unchanged although namespace shop is mapped to shop-dr: a service account group has the form system:serviceaccounts:<namespace> (openshift-velero-plugin would rewrite this one too); edit it by hand if it was meant for shop',
    ]);
  });
});

describe('where bindings are', () => {
  test('an embedded RoleBindingList in a stream: entries remapped in place, results name the entry', () => {
    const list = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBindingList
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: a, namespace: default}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: a}
  subjects:
  - kind: ServiceAccount
    name: agent
    namespace: shop
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: not-a-binding}
  data: {namespace: shop}
`;
    // In a stream, the reader hands the list's entries over as items; the list is written back around them.
    const stream = `${scc}---\n${list}`;
    const streamOut = run(fn, stream, SHOP);
    expect(streamOut.exitCode).toBe(0);
    expect(streamOut.stdout).toBe(
      stream
        .replace('    namespace: shop\n- apiVersion: v1', '    namespace: shop-dr\n- apiVersion: v1')
        .replace('- system:serviceaccount:shop:db\n', '- system:serviceaccount:shop-dr:db\n')
        .replace('- system:serviceaccounts:shop\n', '- system:serviceaccounts:shop-dr\n'),
    );
    expect(streamOut.stderr).toContain(
      '[info] rbac.authorization.k8s.io/v1/RoleBinding/default/a subjects[0].namespace: remapped the namespace of subject ServiceAccount agent from shop to shop-dr',
    );
    // As one item of a ResourceList (kpt reads a list file of a package as one resource), the function
    // remaps the entries itself.
    const resourceListInput = resourceList([list]);
    const out = run(fn, resourceListInput, SHOP);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(resourceListInput.replace('      namespace: shop\n  - apiVersion: v1', '      namespace: shop-dr\n  - apiVersion: v1').replace(/\n$/, '') + out.stdout.slice(out.stdout.indexOf('\nresults:')));
    expect(out.stderr).toContain(
      '[info] rbac.authorization.k8s.io/v1/RoleBindingList items[0].subjects[0].namespace: RoleBinding default/a: remapped the namespace of subject ServiceAccount agent from shop to shop-dr',
    );
  });

  test('a List or ResourceList input: each binding is an item; results go into the ResourceList', () => {
    const input = resourceList([rbacBinding('RoleBinding'), scc], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {namespaceMapping: shop=shop-dr}');
    const out = run(fn, input, undefined);
    expect(out.exitCode).toBe(0);
    const written = parse(out.stdout);
    expect(written.items[0].subjects[0].namespace).toBe('shop-dr');
    expect(written.items[1].users[1]).toBe('system:serviceaccount:shop-dr:db');
    expect(written.results).toHaveLength(5);
    expect(written.results[0]).toEqual({
      message: 'remapped the namespace of subject ServiceAccount db from shop to shop-dr',
      severity: 'info',
      resourceRef: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'shop-access', namespace: 'shop' },
      field: { path: 'subjects[0].namespace', currentValue: 'shop', proposedValue: 'shop-dr' },
    });
  });

  test('bindings inside an OpenShift Template, and other kinds, are not touched', () => {
    const template = `apiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: t}\nobjects:\n- ${rbacBinding('RoleBinding').trimEnd().replace(/\n/g, '\n  ')}\n`;
    const other = rbacBinding('RoleBinding').replace('kind: RoleBinding', 'kind: Role');
    const input = `${template}---\n${other}`;
    expect(run(fn, input, SHOP)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('JSON in, JSON out', () => {
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [parse(rbacBinding('ClusterRoleBinding')), parse(scc)] }, null, 2) + '\n';
    const out = run(fn, input, SHOP);
    const written = JSON.parse(out.stdout);
    expect(out.stdout).toBe(JSON.stringify(written, null, 2) + '\n');
    expect(written.items[0].subjects[3].name).toBe('system:serviceaccounts:shop-dr');
    expect(written.items[1].groups[1]).toBe('system:serviceaccounts:shop-dr');
  });

  test('selectors and exclude', () => {
    const input = `${rbacBinding('RoleBinding')}---\n${scc}`;
    const excluded = run(fn, input, typedConfig('{shop: shop-dr}\nexclude: [{kind: SecurityContextConstraints}]'));
    expect(excluded.stdout).toContain('system:serviceaccount:shop:db');
    expect(excluded.stdout).toContain('name: system:serviceaccount:shop-dr:ci');
    const selected = run(fn, input, typedConfig('{shop: shop-dr}\nselectors: [{kind: SecurityContextConstraints}]'));
    expect(selected.stdout).toContain('system:serviceaccount:shop-dr:db');
    expect(selected.stdout).toContain('name: system:serviceaccount:shop:ci');
  });
});

describe('config', () => {
  const input = `${rbacBinding('RoleBinding')}---\n${openshiftBinding('ClusterRoleBinding')}---\n${scc}`;

  test('ConfigMap form and typed form give the same output; several namespaces at once', () => {
    const fromConfigMap = run(fn, input, configMap('namespaceMapping: shop=shop-dr,monitoring=monitoring-dr'));
    const typed = run(fn, input, typedConfig('\n  shop: shop-dr\n  monitoring: monitoring-dr'));
    expect(fromConfigMap.exitCode).toBe(0);
    expect(typed).toEqual(fromConfigMap);
    expect(fromConfigMap.stdout).toContain('  name: agent\n  namespace: monitoring-dr\n');
    expect(lines(fromConfigMap.stderr, 'info')).toHaveLength(3 + 1 + 7 + 2);
  });

  test('an unmapped namespace changes nothing: byte-identical, no results', () => {
    expect(run(fn, input, configMap('namespaceMapping: other=other-dr'))).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test.each([
    ['no config', undefined],
    ['an empty ConfigMap value', configMap('namespaceMapping: ""')],
    ['an empty typed map', typedConfig('{}')],
    ['identity entries only', configMap('namespaceMapping: shop=shop')],
  ])('%s: nothing changes, one info result says so', (_name, config) => {
    const out = run(fn, input, config);
    expect(out).toEqual({ stdout: input, stderr: 'remap-namespace-subjects: [info]: namespaceMapping is empty: no subject was changed\n', exitCode: 0 });
  });

  test.each([
    [configMap('namespaceMapping: shop'), /functionConfig data.namespaceMapping: "shop" is not a pair; expected a=b,c=d/],
    [configMap('namespaceMapping: Shop=shop-dr'), /functionConfig field data.namespaceMapping: "Shop" is not valid \(A namespace name/],
    [configMap('namespaceMapping: shop=shop_dr'), /functionConfig field data.namespaceMapping.shop: "shop_dr" is not valid \(A namespace name/],
    [configMap('namespaceMapping: shop=shop-dr,shop-dr=shop-dr2'), /functionConfig field namespaceMapping: "shop-dr" is both a target \(shop=shop-dr\) and a source \(shop-dr=shop-dr2\)/],
    [configMap('namespaceMappings: shop=shop-dr'), /functionConfig field data: unknown field "namespaceMappings" \(known fields: namespaceMapping, selectors, exclude\)/],
    [typedConfig('{shop: 7}'), /functionConfig field namespaceMapping.shop: expected string/],
    [typedConfig('[shop, shop-dr]'), /functionConfig field namespaceMapping: expected object/],
    [typedConfig('{a: b, b: a}'), /functionConfig field namespaceMapping: "b" is both a target \(a=b\) and a source \(b=a\)/],
  ])('a wrong config exits 1 naming the field (%#)', (config, message) => {
    const out = run(fn, input, config);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  test('a refused mapping in a ResourceList: the items come back unchanged with the error result', () => {
    const list = resourceList([rbacBinding('RoleBinding')], 'apiVersion: v1\nkind: ConfigMap\ndata: {namespaceMapping: "a=b,b=c"}');
    const out = run(fn, list);
    expect(out.exitCode).toBe(1);
    const written = parse(out.stdout);
    expect(written.items[0]).toEqual(parse(rbacBinding('RoleBinding')));
    expect(written.results).toEqual([expect.objectContaining({ severity: 'error' })]);
  });

  test('idempotent: a second run changes nothing and reports nothing', () => {
    const first = run(fn, input, SHOP);
    expect(lines(first.stderr, 'info').length).toBeGreaterThan(0);
    expect(run(fn, first.stdout, SHOP)).toEqual({ stdout: first.stdout, stderr: '', exitCode: 0 });
  });
});

test('the worked example changes exactly the seven lines naming shop in subjects', () => {
  const folder = join(projectRoot, 'functions/remap-namespace-subjects/examples');
  const input = readFileSync(join(folder, 'input.yaml'), 'utf8');
  const output = readFileSync(join(folder, 'output.yaml'), 'utf8');
  expect(output).toBe(
    input
      .replace('- system:serviceaccount:shop:db  #', '- system:serviceaccount:shop-dr:db  #')
      .replace('- system:serviceaccounts:shop  #', '- system:serviceaccounts:shop-dr  #')
      .replace('    name: system:serviceaccounts:shop\n', '    name: system:serviceaccounts:shop-dr\n')
      .replace('    name: frontend\n    namespace: shop\n', '    name: frontend\n    namespace: shop-dr\n')
      .replace('    namespace: shop  # a Role of shop', '    namespace: shop-dr  # a Role of shop')
      .replace('    name: ci\n    namespace: shop\n', '    name: ci\n    namespace: shop-dr\n')
      .replace('  - system:serviceaccount:shop:ci\n', '  - system:serviceaccount:shop-dr:ci\n'),
  );
  const items = parse(output).items;
  expect(items[2].subjects[1].namespace).toBe('openshift-monitoring');
  expect(items[3].metadata.namespace).toBe('shop');
  expect(items[3].groupNames).toBeNull();
});

// ---- Golden tests over ../shared/corpus ----------------------------------------------------------

/** Every namespace the corpus's SCCs and bindings name, mapped (no chains). */
const CORPUS_MAPPING: { [source: string]: string } = {
  redis: 'redis-dr',
  'simple-nginx-nopv': 'nginx-dr',
  'mysql-persistent': 'mysql-dr',
  'mongo-persistent': 'mongo-dr',
  'openshift-monitoring': 'monitoring-dr',
  monitoring: 'mon-dr',
  default: 'default-dr',
  ns2: 'ns2-dr',
};
const CORPUS_CONFIG = configMap(`namespaceMapping: ${Object.entries(CORPUS_MAPPING).map(([from, to]) => `${from}=${to}`).join(',')}`);


/** The rule, restated independently with regular expressions: the expected object and its number of changes. */
function expectedItem(item: Obj): { item: Obj; changes: number } {
  const apiVersion = item.apiVersion;
  const scc = item.kind === 'SecurityContextConstraints' && (apiVersion === 'security.openshift.io/v1' || apiVersion === 'v1');
  const binding = item.kind === 'RoleBinding' || item.kind === 'ClusterRoleBinding';
  const rbac = binding && /^rbac\.authorization\.k8s\.io\/(v1|v1beta1)$/.test(String(apiVersion));
  const openshift = binding && (apiVersion === 'authorization.openshift.io/v1' || apiVersion === 'v1');
  if (!scc && !rbac && !openshift) return { item, changes: 0 };
  const copy = structuredClone(item);
  let changes = 0;
  const mapped = (namespace: unknown) => (typeof namespace === 'string' && Object.hasOwn(CORPUS_MAPPING, namespace) ? CORPUS_MAPPING[namespace] : undefined);
  const user = (name: unknown) => {
    const match = typeof name === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name) : null;
    const to = match ? mapped(match[1]) : undefined;
    return to === undefined ? undefined : `system:serviceaccount:${to}:${match![2]}`;
  };
  const group = (name: unknown) => {
    const match = typeof name === 'string' ? /^system:serviceaccounts:([^:]+)$/.exec(name) : null;
    const to = match ? mapped(match[1]) : undefined;
    return to === undefined ? undefined : `system:serviceaccounts:${to}`;
  };
  const list = (key: string, rewrite: (name: unknown) => string | undefined) => {
    const values = copy[key];
    if (!Array.isArray(values)) return;
    values.forEach((value, index) => {
      const next = rewrite(value);
      if (next !== undefined) {
        values[index] = next;
        changes += 1;
      }
    });
  };
  if (scc) {
    list('users', user);
    list('groups', group);
    return { item: copy, changes };
  }
  const roleRef = copy.roleRef as Obj | undefined;
  if (openshift && roleRef && mapped(roleRef.namespace) !== undefined) {
    roleRef.namespace = mapped(roleRef.namespace);
    changes += 1;
  }
  for (const subject of Array.isArray(copy.subjects) ? (copy.subjects as Obj[]) : []) {
    if (subject === null || typeof subject !== 'object') continue;
    if (mapped(subject.namespace) !== undefined) {
      subject.namespace = mapped(subject.namespace);
      changes += 1;
    }
    const next = subject.kind === 'User' || subject.kind === 'SystemUser' ? user(subject.name) : subject.kind === 'Group' || subject.kind === 'SystemGroup' ? group(subject.name) : undefined;
    if (next !== undefined) {
      subject.name = next;
      changes += 1;
    }
  }
  if (openshift) {
    list('userNames', user);
    list('groupNames', group);
  }
  return { item: copy, changes };
}

/** True when every differing line pair is one mapped namespace replaced by its target (lines are only replaced). */
function onlyNamespacesReplaced(input: string, output: string): { changed: number; ok: boolean; bad: string[] } {
  const before = input.split('\n');
  const after = output.split('\n');
  if (before.length !== after.length) return { changed: -1, ok: false, bad: ['line count differs'] };
  const bad: string[] = [];
  let changed = 0;
  before.forEach((line, index) => {
    const next = after[index]!;
    if (line === next) return;
    changed += 1;
    const explained = Object.entries(CORPUS_MAPPING).some(
      ([from, to]) => line.replace(new RegExp(`(?<=[\\s:"'])${from}(?=$|[\\s:"'#,])`), to) === next,
    );
    if (!explained) bad.push(`${line} -> ${next}`);
  });
  return { changed, ok: bad.length === 0, bad };
}

const files = corpusFiles();

describe.skipIf(!hasCorpus)('golden: every file of ../shared/corpus', () => {
  const changedFiles = new Set<string>();

  afterAll(() => {
    if (changedFiles.size === 0) return;
    // The files the issue names are among the changed ones.
    for (const file of [
      'crane-e2e/golden-manifests-ocp/redis/export/resources/redis/RoleBinding_authorization.openshift.io_v1_redis_system:image-pullers.yaml',
      'crane-e2e/golden-manifests-ocp/redis/export/resources/redis/RoleBinding_authorization.openshift.io_v1_redis_system:deployers.yaml',
      'crane-e2e/golden-manifests-ocp/simple-nginx-nopv/export/resources/simple-nginx-nopv/RoleBinding_rbac.authorization.k8s.io_v1_simple-nginx-nopv_system:image-pullers.yaml',
      'large/cluster-monitoring-operator-assets-concat.yaml',
      'oadp-operator/mysql-persistent.yaml',
      'oadp-operator/fedora-todolist.yaml',
    ]) {
      expect(changedFiles.has(file), file).toBe(true);
    }
  });

  test.each(files)('%s', (file) => {
    const input = readCorpus(file);
    const items = independentItems(input);
    const first = run(fn, input, CORPUS_CONFIG);
    if (items.some((item) => typeof item.apiVersion !== 'string' || typeof item.kind !== 'string')) {
      expect(first.exitCode).toBe(1); // fragments without apiVersion/kind are not KRM resources
      return;
    }
    expect(first.exitCode, first.stderr).toBe(0);
    expect(lines(first.stderr, 'warning')).toEqual([]);
    const expected = items.map(expectedItem);
    const changes = expected.reduce((sum, entry) => sum + entry.changes, 0);
    expect(lines(first.stderr, 'info')).toHaveLength(changes);
    if (changes === 0) {
      expect(first.stdout).toBe(input);
      return;
    }
    changedFiles.add(file);
    expect(independentItems(first.stdout)).toEqual(expected.map((entry) => entry.item));
    if (!/^\s*\{/.test(input)) {
      const diff = onlyNamespacesReplaced(input, first.stdout);
      expect(diff.bad).toEqual([]);
      expect(diff.changed).toBe(changes);
    }
    const second = run(fn, first.stdout, CORPUS_CONFIG);
    expect(second).toEqual({ stdout: first.stdout, stderr: '', exitCode: 0 });
  });

  test('the typed RoleBindingList document of corpus/large: the reader hands its entries over as items, and they are remapped', () => {
    const input = readCorpus('large/cluster-monitoring-operator-assets-concat.yaml');
    const out = run(fn, input, CORPUS_CONFIG);
    expect(out.exitCode).toBe(0);
    expect(lines(out.stderr, 'info')).toContain(
      'remap-namespace-subjects: [info] rbac.authorization.k8s.io/v1/RoleBinding/default/prometheus-k8s subjects[0].namespace: remapped the namespace of subject ServiceAccount prometheus-k8s from openshift-monitoring to monitoring-dr',
    );
    expect(parseAllDocuments(out.stdout).length).toBe(parseAllDocuments(input).length);
  });
});

// ---- End to end: the built executable under kpt fn eval ------------------------------------------

const executable = join(projectRoot, 'dist/bin/remap-namespace-subjects');
if (!hasKpt) console.warn('SKIPPING the kpt end-to-end tests of remap-namespace-subjects: `kpt` is not on PATH');

const PACKAGE: Record<string, string> = {
  'rbac.yaml': `# RBAC of the shop namespace (head comment)
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: system:image-pullers
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:image-puller
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:serviceaccounts:shop # all of shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: shop-metrics
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: 'cluster-monitoring-view'
subjects:
  - kind: ServiceAccount
    name: frontend
    namespace: shop
  - kind: ServiceAccount
    name: prometheus-k8s
    namespace: openshift-monitoring
`,
  'scc.yaml': `apiVersion: security.openshift.io/v1
kind: SecurityContextConstraints
metadata:
  name: shop-db
runAsUser:
  type: RunAsAny
users:
  - system:admin
  - "system:serviceaccount:shop:db"
groups: []
`,
  'sa.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: db
  namespace: shop # untouched
`,
};

const EXPECTED: Record<string, string> = {
  ...PACKAGE,
  'rbac.yaml': PACKAGE['rbac.yaml']!.replace('system:serviceaccounts:shop # all', 'system:serviceaccounts:shop-dr # all').replace(
    '    name: frontend\n    namespace: shop\n',
    '    name: frontend\n    namespace: shop-dr\n',
  ),
  'scc.yaml': PACKAGE['scc.yaml']!.replace('"system:serviceaccount:shop:db"', '"system:serviceaccount:shop-dr:db"'),
};

describe.skipIf(!hasKpt)('kpt fn eval with the built executable (dist/bin/remap-namespace-subjects)', () => {
  let root = '';
  let count = 0;
  beforeAll(() => {
    if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build\` first`);
    root = mkdtempSync(join(tmpdir(), 'krm-remap-subjects-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const makePackage = (): string => {
    const dir = join(root, `pkg-${++count}`);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(PACKAGE)) writeFileSync(join(dir, name), text);
    return dir;
  };
  const kpt = (args: string[]) => runKpt(args, root);
  const execValue = execArgument(executable);

  test('-- namespaceMapping=shop=shop-dr (ConfigMap function-input): the three subjects move, the rest is byte-identical; a second eval changes nothing', () => {
    const dir = makePackage();
    const first = kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'namespaceMapping=shop=shop-dr']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('remapped the namespace of subject ServiceAccount frontend from shop to shop-dr');
    expect(readPackage(dir)).toEqual(EXPECTED);
    const second = kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'namespaceMapping=shop=shop-dr']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('[info]');
    expect(readPackage(dir)).toEqual(EXPECTED);
  });

  test('--fn-config with a typed RemapNamespaceSubjects outside the package', () => {
    const dir = makePackage();
    const config = join(root, `config-${count}.yaml`);
    const text = 'apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: RemapNamespaceSubjects\nmetadata:\n  name: shop-dr\nnamespaceMapping:\n  shop: shop-dr\n';
    writeFileSync(config, text);
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--fn-config', config]);
    expect(out.status, out.stderr).toBe(0);
    expect(readPackage(dir)).toEqual(EXPECTED);
    expect(readFileSync(config, 'utf8')).toBe(text);
  });

  test('a chained mapping fails: kpt exits 1 and the package is untouched', () => {
    const dir = makePackage();
    const out = kpt(['fn', 'eval', dir, '--exec', execValue, '--', 'namespaceMapping=shop=shop-dr,shop-dr=shop-dr2']);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('is both a target');
    expect(readPackage(dir)).toEqual(PACKAGE);
  });
});
