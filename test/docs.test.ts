/**
 * The READMEs' generated sections (config references, worked examples, the function table) match the
 * code; `npm run docs` (UPDATE_DOCS=1) rewrites them. Each worked example is executed here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { functions } from '../functions/index.js';
import { processInvocation } from '../lib/runtime.js';
import { catalogTable, configReference, replaceSection, workedExample } from '../scripts/docs.js';
import { projectRoot } from './helpers.js';

const update = process.env.UPDATE_DOCS === '1';

function checkSections(path: string, sections: Array<[string, string]>): void {
  const current = readFileSync(path, 'utf8');
  let next = current;
  for (const [name, content] of sections) next = replaceSection(next, name, content);
  if (update) writeFileSync(path, next);
  else expect(current, `${path} is out of date: run npm run docs`).toBe(next);
}

describe.each(functions.map((fn) => [fn.name, fn] as const))('%s', (name, fn) => {
  const folder = join(projectRoot, 'functions', name);

  test('has a README with its config reference and worked example, and a schema file', () => {
    expect(existsSync(join(projectRoot, 'schemas', `${name}.schema.json`))).toBe(true);
    checkSections(join(folder, 'README.md'), [
      ['config', configReference(fn)],
      ['example', workedExample(fn, folder)],
    ]);
  });

  test('the worked example produces examples/output.yaml, and running it again changes nothing', () => {
    const input = readFileSync(join(folder, 'examples', 'input.yaml'), 'utf8');
    const config = { path: 'config.yaml', text: readFileSync(join(folder, 'examples', 'config.yaml'), 'utf8') };
    const expected = readFileSync(join(folder, 'examples', 'output.yaml'), 'utf8');
    const first = processInvocation(fn, input, config);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe(expected);
    expect(processInvocation(fn, first.stdout, config).stdout).toBe(expected);
  });
});

test('the root README lists every function', () => {
  checkSections(join(projectRoot, 'README.md'), [['functions', catalogTable(functions)]]);
});
