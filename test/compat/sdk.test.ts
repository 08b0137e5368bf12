/**
 * The official `@fly/sprites` SDK, unmodified, against a live Hob server: sprite management,
 * WebSocket exec (plain, spawn with stdin, TTY with resize, signals), HTTP exec, and the error
 * types the SDK builds from Hob's answers. The contract is the SDK wire-protocol notes (§1–§3, §12:
 * errors, sprite management, WebSocket exec, HTTP exec).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test, type TestContext } from 'node:test';
import { APIError, ExecError, Sprite, SpritesClient, type SpriteCommand } from '@fly/sprites';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';
import { MAX_EXEC_WRITE_BYTES } from '../../src/shared/frames.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);

before(() => ensureImage(hob, 'tiny'));

after(async () => {
  // Every sprite a test made through the SDK is gone (the fixture checks its own).
  const left = await sdk.listAllSprites(`${server.prefix}-sdk-`);
  assert.deepEqual(left.map((s) => s.name), [], 'sprites left behind');
});

/** A unique sprite name under the run's prefix (sprites made through the SDK itself). */
function uniqueName(what: string): string {
  return `${server.prefix}-sdk-${what}-${randomBytes(3).toString('hex')}`;
}

/** Deletes, when the test ends, sprites the test made through the SDK (gone ones are fine). */
function cleanupAfter(t: TestContext, ...names: string[]): void {
  t.after(async () => {
    for (const name of names) await sdk.deleteSprite(name).catch(() => undefined);
  });
}

/** A running sprite owned by the fixture, as an SDK handle. */
async function fixtureSprite(t: TestContext): Promise<Sprite> {
  const created = await spriteFixture(t, server).create();
  return sdk.sprite(created.name);
}

async function rejectsWith<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected a ${type.name}, but the call succeeded`);
}

/** Collects a spawned command's output and exit code; `error` events fail the promise. */
async function collect(cmd: SpriteCommand): Promise<{ stdout: string; stderr: string; code: number }> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  cmd.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  cmd.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // The SDK ends both streams when the command exits, so all three settle together.
  const [code] = await Promise.all([
    new Promise<number>((resolve, reject) => {
      cmd.once('exit', resolve);
      cmd.once('error', reject);
    }),
    once(cmd.stdout, 'end'),
    once(cmd.stderr, 'end'),
  ]);
  return { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), code };
}

/**
 * Resolves once `pattern` matches everything the command has printed on stdout so far. Call it
 * before awaiting anything else: output that arrives before the listener is attached is missed.
 */
function waitForOutput(cmd: SpriteCommand, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cmd.stdout.off('data', onData);
      reject(new Error(`timed out waiting for ${String(pattern)} in ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        cmd.stdout.off('data', onData);
        resolve(seen);
      }
    };
    cmd.stdout.on('data', onData);
  });
}

function spawned(cmd: SpriteCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    cmd.once('spawn', resolve);
    cmd.once('error', reject);
  });
}

