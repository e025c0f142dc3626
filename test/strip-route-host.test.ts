/** strip-route-host: the upstream rule, its edges, and what goes beyond it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { rewriteHost, stripRouteHost } from '../functions/strip-route-host/function.js';
import { projectRoot, run } from './helpers.js';

function route(options: { apiVersion?: string; annotation?: string; host?: string; name?: string; subdomain?: string }): string {
  const { apiVersion = 'route.openshift.io/v1', annotation, host = 'web-shop.apps.src.example.com', name = 'web', subdomain } = options;
  return [
    `apiVersion: ${apiVersion}`,
    'kind: Route',
    'metadata:',
    `  name: ${name}`,
    '  namespace: shop',
    ...(annotation === undefined ? [] : ['  annotations:', `    openshift.io/host.generated: ${annotation}`]),
    'spec:',
    `  host: ${host}`,
    ...(subdomain ? [`  subdomain: ${subdomain}`] : []),
    '  to: {kind: Service, name: web}',
    '',
  ].join('\n');
}

const hostLine = (host = 'web-shop.apps.src.example.com') => `  host: ${host}\n`;

describe('the openshift-velero-plugin rule', () => {
  test.each(['route.openshift.io/v1', 'v1'])('a generated host of a %s Route is removed, the key and nothing else', (apiVersion) => {
    const input = route({ apiVersion, annotation: '"true"' });
    const out = run(stripRouteHost, input);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(input.replace(hostLine(), ''));
    expect(out.stderr).toMatch(/\[info\] .*Route\/shop\/web spec\.host: removed the generated host web-shop\.apps\.src\.example\.com/);
    expect(out.stderr).not.toMatch(/warning/);
  });

  test.each([['"false"'], ['"True"'], ['"yes"'], [undefined]])('annotation %s: the host stays', (annotation) => {
    const input = route({ annotation });
    expect(run(stripRouteHost, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('other apiVersions and kinds, and Routes inside a Template, pass through untouched', () => {
    const template = `apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: t\nobjects:\n- ${route({ annotation: '"true"' }).trimEnd().replace(/\n/g, '\n  ')}\n`;
    const ingress = route({ annotation: '"true"' }).replace('kind: Route', 'kind: Ingress').replace('route.openshift.io/v1', 'networking.k8s.io/v1');
    const input = `${template}---\n${ingress}---\n${route({ apiVersion: 'route.openshift.io/v1beta1', annotation: '"true"' })}`;
    expect(run(stripRouteHost, input)).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  test('a generated Route without spec.host is left alone', () => {
    const input = route({ annotation: '"true"' }).replace(hostLine(), '');
    expect(run(stripRouteHost, input).stdout).toBe(input);
  });
});

describe('beyond the upstream rule', () => {
  test('a host marked generated but not of the generated form is removed with a warning (OADP issue 557)', () => {
    const out = run(stripRouteHost, route({ annotation: '"true"', host: 'shop.example.org' }));
    expect(out.stdout).not.toContain('shop.example.org');
    expect(out.stderr).toMatch(/\[warning\] .* host shop\.example\.org is marked openshift\.io\/host\.generated="true" but lacks the generated form web-shop\.<domain>/);
    const subdomain = run(stripRouteHost, route({ annotation: '"true"', host: 'store.apps.src.example.com', subdomain: 'store' }));
    expect(subdomain.stderr).not.toMatch(/warning/);
  });

  test('hostRewrites rewrites user-set hosts on whole labels, longest match first; generated hosts are removed, not rewritten', () => {
    const rewrites = [
      { from: 'example.com', to: 'example.net' },
      { from: 'apps.src.example.com', to: 'apps.dst.example.com' },
    ];
    expect(rewriteHost('www.apps.src.example.com', rewrites)).toBe('www.apps.dst.example.com');
    expect(rewriteHost('apps.src.example.com', rewrites)).toBe('apps.dst.example.com');
    expect(rewriteHost('WWW.Apps.Src.Example.com', rewrites)).toBe('WWW.apps.dst.example.com');
    expect(rewriteHost('*.apps.src.example.com', rewrites)).toBe('*.apps.dst.example.com');
    expect(rewriteHost('www.xapps.src.example.com', [rewrites[1]!])).toBeUndefined();
    expect(rewriteHost('www.example.org', rewrites)).toBeUndefined();
    const config = { path: 'c.yaml', text: 'apiVersion: v1\nkind: ConfigMap\ndata:\n  hostRewrites: apps.src.example.com=apps.dst.example.com\n' };
    const input = `${route({ annotation: '"true"' })}---\n${route({ name: 'www', host: 'www.apps.src.example.com' })}`;
    const out = run(stripRouteHost, input, config);
    expect(out.stdout).toBe(input.replace(hostLine(), '').replace('www.apps.src.example.com', 'www.apps.dst.example.com'));
    expect(out.stderr).toMatch(/rewrote the user-set host www\.apps\.src\.example\.com to www\.apps\.dst\.example\.com/);
    expect(run(stripRouteHost, out.stdout, config).stdout).toBe(out.stdout);
  });

  test('the worked example changes exactly the two host lines', () => {
    const folder = join(projectRoot, 'functions/strip-route-host/examples');
    const input = readFileSync(join(folder, 'input.yaml'), 'utf8');
    const output = readFileSync(join(folder, 'output.yaml'), 'utf8');
    expect(output).toBe(
      input.replace('    host: frontend-shop.apps.src.example.com\n', '').replace('    host: www.apps.src.example.com\n', '    host: www.apps.dst.example.com\n'),
    );
    expect(parse(output).items[0].spec.host).toBeUndefined();
  });
});
