// Bundles every function (functions/<name>/main.ts), and the pipeline CLI (functions/pipeline.ts), into
// dist/bin/<name>: one executable file with a shebang, CommonJS so it runs anywhere without a
// package.json beside it, and no node_modules needed. Each bundle gets the validators of the schemas
// it imports precompiled (scripts/precompiled-schemas.mjs).
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWithPrecompiledSchemas, schemaPrecompiler } from './precompiled-schemas.mjs';
import { buildSeaBinaries } from './sea.mjs';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const names = readdirSync(join(root, 'functions')).filter((name) => existsSync(join(root, 'functions', name, 'main.ts')));
// Every function, and the pipeline CLI that runs them all in one process.
const entries = [...names.map((name) => [name, join(root, 'functions', name, 'main.ts')]), ['krm-pipeline', join(root, 'functions/pipeline.ts')]];
mkdirSync(join(root, 'dist/bin'), { recursive: true });
// The project is ESM ("type": "module"); an extensionless CommonJS file under it needs this marker.
// Copied elsewhere (a kustomize plugin folder, an image), the executables run as CommonJS by default.
writeFileSync(join(root, 'dist/package.json'), '{ "type": "commonjs" }\n');
const options = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  legalComments: 'none',
  define: { PACKAGE_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
};
const precompile = await schemaPrecompiler(root, join(root, 'dist'));
await Promise.all(
  entries.map(async ([name, entryPoint]) => {
    const outfile = join(root, 'dist/bin', name);
    await buildWithPrecompiledSchemas({ ...options, entryPoints: [entryPoint], outfile }, precompile);
    chmodSync(outfile, 0o755);
  }),
);
process.stderr.write(`built ${entries.map(([name]) => `dist/bin/${name}`).join(', ')}\n`);
await buildSeaBinaries(root);
