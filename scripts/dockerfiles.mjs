// `npm run dockerfiles` (after `npm run build`): renders Dockerfile.template into one build context per
// image under dist/docker/, each folder complete in itself (`docker build dist/docker/<folder>`):
// - dist/docker/<name>/: Dockerfile and <name>, the bundle dist/bin/<name>, for every executable;
//   image velero-krm-functions/<name>:<version>, the executable as ENTRYPOINT on a Node.js base.
// - dist/docker/plugin/: Dockerfile and executables/<name>, the standalone binaries dist/sea/<name>
//   (hard links when possible: each is ~90 MB); image velero-krm-functions/plugin:<version>, the
//   /data/executables/<name> layout of a Velero plugin container.
// Labels: title, description (the first paragraph of the executable's --help), version (package.json).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const template = readFileSync(join(root, 'Dockerfile.template'), 'utf8');
const binDir = join(root, 'dist/bin');
const seaDir = join(root, 'dist/sea');
const outDir = join(root, 'dist/docker');

/** The repository part of every image name; the tag is the package version. */
const IMAGE_PREFIX = 'velero-krm-functions';
const NODE_BASE = 'gcr.io/distroless/nodejs20-debian12:nonroot';
const GLIBC_BASE = 'gcr.io/distroless/cc-debian12:nonroot';

for (const [dir, what] of [
  [binDir, 'the bundles'],
  [seaDir, 'the standalone binaries'],
]) {
  if (!existsSync(dir)) throw new Error(`${dir} is missing (${what}): run \`npm run build\` first`);
}
const names = readdirSync(binDir).sort();
const missing = names.filter((name) => !existsSync(join(seaDir, name)));
if (missing.length > 0) throw new Error(`dist/sea lacks ${missing.join(', ')}: run \`npm run build\` first`);

/** A value inside a double-quoted Dockerfile LABEL: `\`, `"` and `$` (variable expansion) escaped. */
function labelValue(text) {
  return text.replace(/[\\"$]/g, (character) => `\\${character}`);
}

/** The first paragraph of `<name> --help` that is not a usage line, without a leading "<name> <version>: ". */
function description(name) {
  const help = execFileSync(process.execPath, [join(binDir, name), '--help'], { encoding: 'utf8' });
  const paragraph = help.split(/\n\s*\n/).find((text) => text.trim() !== '' && !/^\s*usage:/i.test(text));
  if (!paragraph) throw new Error(`${name} --help has no description paragraph`);
  return paragraph.trim().replace(/\s*\n\s*/g, ' ').replace(new RegExp(`^${name} \\S+: `), '');
}

/** Fills the template's {{placeholders}}; every one must be given. */
function render(values) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`Dockerfile.template: no value for {{${key}}}`);
    return values[key];
  });
}

/** Hard-links `source` to `target`, or copies it where a link cannot be made (another filesystem). */
function linkOrCopy(source, target) {
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
    chmodSync(target, 0o755);
  }
}

rmSync(outDir, { recursive: true, force: true });
const images = [];

for (const name of names) {
  const context = join(outDir, name);
  mkdirSync(context, { recursive: true });
  copyFileSync(join(binDir, name), join(context, name));
  chmodSync(join(context, name), 0o755);
  writeFileSync(
    join(context, 'Dockerfile'),
    render({
      baseImage: NODE_BASE,
      title: name,
      description: labelValue(description(name)),
      version,
      source: name,
      target: `/usr/local/bin/${name}`,
      entrypoint: `ENTRYPOINT ["/nodejs/bin/node", "/usr/local/bin/${name}"]`,
    }),
  );
  images.push(`${IMAGE_PREFIX}/${name}:${version}  dist/docker/${name}`);
}

const pluginContext = join(outDir, 'plugin');
mkdirSync(join(pluginContext, 'executables'), { recursive: true });
for (const name of names) linkOrCopy(join(seaDir, name), join(pluginContext, 'executables', name));
writeFileSync(
  join(pluginContext, 'Dockerfile'),
  render({
    baseImage: GLIBC_BASE,
    title: `${IMAGE_PREFIX} plugin executables`,
    description: `Every ${IMAGE_PREFIX} executable as a standalone binary (no Node.js needed) under /data/executables/<name>, for a Velero plugin container: ${names.join(', ')}.`,
    version,
    source: 'executables/',
    target: '/data/executables/',
    entrypoint: '# No ENTRYPOINT: a Velero plugin image copies /data/executables/ from this one.',
  }),
);
images.push(`${IMAGE_PREFIX}/plugin:${version}  dist/docker/plugin`);

process.stderr.write(`rendered ${images.length} build contexts (image  context):\n${images.map((line) => `  ${line}\n`).join('')}`);
