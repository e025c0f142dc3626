// Builds dist/sea/<name> from every bundle dist/bin/<name>: a Node.js single executable application
// (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html), i.e. a copy of the
// node binary running this script with the bundle injected as its NODE_SEA_BLOB resource, so the
// target machine needs no Node.js (only the C libraries node itself links: glibc, libstdc++).
//
// How, and why so:
// - `node --experimental-sea-config` writes each bundle's blob (in parallel, one per CPU), with
//   `useCodeCache` (V8 code cache of the bundle's top level) and `disableExperimentalSEAWarning`.
//   Not `useSnapshot`: on Node.js 20 a SEA startup snapshot records the build machine's CPU features,
//   and a binary started on a CPU with other features refuses to run ("Invalid snapshot data in
//   single executable binary", exit 14; seen under valgrind's emulated CPU). nodejs/node#54122 drops
//   that check in later Node.js lines. A code cache that does not match is only ignored by V8.
// - The runtime is the running node with its symbols and debug info stripped (`strip`, from binutils,
//   when on PATH): about 12 MB smaller, and postject, which rewrites the whole ELF file, is faster on it.
// - postject runs ONCE, injecting a placeholder as large as the largest blob (a random marker, then
//   zeros) and flipping the sentinel fuse. Each binary is a copy of that file with the placeholder's
//   bytes replaced by its own blob, zero-padded: node reads the blob's fields by their own lengths and
//   ignores what follows (src/node_sea.cc, SeaDeserializer). A postject run takes 2-3 s of CPU and did
//   not get faster side by side on two cores, so one run instead of one per executable is the saving.
// - A binary whose bundle, node and this script are unchanged is kept (a key file per binary).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The fuse postject flips so node looks for the blob; Node.js documents this exact string. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const postjectCli = createRequire(import.meta.url).resolve('postject/dist/cli.js');
const thisScript = readFileSync(new URL(import.meta.url));

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited(items, limit, task) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Runs a command; a failure throws with `what` and the command's output. */
async function runStep(what, command, args, cwd) {
  try {
    await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`sea: ${what} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/** Copies the running node to `target`, stripped when `strip` is available. */
async function prepareRuntime(target) {
  try {
    await run('strip', ['--strip-all', '-o', target, process.execPath]);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    process.stderr.write("sea: `strip` (binutils) is not on PATH: the binaries keep node's symbols (larger, slower to build)\n");
    copyFileSync(process.execPath, target);
  }
}

/** Where `marker` starts in `file`; throws unless it occurs exactly once. */
function markerOffset(file, marker) {
  const bytes = readFileSync(file);
  const offset = bytes.indexOf(marker);
  if (offset < 0 || bytes.indexOf(marker, offset + 1) >= 0) throw new Error(`sea: the placeholder blob is not found exactly once in ${file}`);
  return offset;
}

/**
 * Builds dist/sea/<name> for every file in dist/bin (call it after the bundles are built) and removes
 * binaries whose bundle is gone. Keeps one key file per binary in dist/sea/.keys; works in a fresh
 * dist/sea/.build-* folder, removed at the end, so builds running side by side do not collide (each
 * binary is renamed into place whole). Throws when node or postject fails, with their output.
 */
export async function buildSeaBinaries(root) {
  const binDir = join(root, 'dist/bin');
  const seaDir = join(root, 'dist/sea');
  const keyDir = join(seaDir, '.keys');
  mkdirSync(keyDir, { recursive: true });
  const names = readdirSync(binDir).filter((name) => statSync(join(binDir, name)).isFile());
  for (const stale of readdirSync(seaDir).filter((name) => !name.startsWith('.') && !names.includes(name))) {
    rmSync(join(seaDir, stale), { force: true });
    rmSync(join(keyDir, stale), { force: true });
  }

  const keyOf = (bundle) => createHash('sha256').update(`${process.execPath}\0${process.version}\0`).update(thisScript).update(bundle).digest('hex');
  const pending = names.filter((name) => {
    if (!existsSync(join(seaDir, name)) || !existsSync(join(keyDir, name))) return true;
    return readFileSync(join(keyDir, name), 'utf8') !== keyOf(readFileSync(join(binDir, name)));
  });
  if (pending.length === 0) return;
  const started = Date.now();
  const workDir = mkdtempSync(join(seaDir, '.build-'));
  try {
    const template = join(workDir, 'node');
    const blobs = new Map();
    const keys = new Map();
    await Promise.all([
      prepareRuntime(template),
      eachLimited(pending, availableParallelism(), async (name) => {
        const bundle = join(binDir, name);
        keys.set(name, keyOf(readFileSync(bundle)));
        const blob = join(workDir, `${name}.blob`);
        const config = join(workDir, `${name}.sea-config.json`);
        writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
        await runStep(`the blob of ${name}`, process.execPath, ['--no-warnings', '--experimental-sea-config', config], workDir);
        blobs.set(name, readFileSync(blob));
      }),
    ]);

    const marker = randomBytes(32);
    const size = Math.max(...[...blobs.values()].map((blob) => blob.length), marker.length);
    const placeholder = join(workDir, 'placeholder.blob');
    writeFileSync(placeholder, Buffer.concat([marker, Buffer.alloc(size - marker.length)]));
    await runStep('postject', process.execPath, [postjectCli, template, 'NODE_SEA_BLOB', placeholder, '--sentinel-fuse', SEA_FUSE], workDir);
    const offset = markerOffset(template, marker);

    for (const [name, blob] of blobs) {
      const partial = join(workDir, name);
      copyFileSync(template, partial);
      const descriptor = openSync(partial, 'r+');
      try {
        writeSync(descriptor, Buffer.concat([blob, Buffer.alloc(size - blob.length)]), 0, size, offset);
      } finally {
        closeSync(descriptor);
      }
      chmodSync(partial, 0o755);
      renameSync(partial, join(seaDir, name));
      writeFileSync(join(keyDir, name), keys.get(name));
    }
    process.stderr.write(`built ${[...blobs.keys()].sort().map((name) => `dist/sea/${name}`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
