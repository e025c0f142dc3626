// The JSON floor: read a JSON document, JSON.parse it, JSON.stringify it back with the input's 4-space
// indentation, write the result. `node bench/floor-json.mjs INPUT OUTPUT`
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
writeFileSync(output, JSON.stringify(JSON.parse(readFileSync(input, 'utf8')), null, 4) + '\n');
