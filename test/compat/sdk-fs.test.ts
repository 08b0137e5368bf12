/**
 * The official `@fly/sprites` SDK's `sprite.filesystem()`, unmodified, against a live Hob
 * server on the tiny image (where it acts as root): every call, the errors it builds from
 * Hob's answers (`exists()` false and `rm({force: true})` quiet only on 404 ENOENT), and
 * watch. The contract is the SDK wire-protocol notes §11 and §6.2. Acting as another user is
 * in fs-users.test.ts, the debian image in fs-debian.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FilesystemError, type Sprite } from '@fly/sprites';
import { clientFor, execCollect, sharedServer } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);
/** One sprite for the whole file; each test works in a directory of its own. */
const name = `${server.prefix}-sdkfs`;
let sprite: Sprite;

before(async () => {
  await ensureImage(hob, 'tiny');
  await hob.createSprite({ name, image: 'tiny', labels: ['test:sdk-fs'] });
  sprite = sdk.sprite(name);
});

after(() => hob.deleteSprite(name));

async function sh(script: string): Promise<string> {
  const result = await execCollect(hob, name, ['sh', '-c', script]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

async function fsError(promise: Promise<unknown>): Promise<FilesystemError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FilesystemError, `expected a FilesystemError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a FilesystemError, but the call succeeded');
}

test('writeFile, readFile, appendFile and JSON round trip, relative to workingDir, with modes', { timeout: 120_000 }, async () => {
  const fs = sprite.filesystem('/work/rw');
  await fs.writeFile('hello.txt', 'hello, sprite\n');
  assert.equal(await fs.readFile('hello.txt', 'utf8'), 'hello, sprite\n');
  assert.equal(await sh('cat /work/rw/hello.txt'), 'hello, sprite\n', 'written where the sprite sees it');
  assert.deepEqual(await fs.readFile('/work/rw/hello.txt'), Buffer.from('hello, sprite\n'), 'an absolute path ignores workingDir');

  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
  await fs.writeFile('deep/er/bin', binary, { mode: 0o750 });
  assert.deepEqual(await fs.readFile('deep/er/bin'), binary);
  assert.equal(await sh('stat -c %a /work/rw/deep/er/bin'), '750\n', 'the mode is set exactly');

  await fs.appendFile('hello.txt', 'more\n');
  await fs.appendFile('fresh.txt', 'first\n');
  assert.equal(await fs.readFile('hello.txt', 'utf8'), 'hello, sprite\nmore\n');
  assert.equal(await fs.readFile('fresh.txt', 'utf8'), 'first\n', 'appendFile on a missing file starts it (its read got ENOENT)');

  await fs.writeJSON('conf.json', { a: [1, 2], b: 'c' }, { spaces: 2 });
  assert.deepEqual(await fs.readJSON('conf.json'), { a: [1, 2], b: 'c' });
  await fs.writeFile('empty', '');
  assert.equal((await fs.readFile('empty')).length, 0);

  // /proc files say size 0 and still have content: read to their end.
  assert.match(await sprite.filesystem().readFile('/proc/self/status', 'utf8'), /^Name:/m);
});

test('readdir, stat and exists: a directory lists its entries, any other path its own', { timeout: 120_000 }, async () => {
  const fs = sprite.filesystem('/work/ls');
  await sh('mkdir -p /work/ls/sub/inner && echo abc > /work/ls/a.txt && echo x > /work/ls/sub/b.md && ln -s a.txt /work/ls/link && ln -s /nowhere /work/ls/dangling && chmod 640 /work/ls/a.txt');
  assert.deepEqual(await fs.readdir('.'), ['a.txt', 'dangling', 'link', 'sub']);
  const typed = await fs.readdir('.', { withFileTypes: true });
  const kinds = Object.fromEntries(typed.map((d) => [d.name, d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : d.isFile() ? 'file' : '?']));
  assert.deepEqual(kinds, { 'a.txt': 'file', dangling: 'link', link: 'link', sub: 'dir' });
  assert.equal(typed[0]?.parentPath, '.');
  assert.deepEqual(await fs.readdir('.', { recursive: true }), ['a.txt', 'dangling', 'link', 'sub', 'sub/b.md', 'sub/inner']);
  assert.deepEqual(await fs.readdir('.', { recursive: true, pattern: '*.md' }), ['sub/b.md']);

  const stats = await fs.stat('a.txt');
  assert.equal(stats.size, 4);
  assert.equal(stats.mode, 0o640);
  assert.ok(stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink());
  assert.ok(Math.abs(stats.mtime.getTime() - Date.now()) < 120_000, `mtime ${stats.mtime.toISOString()}`);
  assert.ok((await fs.stat('link')).isSymbolicLink(), 'a symlink is itself');

  assert.equal(await fs.exists('a.txt'), true);
  assert.equal(await fs.exists('sub'), true);
  assert.equal(await fs.exists('dangling'), true, 'a dangling symlink still exists as a link');
  assert.equal(await fs.exists('missing'), false);
  assert.equal(await fs.exists('/no/such/dir/at/all'), false);

  const missing = await fsError(fs.stat('missing'));
  assert.equal(missing.code, 'ENOENT');
  assert.equal(missing.path, '/work/ls/missing');
  assert.equal(missing.message, 'no such file or directory');
  assert.equal((await fsError(fs.readdir('a.txt/x'))).code, 'ENOTDIR');
  assert.equal((await fsError(fs.readFile('sub'))).code, 'EISDIR');
});

test('mkdir with and without recursive, rm with and without force, rename, copyFile', { timeout: 120_000 }, async () => {
  const fs = sprite.filesystem('/work/ops');
  await fs.mkdir('/work/ops', { recursive: true });
  await fs.mkdir('one');
  await fs.mkdir('two/three/four', { recursive: true, mode: 0o700 });
  assert.equal(await sh('ls -a /work/ops/one | wc -l; stat -c %a /work/ops/two/three/four; ls -A /work/ops/two/three/four'), '2\n700\n', 'empty directories, the .keep gone');
  assert.equal((await fsError(fs.mkdir('five/six'))).code, 'ENOENT', 'without recursive a missing grandparent is not made');

  await fs.writeFile('f.txt', 'data');
  await fs.rm('f.txt');
  assert.equal(await fs.exists('f.txt'), false);
  const gone = await fsError(fs.rm('f.txt'));
  assert.equal(gone.code, 'ENOENT');
  await fs.rm('f.txt', { force: true });
  await fs.rm('never/was/here', { force: true, recursive: true });
  await fs.writeFile('two/x', 'x');
  assert.equal((await fsError(fs.rm('two'))).code, 'ENOTEMPTY');
  await fs.rm('two', { recursive: true });
  assert.equal(await fs.exists('two'), false);
  assert.equal((await fsError(fs.rm('/'))).code, 'EPERM');

  await fs.writeFile('src/a.txt', 'A');
  await fs.writeFile('src/nested/b.txt', 'B', { mode: 0o600 });
  await sh('ln -s a.txt /work/ops/src/link');
  await fs.rename('src/a.txt', 'src/renamed.txt');
  assert.equal(await fs.readFile('src/renamed.txt', 'utf8'), 'A');
  assert.equal((await fsError(fs.rename('src/nope', 'src/other'))).code, 'ENOENT');

  await fs.copyFile('src/renamed.txt', 'copy.txt');
  assert.equal(await fs.readFile('copy.txt', 'utf8'), 'A');
  assert.equal((await fsError(fs.copyFile('src', 'dst'))).code, 'EISDIR', 'a directory needs recursive');
  await fs.copyFile('src', 'dst', { recursive: true, preserveAttrs: true });
  assert.equal(await sh('cd /work/ops/dst && find . | sort && stat -c %a nested/b.txt && readlink link'), '.\n./link\n./nested\n./nested/b.txt\n./renamed.txt\n600\na.txt\n', 'modes and symlinks kept');
  assert.equal(await sh('stat -c %Y /work/ops/src/nested/b.txt /work/ops/dst/nested/b.txt | uniq | wc -l'), '1\n', 'preserveAttrs keeps mtimes');
});

test('chmod and chown, plain and recursive, by id and by name', { timeout: 120_000 }, async () => {
  const fs = sprite.filesystem('/work/perm');
  await fs.writeFile('tree/a', 'a');
  await fs.writeFile('tree/sub/b', 'b');
  await fs.chmod('tree/a', 0o604);
  assert.equal(await sh('stat -c %a /work/perm/tree/a'), '604\n');
  await fs.chmod('tree', 0o750, { recursive: true });
  assert.equal(await sh('stat -c %a /work/perm/tree /work/perm/tree/a /work/perm/tree/sub /work/perm/tree/sub/b'), '750\n750\n750\n750\n');

  await fs.chown('tree/a', { uid: 1000, gid: 1000 });
  assert.equal(await sh('stat -c %u:%g /work/perm/tree/a'), '1000:1000\n');
  await fs.chown('tree', { uid: 'sprite', recursive: true });
  assert.equal(await sh('stat -c %U:%g /work/perm/tree /work/perm/tree/sub/b'), 'sprite:0\nsprite:0\n', 'names resolve in the sprite; the group stays');
  await fs.chown('tree/sub', { gid: 'sprite' });
  assert.equal(await sh('stat -c %U:%G /work/perm/tree/sub'), 'sprite:sprite\n');
  const unknown = await fsError(fs.chown('tree', { uid: 'nobody-here' }));
  assert.equal(unknown.code, 'EINVAL');
  assert.equal((await fsError(fs.chmod('missing', 0o644))).code, 'ENOENT');
});

test('watch reports create, write, chmod and remove with camelCase isDir, recursively', { timeout: 120_000 }, async (t) => {
  const fs = sprite.filesystem('/work');
  await fs.mkdir('watched/deep', { recursive: true });
  const watcher = await fs.watch('watched', { recursive: true });
  t.after(() => watcher.close());
  const events: Record<string, unknown>[] = [];
  // The iterator gets every message, the first ones included (they may come before any listener could be on).
  void (async () => {
    for await (const event of watcher) events.push(event as unknown as Record<string, unknown>); // the SDK's type has no `type` field for subscribed and error messages
  })();
  const seen = async (predicate: (event: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!events.some(predicate)) {
      if (Date.now() > deadline) assert.fail(`not seen in ${timeoutMs} ms; got ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await seen((e) => e.type === 'subscribed' && JSON.stringify(e.paths) === '["/work/watched"]');

  await sh('echo one > /work/watched/a.txt');
  await seen((e) => e.type === 'event' && e.path === '/work/watched/a.txt' && e.event === 'create' && e.isDir === false);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await sh('echo two >> /work/watched/a.txt');
  await seen((e) => e.path === '/work/watched/a.txt' && e.event === 'write' && e.size === 8);
  await sh('chmod 600 /work/watched/a.txt');
  await seen((e) => e.path === '/work/watched/a.txt' && e.event === 'chmod');
  await sh('mkdir /work/watched/deep/new');
  await seen((e) => e.path === '/work/watched/deep/new' && e.event === 'create' && e.isDir === true);
  // A directory made after the watch began is watched too.
  await sh('echo x > /work/watched/deep/new/inside');
  await seen((e) => e.path === '/work/watched/deep/new/inside' && e.event === 'create');
  await sh('rm /work/watched/a.txt');
  await seen((e) => e.path === '/work/watched/a.txt' && e.event === 'remove');
  const event = events.find((e) => e.type === 'event');
  assert.equal(typeof event?.timestamp, 'string');
  assert.ok(!Number.isNaN(Date.parse(String(event?.timestamp))));

  // A path that cannot be watched is an error message, not a failed watch.
  const other = await fs.watch(['watched', 'missing-dir']);
  t.after(() => other.close());
  const first = await other.next();
  const second = await other.next();
  assert.equal(first?.type, 'subscribed');
  // The SDK's event type leaves out an error message's path, which Hob sends.
  assert.deepEqual([second?.type, (second as { path?: string } | null)?.path], ['error', '/work/missing-dir']);
});
