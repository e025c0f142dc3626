// An esbuild plugin that gives a bundle precompiled validators: it replaces lib/schema-validators.ts with
// ajv's standalone code (https://ajv.js.org/standalone.html) for the schemas the bundle imports
// (schemas/*.schema.json), compiled now by that module's own `createAjv`. The bundle then neither runs
// nor carries ajv's compiler, only the few runtime helpers the generated code requires.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';

const MODULE = 'lib/schema-validators.ts';
const COMPILED = 'velero-krm-functions:compiled-schemas';

/** lib/schema-validators.ts as an ES module, loaded from a file next to the build (its imports resolve from the project). */
async function loadSchemaValidators(root, scratch) {
  const outfile = join(scratch, 'schema-validators.mjs');
  await build({ entryPoints: [join(root, MODULE)], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/**
 * Loads the compiler once; the function it returns makes the plugin for one bundle.
 * @param root the project root (where the builds run: metafile inputs are relative to it)
 * @param scratch a folder for a temporary file
 * @returns `(schemaFiles) => plugin`, where `schemaFiles` are the absolute paths of the schemas the
 *   bundle imports (see `buildWithPrecompiledSchemas`)
 */
export async function schemaPrecompiler(root, scratch) {
  const { createAjv } = await loadSchemaValidators(root, scratch);
  return (schemaFiles) => precompiledSchemas(root, createAjv(true), schemaFiles);
}

function precompiledSchemas(root, ajv, schemaFiles) {
  const schemas = schemaFiles.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const exports = {};
  schemas.forEach((schema, index) => {
    if (typeof schema.$id !== 'string') throw new Error(`${relative(root, schemaFiles[index])}: a schema needs an $id to be precompiled`);
    if (!ajv.getSchema(schema.$id)) ajv.compile(schema);
    exports[`schema${index}`] = schema.$id;
  });
  const compiled = standaloneCode(ajv, exports);
  const replacement = [
    `import * as compiled from ${JSON.stringify(COMPILED)};`,
    `const byId = new Map([${schemas.map((schema, index) => `[${JSON.stringify(schema.$id)}, compiled.schema${index}]`).join(', ')}]);`,
    '/** The validator of a schema this bundle imports, compiled by the build (scripts/precompiled-schemas.mjs). */',
    'export function validatorFor(schema) {',
    '  const validate = byId.get(schema.$id);',
    '  if (!validate) throw new Error(`no precompiled validator for the schema ${schema.$id}: the build compiles only the schemas a bundle imports`);',
    '  return validate;',
    '}',
  ].join('\n');
  return {
    name: 'precompiled-schemas',
    setup(esbuild) {
      esbuild.onLoad({ filter: /schema-validators\.ts$/ }, (args) => (args.path === join(root, MODULE) ? { contents: replacement, loader: 'js', resolveDir: root } : undefined));
      esbuild.onResolve({ filter: new RegExp(`^${COMPILED}$`) }, () => ({ path: COMPILED, namespace: 'compiled-schemas' }));
      esbuild.onLoad({ filter: /.*/, namespace: 'compiled-schemas' }, () => ({ contents: compiled, loader: 'js', resolveDir: root }));
    },
  };
}

/**
 * Builds one bundle with esbuild and precompiled validators: a first pass (nothing written) finds the
 * schemas among its inputs (schemas/*.schema.json), the second builds with them.
 * @param options esbuild options, with `absWorkingDir` set to the project root
 * @param precompile what `schemaPrecompiler` returned
 */
export async function buildWithPrecompiledSchemas(options, precompile) {
  const { metafile } = await build({ ...options, write: false, metafile: true });
  const schemaFiles = Object.keys(metafile.inputs)
    .filter((input) => /^schemas\/[^/]+\.schema\.json$/.test(input))
    .map((input) => join(options.absWorkingDir, input));
  return build({ ...options, plugins: [...(options.plugins ?? []), precompile(schemaFiles)] });
}