describe('SDK sprite management', () => {
  test('createSprite(name) returns a running Sprite made from the default image', async (t) => {
    const name = uniqueName('create');
    cleanupAfter(t, name);
    const sprite = await sdk.createSprite(name);
    assert.ok(sprite instanceof Sprite);
    assert.equal(sprite.name, name);
    assert.equal(typeof sprite.id, 'string');
    assert.ok(sprite.id !== undefined && sprite.id.length > 0);
    assert.equal(sprite.status, 'running');
    assert.equal(typeof sprite.organizationName, 'string');
    assert.ok(sprite.createdAt instanceof Date && !Number.isNaN(sprite.createdAt.getTime()));
    assert.equal(typeof sprite.config?.ramMB, 'number');
    assert.equal(typeof sprite.config?.cpus, 'number');
    assert.deepEqual(sprite.labels, []);
    // The SDK cannot choose an image; the server's default (tiny on the test server) is used.
    assert.equal((await hob.getSprite(name)).image, 'tiny');
    const { stdout } = await sprite.exec('cat /etc/os-release');
    assert.match(String(stdout), /^NAME="Hob tiny/m);
  });

  test('createSprite takes both the options form and the older bare-config form', async (t) => {
    const withOptions = uniqueName('opts');
    const withConfig = uniqueName('conf');
    cleanupAfter(t, withOptions, withConfig);

    const a = await sdk.createSprite(withOptions, {
      config: { ramMB: 256, cpus: 1 },
      environment: { GREETING: 'hi' },
      labels: ['team:compat'],
      urlSettings: { auth: 'public' },
    });
    assert.equal(a.name, withOptions);
    assert.equal(a.config?.ramMB, 256);
    assert.equal(a.config.cpus, 1);
    assert.deepEqual(a.environment, { GREETING: 'hi' });
    assert.deepEqual(a.labels, ['team:compat']);
    assert.equal(a.urlSettings?.auth, 'public');

    // A second argument without any option key is a SpriteConfig.
    const b = await sdk.createSprite(withConfig, { ramMB: 320 }, { labels: ['legacy'] });
    assert.equal(b.name, withConfig);
    assert.equal(b.config?.ramMB, 320);
    assert.deepEqual(b.labels, ['legacy']);
  });

  test('getSprite returns what createSprite returned', async (t) => {
    const name = uniqueName('get');
    cleanupAfter(t, name);
    const created = await sdk.createSprite(name, { labels: ['x'] });
    const got = await sdk.getSprite(name);
    assert.ok(got instanceof Sprite);
    for (const key of ['name', 'id', 'status', 'organizationName', 'url', 'version'] as const) {
      assert.equal(got[key], created[key], key);
    }
    assert.deepEqual(got.config, created.config);
    assert.deepEqual(got.labels, ['x']);
    assert.equal(got.createdAt?.getTime(), created.createdAt?.getTime());
  });

  test('listSprites filters by prefix and pages with maxResults and continuation tokens', async (t) => {
    const prefix = `${server.prefix}-sdk-ls${randomBytes(2).toString('hex')}-`;
    const names = ['a', 'b', 'c'].map((suffix) => `${prefix}${suffix}`);
    cleanupAfter(t, ...names);
    for (const name of names) await sdk.createSprite(name);

    const all = await sdk.listSprites({ prefix });
    assert.deepEqual(all.sprites.map((s) => s.name).sort(), names);
    assert.equal(all.hasMore, false);
    assert.ok((all.running ?? 0) >= names.length, `running count ${String(all.running)}`);
    assert.equal(typeof all.organizationName, 'string');

    const paged: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < names.length; page++) {
      const result = await sdk.listSprites({ prefix, maxResults: 1, continuationToken: token });
      assert.equal(result.sprites.length, 1, `page ${page}`);
      paged.push(...result.sprites.map((s) => s.name));
      if (page < names.length - 1) {
        assert.equal(result.hasMore, true, `page ${page} should say there is more`);
        assert.ok(result.nextContinuationToken, `page ${page} should carry a token`);
        token = result.nextContinuationToken;
      } else {
        assert.equal(result.hasMore, false, 'the last page says there is no more');
      }
    }
    assert.deepEqual(paged, [...names].sort());

    // bulk_load=true is a hint of the hosted service; it changes nothing here.
    assert.deepEqual((await sdk.listSprites({ prefix, bulkLoad: true })).sprites.map((s) => s.name).sort(), names);

    const none = await sdk.listSprites({ prefix: `${prefix}zzz` });
    assert.deepEqual(none.sprites, []);
    assert.equal(none.hasMore, false);
  });

  test('listAllSprites returns every sprite under a prefix as Sprite handles', async (t) => {
    const prefix = `${server.prefix}-sdk-la${randomBytes(2).toString('hex')}-`;
    const names = ['x', 'y', 'z'].map((suffix) => `${prefix}${suffix}`);
    cleanupAfter(t, ...names);
    for (const name of names) await sdk.createSprite(name);
    const all = await sdk.listAllSprites(prefix);
    assert.deepEqual(all.map((s) => s.name).sort(), names);
    for (const sprite of all) assert.ok(sprite instanceof Sprite);
    // A handle from the list is usable as it is.
    const first = all.find((s) => s.name === names[0]);
    assert.ok(first !== undefined);
    assert.equal(String((await first.exec('echo listed')).stdout), 'listed\n');
  });

  test('deleteSprite removes the sprite; getSprite then fails with APIError 404 not_found', async (t) => {
    const name = uniqueName('del');
    cleanupAfter(t, name);
    await sdk.createSprite(name);
    await sdk.deleteSprite(name);
    const error = await rejectsWith(sdk.getSprite(name), APIError);
    assert.equal(error.statusCode, 404);
    assert.equal(error.errorCode, 'not_found');
    assert.match(error.message, new RegExp(name));
    const again = await rejectsWith(sdk.deleteSprite(name), APIError);
    assert.equal(again.statusCode, 404);
    assert.deepEqual((await sdk.listSprites({ prefix: name })).sprites, []);
  });

  test('creating a sprite that exists fails with APIError 409', async (t) => {
    const name = uniqueName('dup');
    cleanupAfter(t, name);
    await sdk.createSprite(name);
    const error = await rejectsWith(sdk.createSprite(name), APIError);
    assert.equal(error.statusCode, 409);
    assert.equal(error.errorCode, 'already_exists');
    // The original is untouched.
    assert.equal(String((await sdk.sprite(name).exec('echo still-here')).stdout), 'still-here\n');
  });

  test('invalid names are refused with APIError 400', async (t) => {
    for (const name of ['Upper-Case', 'has space', '-leading', 'a/b', 'x'.repeat(64), '']) {
      cleanupAfter(t, name);
      const error = await rejectsWith(sdk.createSprite(name), APIError);
      assert.equal(error.statusCode, 400, `create ${JSON.stringify(name)}`);
      assert.equal(error.errorCode, 'invalid_name', `create ${JSON.stringify(name)}`);
    }
    const error = await rejectsWith(sdk.getSprite('Not_Valid'), APIError);
    assert.equal(error.statusCode, 400);
  });

  test('a wrong token gets APIError 401', async () => {
    const stranger = new SpritesClient('not-a-token', { baseURL: server.url });
    const error = await rejectsWith(stranger.listSprites(), APIError);
    assert.equal(error.statusCode, 401);
    assert.equal(error.errorCode, 'unauthorized');
    // A WebSocket exec with a bad token is refused before it opens.
    await assert.rejects(stranger.sprite('whatever').exec('true'), /WebSocket/);
  });
});

