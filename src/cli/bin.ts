/**
 * The `hob` executable (dist/hob.js, CommonJS). It runs a CLI bundle with V8's code cache:
 * dist/cli-exec.js, the CLI with only `hob exec` and `hob console` (src/cli/bundles.ts), for
 * those, and dist/cli.js, the whole CLI, for the others. Compiling the bundle is a large share of
 * a client command's start-up, and Node 20 has no compile cache of its own
 * (`module.enableCompileCache` came in Node 22.1); loading V8's cache of a script costs in
 * proportion to the whole script, which is why the exec has a bundle a sixth of the size. An
 * entry is kept per bundle build, Node version and command, written after the command ran so
 * that it holds every function the command used. The cache only ever costs the speed-up: an
 * entry V8 rejects is rewritten, and a cache directory that cannot be read or written is ignored.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';
import { EXEC_BUNDLE_WORDS } from './bundles.js';
import { asksOnlyVersion, commandWord } from './command-word.js';
import { compileCacheDir } from './config.js';

function runBundle(args: string[]): void {
  const command = cacheKeyOf(args);
  // Bundled as CommonJS (scripts/build.mjs), so __dirname is the real directory of dist/hob.js,
  // also when it is run through a symlink such as /usr/local/bin/hob; the bundles sit beside it,
  // so this module's require resolves as theirs would.
  const bundlePath = join(__dirname, EXEC_BUNDLE_WORDS.includes(commandWord(args) ?? '') ? 'cli-exec.js' : 'cli.js');
  // `serve` runs for days and imports the ESM server bundle, which a vm.Script can do only
  // through an experimental API (with a warning): Node's own loader runs it, uncached.
  const entry = command === 'serve' ? undefined : cacheEntry(bundlePath, command);
  if (entry === undefined) {
    module.require(bundlePath);
    return;
  }
  const cachedData = readCache(entry.file);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundlePath, 'utf8')}\n})`, {
    filename: bundlePath,
    cachedData,
    // The bundle has no import() but the server's (scripts/build.mjs); this only keeps a new one working.
    // vm.constants is undefined before Node 20.12, though its typings say otherwise.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
    importModuleDynamically: vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(entry, script));
  const bundle = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void; // the function expression above
  run.call(bundle.exports, bundle.exports, require, bundle, bundlePath, __dirname);
}

interface CacheEntry {
  dir: string;
  /** What every entry of this build and Node version starts with; older entries are removed. */
  prefix: string;
  file: string;
}

function cacheEntry(bundle: string, command: string): CacheEntry | undefined {
  const root = compileCacheDir(process.env);
  if (root === undefined) return undefined;
  try {
    const { size, mtimeMs } = statSync(bundle);
    // One directory per installed bundle: several checkouts may share a home directory.
    const dir = join(root, fnv1a(bundle));
    const prefix = `${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}-`;
    return { dir, prefix, file: join(dir, `${prefix}${command}.bin`) };
  } catch {
    return undefined;
  }
}

/**
 * The cache entry's name for a command line: its command word, if it is a plain one. Each entry
 * holds what its first run compiled, so lines that load different modules (commands/index.ts)
 * keep different entries: `--version` alone loads no command, help loads them all.
 */
function cacheKeyOf(args: string[]): string {
  if (asksOnlyVersion(args)) return 'version';
  const word = commandWord(args);
  if (word === undefined) return 'none';
  return /^[a-z]{1,20}$/.test(word) ? word : 'other';
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(entry: CacheEntry, script: Script): void {
  try {
    mkdirSync(entry.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(entry.dir)) {
      if (!name.startsWith(entry.prefix)) rmSync(join(entry.dir, name), { force: true });
    }
    // Written aside and renamed, so a concurrent run never reads half an entry.
    const temporary = `${entry.file}.${process.pid}`;
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, entry.file);
  } catch {
    // A read-only or full disk only costs the speed-up.
  }
}

/** A short, stable name for a path (FNV-1a, 32 bits); node:crypto would cost more than it saves here. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

runBundle(process.argv.slice(2));
