/**
 * A summary of a V8 CPU profile (`node --cpu-prof`, a .cpuprofile file): the functions with the most
 * self time. A sample's time is its time delta (`timeDeltas[i]`, microseconds), charged to the node it
 * hit. Locations in an esbuild bundle (dist/bin/<name>, or the benchmark's copy) are named by the module they come from, taken
 * from the `// path/to/module` comment esbuild writes before each module in an unminified bundle.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** For a bundle file: a line number (0-based) → the source module it belongs to. */
function moduleLocator(path) {
  const starts = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, index) => {
    const match = /^\/\/ ((?:lib|functions|node_modules)\/\S+)$/.exec(line);
    if (match) starts.push([index, match[1]]);
  });
  return (line) => {
    let found = '(bundle)';
    for (const [start, module] of starts) {
      if (start > line) break;
      found = module;
    }
    return found;
  };
}

/**
 * @param profilePath a .cpuprofile file
 * @param bundleDir the folder of the profiled bundles (dist/bin or a copy)
 * @param limit how many functions
 * @returns { totalMs, top: [{ name, where, ms, percent }] }, by self time, largest first
 */
export function topSelfTime(profilePath, bundleDir, limit) {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const locators = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    total += micros;
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    let where = file;
    if (file.startsWith(`${bundleDir}/`)) {
      if (!locators.has(file)) locators.set(file, moduleLocator(file));
      where = locators.get(file)(lineNumber);
    } else if (where) where = `${where.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}\t${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const top = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => {
      const [name, where] = key.split('\t');
      return { name, where, ms: micros / 1000, percent: (100 * micros) / total };
    });
  return { totalMs: total / 1000, top };
}
