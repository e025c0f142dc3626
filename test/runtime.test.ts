/**
 * The runtime and ResourceList IO: input shapes in and out, the three ways config arrives, results and
 * exit codes, bad input, selectors, local-config items, added and removed items.
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { stripRouteHost } from '../functions/strip-route-host/function.js';
import { readInput } from '../lib/io/read.js';
import type { KrmItem } from '../lib/item.js';
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import { resourceList, run } from './helpers.js';

const generatedRoute = `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: web
  namespace: shop
  annotations:
    openshift.io/host.generated: "true"
spec:
  host: web-shop.apps.src.example.com
  to: {kind: Service, name: web}
`;
const staticRoute = `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: www # user-set
  namespace: shop
spec:
  host: www.apps.src.example.com
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    example.com/enabled: 'yes'
spec:
  ports:
  - port: 8080
`;

/** A test function that exercises results, added and removed items. */
const probe: KrmFunction<SelectionConfig & { mode: string }> = {
  name: 'probe',
  kind: 'Probe',
  description: 'test double',
  type: 'mutator',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { mode: { type: 'string', default: 'none' }, selectors: { type: 'array' }, exclude: { type: 'array' } },
  },
  run(items, config, context) {
    for (const item of items) {
      if (config.mode === 'error') context.error('bad item', item, { path: ['metadata', 'name'], currentValue: item.name });
      if (config.mode === 'add') context.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${item.name}-copy` }, data: { on: 'yes' } });
      if (config.mode === 'remove' && item.kind === 'Service') context.remove(item);
      if (config.mode === 'touch') item.set(['metadata', 'labels', 'touched'], 'true');
    }
  },
};

describe('shapes: the output keeps the input shape and format', () => {
  test('ResourceList in, ResourceList out: results appended, functionConfig and untouched items byte-identical', () => {
    const input = resourceList([generatedRoute, service], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata: {}\n');
    const out = run(stripRouteHost, input);
    expect(out.exitCode).toBe(0);
    const [head, results] = out.stdout.split('results:\n');
    expect(head).toBe(input.replace('    host: web-shop.apps.src.example.com\n', ''));
    expect(parse(`results:\n${results}`).results).toEqual([
      {
        message: 'removed the generated host web-shop.apps.src.example.com; the destination router generates a new one',
        severity: 'info',
        resourceRef: { apiVersion: 'route.openshift.io/v1', kind: 'Route', name: 'web', namespace: 'shop' },
        field: { path: 'spec.host', currentValue: 'web-shop.apps.src.example.com' },
      },
    ]);
    expect(out.stderr).toBe(
      'strip-route-host: [info] route.openshift.io/v1/Route/shop/web spec.host: removed the generated host web-shop.apps.src.example.com; the destination router generates a new one\n',
    );
  });

  test('legacy config.kubernetes.io/v1alpha1 ResourceList', () => {
    const input = resourceList([generatedRoute]).replace('config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1');
    const out = run(stripRouteHost, input);
    expect(out.stdout.startsWith('apiVersion: config.kubernetes.io/v1alpha1\n')).toBe(true);
    expect(parse(out.stdout).items[0].spec).toEqual({ to: { kind: 'Service', name: 'web' } });
  });

  test('kind: List and typed lists (RoleBindingList) come out as lists, without results', () => {
    for (const kind of ['List', 'RouteList']) {
      const input = resourceList([generatedRoute, staticRoute]).replace('config.kubernetes.io/v1', 'v1').replace('ResourceList', kind);
      const out = run(stripRouteHost, input);
      expect(out.exitCode).toBe(0);
      expect(out.stdout).toBe(input.replace('    host: web-shop.apps.src.example.com\n', ''));
    }
  });

  test('a bare multi-document stream and a single object come out as such', () => {
    const stream = `# leading comment\n---\n${generatedRoute}---\n${service}`;
    expect(run(stripRouteHost, stream).stdout).toBe(stream.replace('  host: web-shop.apps.src.example.com\n', ''));
    expect(run(stripRouteHost, generatedRoute).stdout).toBe(generatedRoute.replace('  host: web-shop.apps.src.example.com\n', ''));
  });

  test('a List document among others in a stream (kubectl get -o yaml output, concatenated): its entries are items, written back inside it', () => {
    const list = resourceList([generatedRoute, staticRoute]).replace('config.kubernetes.io/v1', 'v1').replace('ResourceList', 'List');
    const stream = `${service}---\n${list}---\n# a ResourceList among others stays one item\n${resourceList([service])}`;
    const probe = { ...stripRouteHost, run: (items: readonly KrmItem[], config: never, context: never) => {
      expect(items.map((item) => `${item.kind}/${item.name}`)).toEqual(['Service/web', 'Route/web', 'Route/www', 'ResourceList/']);
      stripRouteHost.run(items, config, context);
    } };
    const out = run(probe as typeof stripRouteHost, stream);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(stream.replace('    host: web-shop.apps.src.example.com\n', ''));
    const broken = `${service}---\n${list.replace(/(- apiVersion: route.openshift.io\/v1\n)  kind: Route\n(  metadata:\n    name: www)/, '$1$2')}`;
    const failed = run(stripRouteHost, broken);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/^strip-route-host: \[error\]: document 2 \(line 11\), items\[1\] \(line 24\): the object has no kind\n$/);
  });

  test('JSON in, JSON out, with the input indentation; unchanged JSON is written back verbatim', () => {
    const list = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [parse(generatedRoute), parse(service)] };
    const out = run(stripRouteHost, JSON.stringify(list, null, 4) + '\n');
    const written = JSON.parse(out.stdout);
    expect(out.stdout).toBe(JSON.stringify(written, null, 4) + '\n');
    expect(written.items[0].spec).toEqual({ to: { kind: 'Service', name: 'web' } });
    expect(written.results).toHaveLength(1);
    const untouched = '{\n\t"apiVersion": "v1",  "kind": "Service", "metadata": {"name": "a\\u003eb"}}';
    expect(run(stripRouteHost, untouched).stdout).toBe(untouched);
  });

  test('flow-style YAML that is not JSON (unquoted keys, trailing comma, comment) is read as YAML', () => {
    const flow = '{ apiVersion: "v1", kind: Pod, # comment\n  metadata: { name: p, }, }\n';
    const out = run(stripRouteHost, flow);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(flow);
  });

  test('added items are appended in the input style; removed items disappear with their lines', () => {
    const input = resourceList([staticRoute, service]);
    const added = run(probe, input.replace('kind: ResourceList', 'kind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {mode: add}}'));
    const items = parse(added.stdout).items;
    expect(items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['www', 'web', 'www-copy', 'web-copy']);
    expect(items[2].data).toEqual({ on: 'yes' });
    // `on` is a YAML 1.1 boolean: as a key it is quoted too.
    expect(added.stdout).toContain('    "on": "yes"\n');
    const stream = `${staticRoute}---\n${service}`;
    const removed = run(probe, resourceList([staticRoute, service], 'apiVersion: v1\nkind: ConfigMap\ndata: {mode: remove}'));
    expect(parse(removed.stdout).items).toHaveLength(1);
    expect(removed.stdout).not.toContain('kind: Service');
    expect(run(probe, stream, { path: 'c.yaml', text: 'apiVersion: v1\nkind: ConfigMap\ndata: {mode: remove}' }).stdout).toBe(staticRoute);
  });
});