describe('SDK exec over WebSocket', () => {
  test('exec splits the command on whitespace and returns stdout', async (t) => {
    const sprite = await fixtureSprite(t);
    const result = await sprite.exec('echo   hello  world');
    assert.deepEqual(result, { stdout: 'hello world\n', stderr: '', exitCode: 0 });
  });

  test('execFile keeps stdout and stderr apart', async (t) => {
    const sprite = await fixtureSprite(t);
    const result = await sprite.execFile('sh', ['-c', 'echo out; echo err >&2; echo out2']);
    assert.equal(result.stdout, 'out\nout2\n');
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.exitCode, 0);
  });

  test('a non-zero exit rejects with ExecError carrying exit code and output', async (t) => {
    const sprite = await fixtureSprite(t);
    const error = await rejectsWith(sprite.execFile('sh', ['-c', 'echo partial; echo oops >&2; exit 3']), ExecError);
    assert.equal(error.exitCode, 3);
    assert.equal(error.stdout, 'partial\n');
    assert.equal(error.stderr, 'oops\n');

    const missing = await rejectsWith(sprite.exec('no-such-command --flag'), ExecError);
    assert.equal(missing.exitCode, 127);
    assert.match(String(missing.stderr), /no-such-command/);
  });

  test('env and cwd options reach the command', async (t) => {
    const sprite = await fixtureSprite(t);
    const result = await sprite.execFile('sh', ['-c', 'printf "%s|%s|" "$GREETING" "$EQUALS"; pwd'], {
      env: { GREETING: 'hello there', EQUALS: 'a=b=c' },
      cwd: '/tmp',
    });
    assert.equal(result.stdout, 'hello there|a=b=c|/tmp\n');
    const bad = await rejectsWith(sprite.exec('pwd', { cwd: '/no/such/dir' }), ExecError);
    assert.equal(bad.exitCode, 1);
  });

  test('spawn passes stdin writes through and stdin.end() closes it', async (t) => {
    const sprite = await fixtureSprite(t);

    const cat = sprite.spawn('cat');
    const catDone = collect(cat);
    await spawned(cat);
    cat.stdin.write('hello ');
    cat.stdin.write(Buffer.from('world\n'));
    cat.stdin.end();
    assert.deepEqual(await catDone, { stdout: 'hello world\n', stderr: '', code: 0 });

    // A larger body in many writes arrives whole and in order.
    const wc = sprite.spawn('wc', ['-c']);
    const wcDone = collect(wc);
    await spawned(wc);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 16; i++) wc.stdin.write(chunk);
    wc.stdin.end();
    const counted = await wcDone;
    assert.equal(counted.code, 0);
    assert.equal(counted.stdout.trim(), String(16 * chunk.length));
  });

  test('one stdin write of the documented maximum, 16 MiB in one WebSocket message, reaches the command intact', async (t) => {
    const sprite = await fixtureSprite(t);
    assert.equal(MAX_EXEC_WRITE_BYTES, 16 * 1024 * 1024);
    const input = randomBytes(MAX_EXEC_WRITE_BYTES);
    const hash = sprite.spawn('sha256sum');
    const hashed = collect(hash);
    await spawned(hash);
    hash.stdin.write(input);
    hash.stdin.end();
    const result = await hashed;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split(' ')[0], createHash('sha256').update(input).digest('hex'));
  });

  test('spawn with a TTY reports the size it was given and follows resize()', async (t) => {
    const sprite = await fixtureSprite(t);
    const cmd = sprite.spawn('sh', ['-c', 'stty size; test -t 0 && echo is-a-tty; read line; stty size'], { tty: true, rows: 24, cols: 80 });
    const done = collect(cmd);
    const sized = waitForOutput(cmd, /24 80\r?\n[\s\S]*is-a-tty/);
    await spawned(cmd);
    await sized;
    cmd.resize(100, 30);
    // The resize message and this input travel on one socket, in order.
    cmd.stdin.write('go\r');
    const result = await done;
    assert.match(result.stdout, /30 100/);
    assert.equal(result.stderr, '', 'a TTY has no separate stderr');
    assert.equal(result.code, 0);
    assert.equal(cmd.exitCode(), 0);
  });

  test('a TTY command that fails exits 1 (the SDK reads only the close code)', async (t) => {
    const sprite = await fixtureSprite(t);
    const cmd = sprite.spawn('sh', ['-c', 'echo bye; exit 5'], { tty: true });
    const result = await collect(cmd);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /bye/);
  });

  test('kill() and signal() reach the command and its process group', async (t) => {
    const sprite = await fixtureSprite(t);

    const started = Date.now();
    const sleeper = sprite.spawn('sleep', ['30']);
    const sleeperDone = collect(sleeper);
    await spawned(sleeper);
    sleeper.kill();
    const killed = await sleeperDone;
    assert.equal(killed.code, 128 + 15, 'SIGTERM gives 128+15');
    assert.ok(Date.now() - started < 10_000);

    const hard = sprite.spawn('sleep', ['30']);
    const hardDone = collect(hard);
    await spawned(hard);
    hard.signal('KILL');
    assert.equal((await hardDone).code, 128 + 9);

    // A shell with a trap sees the signal (named without the SIG prefix) and exits its own way.
    const trapper = sprite.spawn('sh', ['-c', 'trap "echo got-int; exit 7" INT; echo ready; while :; do sleep 1; done']);
    const trapperDone = collect(trapper);
    const ready = waitForOutput(trapper, /ready/);
    await spawned(trapper);
    await ready;
    trapper.signal('INT');
    const trapped = await trapperDone;
    assert.equal(trapped.code, 7);
    assert.match(trapped.stdout, /got-int/);
  });

  test('output written just before exit is never lost', async (t) => {
    const sprite = await fixtureSprite(t);
    const result = await sprite.execFile('sh', ['-c', 'seq 1 20000; echo tail >&2']);
    const lines = String(result.stdout).trimEnd().split('\n');
    assert.equal(lines.length, 20000);
    assert.equal(lines.at(-1), '20000');
    assert.equal(result.stderr, 'tail\n');
  });

  test('30 quick execs in a row and 10 at once each get all their output', async (t) => {
    const sprite = await fixtureSprite(t);
    for (let i = 0; i < 30; i++) {
      const result = await sprite.exec(`echo quick-${i}`);
      assert.deepEqual(result, { stdout: `quick-${i}\n`, stderr: '', exitCode: 0 }, `exec ${i}`);
    }
    const parallel = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sprite.execFile('sh', ['-c', `echo par-${i}; echo err-${i} >&2`])),
    );
    parallel.forEach((result, i) => {
      assert.equal(result.stdout, `par-${i}\n`);
      assert.equal(result.stderr, `err-${i}\n`);
    });
  });

  test('exec on a sprite that does not exist fails before it opens', async () => {
    await assert.rejects(sdk.sprite(uniqueName('ghost')).exec('true'), /WebSocket/);
  });
});

