/**
 * The built executable (dist/bin/strip-route-host, made by `npm run build` before the tests) runs
 * alone: copied to an empty folder outside the project, with no node_modules anywhere near it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from './helpers.js';

const built = join(projectRoot, 'dist/bin/strip-route-host');
let dir = '';
let executable = '';

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build (npm test does) first`);
  dir = mkdtempSync(join(tmpdir(), 'krm-exe-'));
  executable = join(dir, 'strip-route-host');
  copyFileSync(built, executable);
  spawnSync('chmod', ['755', executable]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exec(args: string[], input: string) {
  return spawnSync(executable, args, { input, encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH ?? '' }, maxBuffer: 64 * 1024 * 1024 });
}

const route = 'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: web # the frontend\n  namespace: shop\n  annotations:\n    openshift.io/host.generated: "true"\nspec:\n  host: web-shop.apps.example.com\n  to: {kind: Service, name: web}\n';

describe('dist/bin/strip-route-host, alone in an empty folder', () => {
  test('transforms a stream and a ResourceList', () => {
    const stream = exec([], route);
    expect(stream.status).toBe(0);
    expect(stream.stdout).toBe(route.replace('  host: web-shop.apps.example.com\n', ''));
    const list = exec([], `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ${route.trimEnd().replace(/\n/g, '\n  ')}\n`);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('results:\n- message: removed the generated host web-shop.apps.example.com;');
  });

  test('reads its config from a file argument', () => {
    writeFileSync(join(dir, 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\ndata:\n  hostRewrites: apps.example.com=apps.dst.example.com\n');
    const user = route.replace('    openshift.io/host.generated: "true"\n', '').replace('  annotations:\n', '');
    const out = exec(['config.yaml'], user);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(user.replace('web-shop.apps.example.com', 'web-shop.apps.dst.example.com'));
    const missing = exec(['nope.yaml'], user);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/cannot read config file nope.yaml: ENOENT/);
  });

  test('--help prints usage and the config fields; --version the version', () => {
    const help = exec(['--help'], '');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^strip-route-host \d+\.\d+\.\d+: /);
    expect(help.stdout).toContain('hostRewrites  list of {from, to}');
    expect(help.stdout).toContain('kind: StripRouteHost');
    expect(exec(['--version'], '').stdout).toMatch(/^strip-route-host \d+\.\d+\.\d+\n$/);
    const bad = exec(['--bogus'], '');
    expect(bad.status).toBe(2);
  });

  test('bad input: exit 1, message on stderr, nothing on stdout', () => {
    const out = exec([], 'apiVersion: v1\nkind: [\n');
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/strip-route-host: \[error\]: invalid YAML/);
  });

  test('a large output is written whole', () => {
    const many = Array.from({ length: 3000 }, (_, index) => route.replace('name: web', `name: web-${index}`)).join('---\n');
    const out = exec([], many);
    expect(out.status).toBe(0);
    expect(out.stdout.length).toBe(many.length - 3000 * '  host: web-shop.apps.example.com\n'.length);
  });
});