describe('config arrives three ways', () => {
  const rewrite = 'apps.src.example.com=apps.dst.example.com';
  const expected = staticRoute.replace('www.apps.src.example.com', 'www.apps.dst.example.com');

  test('in the ResourceList, as a ConfigMap (kpt fn eval -- key=value)', () => {
    const out = run(stripRouteHost, resourceList([staticRoute], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {hostRewrites: ${rewrite}}`));
    expect(parse(out.stdout).items[0]).toEqual(parse(expected));
  });

  test('in the ResourceList, as the typed kind', () => {
    const typed = 'apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: StripRouteHost\nmetadata: {name: c}\nhostRewrites:\n- {from: apps.src.example.com, to: apps.dst.example.com}';
    expect(parse(run(stripRouteHost, resourceList([staticRoute], typed)).stdout).items[0]).toEqual(parse(expected));
  });

  test('as a file argument (kustomize legacy exec plugin): typed, ConfigMap, or any plugin kind', () => {
    for (const text of [
      'apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: StripRouteHost\nmetadata: {name: c}\nhostRewrites: [{from: apps.src.example.com, to: apps.dst.example.com}]\n',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  hostRewrites: ${rewrite}\n`,
      'apiVersion: someteam.example.com/v1\nkind: RouteHosts\nmetadata: {name: c}\nhostRewrites: [{from: apps.src.example.com, to: apps.dst.example.com}]\n',
    ]) {
      const out = run(stripRouteHost, staticRoute, { path: 'config.yaml', text });
      expect(out.exitCode, out.stderr).toBe(0);
      expect(out.stdout).toBe(expected);
    }
  });

  test('none: defaults (generated hosts stripped, static hosts kept)', () => {
    const out = run(stripRouteHost, `${generatedRoute}---\n${staticRoute}`);
    expect(out.stdout).toBe(`${generatedRoute.replace('  host: web-shop.apps.src.example.com\n', '')}---\n${staticRoute}`);
  });

  test.each([
    ['data: {hostRewrites: notapair}', /functionConfig data.hostRewrites: "notapair" is not a pair; expected a=b,c=d/],
    ['data: {hostRewrites: "a=-bad-"}', /functionConfig field data.hostRewrites\[0\].to: "-bad-" is not valid \(A DNS name/],
    ['data: {hostRewrite: a=b}', /functionConfig field data: unknown field "hostRewrite" \(known fields: hostRewrites, selectors, exclude\)/],
  ])('a wrong ConfigMap (%s) exits 1 naming the field', (data, message) => {
    const out = run(stripRouteHost, resourceList([staticRoute], `apiVersion: v1\nkind: ConfigMap\n${data}`));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(message);
    const written = parse(out.stdout);
    expect(written.results[0].severity).toBe('error');
    expect(written.items[0]).toEqual(parse(staticRoute));
  });

  test('a wrong typed config and a wrong kind exit 1 naming what was expected', () => {
    const missing = run(stripRouteHost, resourceList([staticRoute], 'apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: StripRouteHost\nhostRewrites: [{from: a.com}]'));
    expect(missing.stderr).toMatch(/functionConfig field hostRewrites\[0\]: missing required field "to"/);
    const kind = run(stripRouteHost, resourceList([staticRoute], 'apiVersion: example.com/v1\nkind: Other'));
    expect(kind.stderr).toMatch(/kind "Other" is not supported: expected ConfigMap \(apiVersion v1\) or StripRouteHost \(apiVersion fn.velero-krm-functions.dev\/v1alpha1\)/);
    expect(run(stripRouteHost, staticRoute, { path: 'x.yaml', text: '- not\n- a map\n' }).stderr).toMatch(/config file x.yaml: expected a Kubernetes object/);
  });
});

describe('results and exit codes', () => {
  test('an error result exits 1; a ResourceList is still written with its results, a stream is not written', () => {
    const list = run(probe, resourceList([service], 'apiVersion: v1\nkind: ConfigMap\ndata: {mode: error}'));
    expect(list.exitCode).toBe(1);
    expect(parse(list.stdout).results[0]).toMatchObject({ severity: 'error', field: { path: 'metadata.name', currentValue: 'web' } });
    expect(list.stderr).toBe('probe: [error] v1/Service/web metadata.name: bad item\n');
    const stream = run(probe, service, { path: 'c', text: 'apiVersion: v1\nkind: ConfigMap\ndata: {mode: error}' });
    expect(stream.exitCode).toBe(1);
    expect(stream.stdout).toBe('');
  });

  test('results carry the file from kpt path/index annotations', () => {
    const annotated = generatedRoute.replace('  annotations:\n', "  annotations:\n    internal.config.kubernetes.io/path: 'routes/web.yaml'\n    internal.config.kubernetes.io/index: '2'\n");
    const out = run(stripRouteHost, resourceList([annotated]));
    expect(parse(out.stdout).results[0].file).toEqual({ path: 'routes/web.yaml', index: 2 });
  });

  test.each([
    ['malformed YAML', 'apiVersion: v1\nkind: [unclosed\n', /invalid YAML in document 1 \(line 1\): .* at line \d+, column \d+/s],
    ['a document that is not an object', 'apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\n- a list\n', /document 2 \(line 5\): expected a Kubernetes object \(a map\), found a list/],
    ['an item without kind', resourceList(['apiVersion: v1\nmetadata: {name: a}']), /items\[0\] \(line 4\): the object has no kind/],
    ['an item without apiVersion', 'kind: X\nmetadata: {name: a}\n', /document 1 \(line 1\): the object has no apiVersion/],
    ['duplicate keys', 'apiVersion: v1\nkind: X\nkind: Y\n', /Map keys must be unique/],
    ['bad indentation', 'apiVersion: v1\nkind: X\nmetadata:\n  name: a\n   labels: {}\n', /invalid YAML/],
    ['malformed JSON (read as flow YAML, then found wanting)', '{"apiVersion": "v1", "kind": }', /document 1 \(line 1\): the object has no kind/],
    ['unterminated JSON', '{"apiVersion": "v1", "kind": "X"', /invalid YAML/],
  ])('%s: exit 1, a located message, nothing on stdout', (_name, input, message) => {
    const out = run(stripRouteHost, input);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  test('a YAML bomb (alias expansion) is refused', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((line) => `  ${line}`).join('\n')}\n`;
    const out = run(stripRouteHost, bomb);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/alias expansion exceeds the limit/);
  });
});

describe('selection', () => {
  test('local-config items (the Kptfile, function configs) are never touched', () => {
    const local = generatedRoute.replace('  annotations:\n', '  annotations:\n    config.kubernetes.io/local-config: "true"\n');
    const input = resourceList([local]);
    const out = run(stripRouteHost, input);
    expect(out.stdout).toBe(input);
  });

  test('selectors and exclude follow kpt semantics', () => {
    const other = generatedRoute.replace('name: web', 'name: api').replace('web-shop', 'api-shop');
    const config = (fields: string) => `apiVersion: fn.velero-krm-functions.dev/v1alpha1\nkind: StripRouteHost\n${fields}`;
    const names = (stdout: string) =>
      parse(stdout).items.filter((item: { spec: { host?: string } }) => item.spec.host === undefined).map((item: { metadata: { name: string } }) => item.metadata.name);
    expect(names(run(stripRouteHost, resourceList([generatedRoute, other], config('selectors: [{name: api}]'))).stdout)).toEqual(['api']);
    expect(names(run(stripRouteHost, resourceList([generatedRoute, other], config('exclude: [{name: api}]'))).stdout)).toEqual(['web']);
    expect(names(run(stripRouteHost, resourceList([generatedRoute, other], config('selectors: [{kind: Route, namespace: other}]'))).stdout)).toEqual([]);
    expect(
      names(run(stripRouteHost, resourceList([generatedRoute, other], config('selectors: [{annotations: {openshift.io/host.generated: "true"}}]'))).stdout),
    ).toEqual(['web', 'api']);
  });

  test('the input is read once and items keep their order', () => {
    const input = readInput(resourceList([staticRoute, service, generatedRoute]));
    expect(input.items.map((item) => `${item.kind}/${item.name}`)).toEqual(['Route/www', 'Service/web', 'Route/web']);
  });
});

describe('a ResourceList without items', () => {
  test('(kpt render with only a functionConfig) is a ResourceList with no items, and new items get an items key', () => {
    const input = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {mode: add}\n';
    expect(readInput(input).items).toHaveLength(0);
    const probeAdd: KrmFunction = { ...probe, run: (_items, _config, context) => void context.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } }) };
    const out = run(probeAdd, input);
    expect(out.exitCode).toBe(0);
    expect(parse(out.stdout).items).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } }]);
  });
});

describe('ConfigMap conventions with $ref, map keys, help quoting', () => {
  const refs: KrmFunction<SelectionConfig & { hosts: string[]; mapping: { [key: string]: string } }> = {
    ...(probe as unknown as KrmFunction<SelectionConfig & { hosts: string[]; mapping: { [key: string]: string } }>),
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        hosts: { type: 'array', items: { $ref: '#/definitions/host' }, default: [] },
        mapping: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { $ref: '#/definitions/host' }, default: {} },
      },
      definitions: { host: { type: 'string', pattern: '^[a-z.]+$' } },
      examples: [{ mapping: { a: 'b.io' }, hosts: ['x.io'] }],
    },
    run(_items, config, context) {
      context.info(JSON.stringify({ hosts: config.hosts, mapping: config.mapping }));
    },
  };

  test('list and map properties whose items are local $refs follow the list and map conventions', () => {
    const out = run(refs, resourceList([service], 'apiVersion: v1\nkind: ConfigMap\ndata: {hosts: "a.io,b.io", mapping: "shop=x.io"}'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(parse(out.stdout).results[0].message).toBe('{"hosts":["a.io","b.io"],"mapping":{"shop":"x.io"}}');
  });

  test('a bad map key is reported once, precisely', () => {
    const out = run(refs, resourceList([service], 'apiVersion: v1\nkind: ConfigMap\ndata: {mapping: "Shop=x.io"}'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr.trim().split('; ')).toEqual(['probe: [error]: functionConfig field data.mapping: "Shop" is not valid (expected to match ^[a-z]+$)']);
  });
});