/**
 * HTTP exec frames carry no length: the SDK takes each chunk its body reader returns as one
 * frame, and the server can only space its writes (a few ms) and hope the client reads each
 * before the next arrives. A client that falls behind (a busy host) gets two frames merged in
 * one read. These tests check what the server sends, so their commands leave 100 ms between
 * outputs and before exiting; with back-to-back frames they would test the host's scheduler.
 */
const SPACE = 'sleep 0.1';

describe('SDK exec over HTTP (execFileHTTP)', () => {
  test('stdout, stderr and exit code come back framed', async (t) => {
    const sprite = await fixtureSprite(t);
    const result = await sprite.execFileHTTP('sh', ['-c', `echo out; ${SPACE}; echo err >&2; ${SPACE}`]);
    assert.deepEqual(result, { stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    // A command with no output at all is just the exit frame.
    assert.deepEqual(await sprite.execFileHTTP('true'), { stdout: '', stderr: '', exitCode: 0 });
  });

  test('input becomes stdin; without input stdin is empty', async (t) => {
    const sprite = await fixtureSprite(t);
    assert.equal((await sprite.execFileHTTP('sh', ['-c', `cat; ${SPACE}`], { input: 'piped in\n' })).stdout, 'piped in\n');
    const counted = await sprite.execFileHTTP('sh', ['-c', `wc -c; ${SPACE}`], { input: Buffer.alloc(100_000, 'y') });
    assert.equal(String(counted.stdout).trim(), '100000');
    assert.equal(String((await sprite.execFileHTTP('sh', ['-c', `wc -c; ${SPACE}`], { input: '' })).stdout).trim(), '0');
    // No input: cat must see EOF at once, not hang.
    assert.equal((await sprite.execFileHTTP('cat', [], { timeout: 10_000 })).stdout, '');
  });

  test('env and cwd options reach the command', async (t) => {
    const sprite = await fixtureSprite(t);
    // One write, so one frame.
    const result = await sprite.execFileHTTP('sh', ['-c', `printf '%s\\n%s\\n' "$A" "$(pwd)"; ${SPACE}`], { env: { A: 'x=y z' }, cwd: '/etc' });
    assert.equal(result.stdout, 'x=y z\n/etc\n');
  });

  test('a non-zero exit rejects with ExecError', async (t) => {
    const sprite = await fixtureSprite(t);
    const error = await rejectsWith(sprite.execFileHTTP('sh', ['-c', `echo x; ${SPACE}; echo y >&2; ${SPACE}; exit 4`]), ExecError);
    assert.equal(error.exitCode, 4);
    assert.equal(error.stdout, 'x\n');
    assert.equal(error.stderr, 'y\n');
    assert.equal((await rejectsWith(sprite.execFileHTTP('false'), ExecError)).exitCode, 1);
  });

  test('a sprite that does not exist is APIError 404', async () => {
    const error = await rejectsWith(sdk.sprite(uniqueName('ghost')).execFileHTTP('true'), APIError);
    assert.equal(error.statusCode, 404);
    assert.equal(error.errorCode, 'not_found');
  });
});
