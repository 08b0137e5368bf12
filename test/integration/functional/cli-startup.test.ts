import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { HOB_VERSION } from '../../../src/shared/version.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { HOB_BIN } from '../../helpers/server.js';

const server = sharedServer();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch home with `hob` on a symlink to the built bundle, as /usr/local/bin/hob is installed. */
function installed(t: TestContext): { hob: string; home: string; cacheRoot: string } {
  const home = mkdtempSync(join(server.runDir, 'cli-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const hob = join(home, 'hob');
  symlinkSync(HOB_BIN, hob);
  return { hob, home, cacheRoot: join(home, '.cache', 'hob', 'v8') };
}

/** Runs the symlink itself (its `#!/usr/bin/env node` line), with a user's environment. */
function run(hob: string, home: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      hob,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: home, HOB_URL: server.url, HOB_TOKEN: server.token, ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** The cache entries the launcher wrote, by file name. */
function entries(cacheRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(cacheRoot)) return found;
  for (const dir of readdirSync(cacheRoot)) {
    for (const name of readdirSync(join(cacheRoot, dir))) found.set(name, join(cacheRoot, dir, name));
  }
  return found;
}

test('hob runs through a symlink, writes a compile cache per command, and reuses or replaces it', async (t) => {
  const { hob, home, cacheRoot } = installed(t);
  const first = await run(hob, home, ['--version']);
  assert.deepEqual(first, { code: 0, stdout: `${HOB_VERSION}\n`, stderr: '' });
  const written = [...entries(cacheRoot)];
  assert.equal(written.length, 1, 'one entry after one command');
  const [name, file] = written[0] ?? ['', ''];
  assert.match(name, new RegExp(`^${process.version}-${process.arch}-\\d+-\\d+-version\\.bin$`));
  const before = statSync(file);

  const again = await run(hob, home, ['--version']);
  assert.equal(again.stdout, `${HOB_VERSION}\n`);
  const after = statSync(file);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'an accepted entry is not rewritten');

  writeFileSync(file, 'not a code cache');
  const corrupt = await run(hob, home, ['--version']);
  assert.equal(corrupt.stdout, `${HOB_VERSION}\n`, 'a rejected entry only costs the speed-up');
  assert.notEqual(readFileSync(file, 'utf8').slice(0, 16), 'not a code cache', 'and is replaced');

  const help = await run(hob, home, ['-s', 'some-sprite', 'checkpoint', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: hob checkpoint/);
  assert.ok([...entries(cacheRoot).keys()].some((n) => n.endsWith('-checkpoint.bin')), 'the -s value is not taken for the command');

  const off = installed(t);
  assert.equal((await run(off.hob, off.home, ['--version'], { HOB_COMPILE_CACHE: '0' })).stdout, `${HOB_VERSION}\n`);
  assert.equal(existsSync(off.cacheRoot), false, 'HOB_COMPILE_CACHE=0 writes nothing');
});

/** Built-in modules a process loaded, as its moduleLoadList names them. */
function builtins(list: string): Set<string> {
  return new Set(list.split('\n').filter((line) => line.startsWith('NativeModule ')).map((line) => line.slice('NativeModule '.length)));
}

test('client commands through the symlink load neither the server, nor ws, nor fetch', async (t) => {
  const { create } = spriteFixture(t, server);
  const sprite = await create();
  const { hob, home, cacheRoot } = installed(t);
  // Records the built-in modules of the process it is loaded into.
  const probe = join(home, 'modules.cjs');
  writeFileSync(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, process.moduleLoadList.join('\\n')));\n");
  const probed = (name: string) => ({ NODE_OPTIONS: `--require ${probe}`, MODULES_OUT: join(home, `${name}.modules`) });

  const listed = await run(hob, home, ['ls', '--json', '--prefix', sprite.name], probed('ls'));
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name), [sprite.name]); // --json lists sprite objects
  const exec = await run(hob, home, ['exec', '-s', sprite.name, '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 7'], probed('exec'));
  assert.deepEqual(exec, { code: 7, stdout: 'hi\n', stderr: 'oops\n' });
  const missing = await run(hob, home, ['exec', '-s', `${sprite.name}-gone`, '--', 'true']);
  assert.deepEqual([missing.code, missing.stderr], [1, `error: sprite ${sprite.name}-gone not found\n`], 'a refused exec keeps the server’s error');
  // One cache directory per bundle: the exec ran from a bundle of its own (src/cli/bundles.ts).
  assert.equal(readdirSync(cacheRoot).length, 2, 'hob ls and hob exec ran from two bundles');

  // The server (fastify) needs https, ws needs https, tls and zlib, fetch (undici) tls, zlib and worker_threads.
  const apart = ['https', 'tls', 'zlib', 'worker_threads'];
  const ls = builtins(readFileSync(join(home, 'ls.modules'), 'utf8'));
  assert.ok(ls.has('http'), 'the probe sees what a request loads');
  for (const module of apart) assert.equal(ls.has(module), false, `hob ls loaded node:${module}`);
  // The exec socket speaks WebSocket on node:net itself, with no node:crypto, and commander's
  // node:child_process stays unloaded.
  const execModules = builtins(readFileSync(join(home, 'exec.modules'), 'utf8'));
  assert.ok(execModules.has('net'), 'the probe sees what an exec loads');
  for (const module of ['http', 'crypto', 'child_process', ...apart]) assert.equal(execModules.has(module), false, `hob exec loaded node:${module}`);
});
