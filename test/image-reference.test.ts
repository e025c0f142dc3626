/**
 * The Docker reference grammar of rewrite-image-refs (functions/rewrite-image-refs/image-reference.ts):
 * host detection, ports, paths, tags, digests, Docker Hub normalisation, what it rejects, and the old
 * openshift-velero-plugin parser vectors (shared/design/upstream-behaviors-second-pass.md §15) where they
 * still apply.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { covers, parseImageReference, parseRegistryPrefix } from '../functions/rewrite-image-refs/image-reference.js';

const DIGEST = `sha256:${'857010da6b7ef44ecd566eb390a702c2f24a254f7408a8f2fad524a2673a1b87'}`;

describe('parseImageReference', () => {
  test.each([
    // text, writtenDomain, domain, path, tag, digest
    ['nginx', '', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', '', 'docker.io', 'library/nginx', '1.25', undefined],
    ['library/nginx', '', 'docker.io', 'library/nginx', undefined, undefined],
    ['bitnami/redis:7.2', '', 'docker.io', 'bitnami/redis', '7.2', undefined],
    ['docker.io/nginx', 'docker.io', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/library/nginx:latest', 'index.docker.io', 'docker.io', 'library/nginx', 'latest', undefined],
    ['localhost/x', 'localhost', 'localhost', 'x', undefined, undefined],
    ['localhost:5000/x', 'localhost:5000', 'localhost:5000', 'x', undefined, undefined],
    [`localhost:5000/ns/x:v1@${DIGEST}`, 'localhost:5000', 'localhost:5000', 'ns/x', 'v1', DIGEST],
    ['quay.io/team/app:1', 'quay.io', 'quay.io', 'team/app', '1', undefined],
    ['[::1]:5000/x', '[::1]:5000', '[::1]:5000', 'x', undefined, undefined],
    [`172.30.1.1:5000/shop/web@${DIGEST}`, '172.30.1.1:5000', '172.30.1.1:5000', 'shop/web', undefined, DIGEST],
    ['registry.example.com:443/a/b/c/d:v1.2-3_x', 'registry.example.com:443', 'registry.example.com:443', 'a/b/c/d', 'v1.2-3_x', undefined],
    ['Registry.Example.COM/x', 'Registry.Example.COM', 'registry.example.com', 'x', undefined, undefined],
    ['a__b/c--d.e_f', '', 'docker.io', 'a__b/c--d.e_f', undefined, undefined],
    // a 64-digit tag is a tag (OpenShift 3 dumps use them): corpus openshift-oc/new-project-deployed-app.yaml
    ['172.30.17.139:5000/test/origin-ruby-sample:73214fafa244cb8abbe55273dac5d237a589a5fc7ac09926a1756a42c21e8a58', '172.30.17.139:5000', '172.30.17.139:5000', 'test/origin-ruby-sample', '73214fafa244cb8abbe55273dac5d237a589a5fc7ac09926a1756a42c21e8a58', undefined],
    // upstream host detection took `foo` for a host; the grammar does not
    ['foo/baz/cat', '', 'docker.io', 'foo/baz/cat', undefined, undefined],
  ])('%s', (text, writtenDomain, domain, path, tag, digest) => {
    const reference = parseImageReference(text);
    expect(reference).toEqual({
      text,
      writtenDomain,
      domain,
      path: path.split('/'),
      tag,
      digest,
      suffix: (tag === undefined ? '' : `:${tag}`) + (digest === undefined ? '' : `@${digest}`),
    });
    expect(text.endsWith(reference.suffix)).toBe(true);
  });

  test('the openshift-velero-plugin ParseLocalImageReference vectors, with real hosts and digests', () => {
    // reg/ns/name@dig → {reg, ns, name, Digest}; @dig:est; :tg; plain
    expect(parseImageReference(`reg.io/ns/name@${DIGEST}`)).toMatchObject({ domain: 'reg.io', path: ['ns', 'name'], digest: DIGEST, tag: undefined });
    expect(parseImageReference('reg.io/ns/name:tg')).toMatchObject({ domain: 'reg.io', path: ['ns', 'name'], tag: 'tg', digest: undefined });
    expect(parseImageReference('reg.io/ns/name')).toMatchObject({ path: ['ns', 'name'], tag: undefined, digest: undefined });
    // @dig@est and :ta:g are errors there and here
    expect(() => parseImageReference(`reg.io/ns/name@${DIGEST}@${DIGEST}`)).toThrow(/grammar/);
    expect(() => parseImageReference('reg.io/ns/name:ta:g')).toThrow(/grammar/);
    // Not applicable: that parser wanted exactly registry/namespace/name; the grammar allows 1..n segments.
    expect(parseImageReference('reg.io/cat').path).toEqual(['cat']);
    expect(parseImageReference('reg.io/ns/name/dig').path).toEqual(['ns', 'name', 'dig']);
    // `@dig` and `@swan` are not digests (algorithm:hex, 32+ hex digits).
    expect(() => parseImageReference('reg.io/ns/name@dig')).toThrow(/grammar/);
    expect(() => parseImageReference('foo/openshift/cat@swan')).toThrow(/grammar/);
  });

  test.each([
    ['', /grammar/],
    ['NGINX', /lowercase/],
    ['quay.io/Team/app', /lowercase/],
    ['nginx:', /grammar/],
    [':1.0', /grammar/],
    ['nginx/', /grammar/],
    ['-nginx', /grammar/],
    [' nginx', /grammar/],
    ['${IMAGE}', /lowercase/],
    ['${image}', /grammar/],
    ['my_registry.com/x', /grammar/],
    ['quay.io//x', /grammar/],
    ['https://quay.io/x', /grammar/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image ID/],
    [`nginx:${'t'.repeat(129)}`, /grammar/],
    [`quay.io/${'a'.repeat(250)}`, /longer than 255/],
  ])('rejects %j', (text, message) => {
    expect(() => parseImageReference(text)).toThrow(message);
  });

  test('property: references built from the grammar parse back into their parts', () => {
    const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    const component = fc.tuple(alnum, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), alnum), { maxLength: 2 })).map(
      ([head, tail]) => head + tail.map(([separator, part]) => separator + part).join(''),
    );
    const host = fc.oneof(
      fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), fc.constantFrom('.io', '.example.com', '.svc')).map(([a, b]) => a + b),
      fc.constant('localhost'),
      fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `10.${a}.${b}.1`),
    );
    const domain = fc.option(fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, port]) => (port === undefined ? h : `${h}:${port}`)), { nil: undefined });
    const tag = fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined });
    const digest = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`), { nil: undefined });
    fc.assert(
      fc.property(domain, fc.array(component, { minLength: 1, maxLength: 4 }), tag, digest, (written, path, t, d) => {
        // A domain-less first segment must not look like a host.
        fc.pre(written !== undefined || !/[.:]/.test(path[0]!) && path[0] !== 'localhost');
        const suffix = (t === undefined ? '' : `:${t}`) + (d === undefined ? '' : `@${d}`);
        const text = `${written === undefined ? '' : `${written}/`}${path.join('/')}${suffix}`;
        fc.pre(!/^[a-f0-9]{64}$/.test(text));
        const reference = parseImageReference(text);
        const hub = written === undefined || written === 'docker.io';
        const expectedPath = hub && path.length === 1 ? ['library', ...path] : path;
        expect(reference).toMatchObject({ writtenDomain: written ?? '', domain: written ?? 'docker.io', path: expectedPath, tag: t, digest: d, suffix });
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseRegistryPrefix and covers', () => {
  test.each([
    ['quay.io', 'quay.io', []],
    ['quay.io/team', 'quay.io', ['team']],
    ['localhost', 'localhost', []],
    ['localhost:5000/a/b', 'localhost:5000', ['a', 'b']],
    ['[::1]:5000', '[::1]:5000', []],
    ['Index.Docker.io', 'docker.io', []],
    ['image-registry.openshift-image-registry.svc:5000', 'image-registry.openshift-image-registry.svc:5000', []],
  ])('%s', (text, domain, path) => {
    expect(parseRegistryPrefix(text)).toEqual({ text, domain, path });
  });

  test.each(['foo', 'foo/bar', 'backup-host', 'quay.io/Team', 'quay.io/', 'https://quay.io', '', 'quay.io/team:1'])('rejects %j', (text) => {
    expect(() => parseRegistryPrefix(text)).toThrow();
  });

  test('whole segments, host with port, case-insensitive host', () => {
    const ref = (text: string) => parseImageReference(text);
    expect(covers(parseRegistryPrefix('quay.io/team'), ref('quay.io/team/app:1'))).toBe(true);
    expect(covers(parseRegistryPrefix('quay.io/team'), ref('quay.io/teamx/app'))).toBe(false);
    expect(covers(parseRegistryPrefix('quay.io/team/app'), ref('quay.io/team/app@' + DIGEST))).toBe(true);
    expect(covers(parseRegistryPrefix('quay.io/team/app/x'), ref('quay.io/team/app'))).toBe(false);
    expect(covers(parseRegistryPrefix('localhost'), ref('localhost:5000/x'))).toBe(false);
    expect(covers(parseRegistryPrefix('localhost:5000'), ref('localhost:5000/x'))).toBe(true);
    expect(covers(parseRegistryPrefix('QUAY.io'), ref('Quay.IO/team/app'))).toBe(true);
    expect(covers(parseRegistryPrefix('docker.io'), ref('nginx'))).toBe(true);
    expect(covers(parseRegistryPrefix('docker.io/library'), ref('nginx'))).toBe(true);
    expect(covers(parseRegistryPrefix('docker.io/nginx'), ref('nginx'))).toBe(false);
    // HasImageRefPrefix vectors (§15) with hosts the grammar recognises: cat/ → true; catt/ → false; cat/dog/spider → true
    expect(covers(parseRegistryPrefix('cat.io'), ref('cat.io/dog'))).toBe(true);
    expect(covers(parseRegistryPrefix('cat.io'), ref('catt.io/dog'))).toBe(false);
    expect(covers(parseRegistryPrefix('cat.io'), ref('cat.io/dog/spider'))).toBe(true);
  });
});
