// The README's main job: runs the built strip-route-host over the shipped example package
// (examples/shop) with examples/config/strip-route-host.yaml, as kpt would: a ResourceList with path
// annotations in, a ResourceList out. Prints the changed files, the results and a summary.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify, parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const packageDir = join(root, 'examples/shop');
const config = parse(readFileSync(join(root, 'examples/config/strip-route-host.yaml'), 'utf8'));
const items = [];
for (const file of readdirSync(packageDir).filter((name) => name.endsWith('.yaml')).sort()) {
  parseAllDocuments(readFileSync(join(packageDir, file), 'utf8')).forEach((document, index) => {
    const item = document.toJS();
    item.metadata.annotations = { ...item.metadata.annotations, 'internal.config.kubernetes.io/path': file, 'internal.config.kubernetes.io/index': String(index) };
    items.push(item);
  });
}
const input = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig: config });
const run = spawnSync(join(root, 'dist/bin/strip-route-host'), [], { input, encoding: 'utf8' });
if (run.status !== 0) {
  process.stderr.write(run.stderr);
  process.exit(run.status ?? 1);
}
const output = parse(run.stdout);
const changed = output.items.filter((item, index) => JSON.stringify(item) !== JSON.stringify(items[index]));
process.stdout.write(`strip-route-host over examples/shop (${items.length} items), config examples/config/strip-route-host.yaml\n\n`);
for (const item of changed) {
  const { 'internal.config.kubernetes.io/path': path, 'internal.config.kubernetes.io/index': index } = item.metadata.annotations;
  process.stdout.write(`--- ${path} [${index}] ${item.kind}/${item.metadata.name}: spec now\n${stringify(item.spec).replace(/^/gm, '    ')}\n`);
}
const results = output.results ?? [];
process.stdout.write(`Results:\n${run.stderr.replace(/^/gm, '  ').trimEnd()}\n\n`);
const count = (severity) => results.filter((result) => result.severity === severity).length;
process.stdout.write(`Summary: ${items.length} items, ${changed.length} changed; results: ${count('error')} error, ${count('warning')} warning, ${count('info')} info\n`);
