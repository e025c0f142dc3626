/**
 * ajv validators for the project's own JSON Schemas (`schemas/*.schema.json`, each named by its `$id`).
 *
 * Run from sources (tests, the type check), this module compiles a schema the first time it is used.
 * The executables do not carry it: the build (`scripts/build.mjs`, `scripts/precompiled-schemas.mjs`)
 * replaces it in each bundle with ajv's standalone code for the schemas that bundle imports, compiled
 * ahead of time by `createAjv`, so a process start skips ajv's compiler (a quarter of a function's cold
 * start) and the bundle holds no compiler. Both forms are ajv's output for the same schema and options;
 * `test/precompiled-schemas.test.ts` checks that they report the same errors.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import selectorSchema from '../schemas/selector.schema.json' with { type: 'json' };

/**
 * The ajv instance every schema is compiled with, at run time and at build time: all errors, defaults
 * filled in (`useDefaults`, so validating mutates the data), the failing schema node on every error
 * (`verbose`: lib/config.ts reads its `description` and `x-messages`), and the project's keywords
 * `x-pair` and `x-messages`. The shared selector schema is added so other schemas can `$ref` it.
 * The schemas are not checked against the JSON Schema meta-schema here (`validateSchema: false`):
 * `test/schemas.test.ts` does that once.
 * @param source keep each validator's source code, for ajv's standalone code (the build)
 */
export function createAjv(source = false): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true, validateSchema: false, code: { source } });
  ajv.addVocabulary(['x-pair', 'x-messages']);
  ajv.addSchema(selectorSchema);
  return ajv;
}

let ajv: Ajv | undefined;

/**
 * The validator of one of the project's schemas, compiled on first use.
 * @param schema a schema object imported from `schemas/`, with its `$id`
 * @throws Error from ajv when the schema does not compile (test/schemas.test.ts keeps them compiling)
 */
export function validatorFor(schema: object): ValidateFunction {
  ajv ??= createAjv();
  const id = (schema as { $id?: string }).$id;
  return (id !== undefined ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
}
