// The YAML floor: read a YAML stream, parse every document with the `yaml` library's Document API,
// stringify each one back (String(document) writes its own `---`), write the result. `node bench/floor-yaml.mjs INPUT OUTPUT`
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const [input, output] = process.argv.slice(2);
const documents = parseAllDocuments(readFileSync(input, 'utf8'));
writeFileSync(output, documents.map((document) => String(document)).join(''));
