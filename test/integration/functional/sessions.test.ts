/**
 * Detachable exec sessions through the unmodified `@fly/sprites` SDK on real runc: create one,
 * drop its client, list it, attach (the scrollback, then live output), resize, signal and kill
 * it; several attachers; the after-disconnect limit of a plain exec; sessions across warm
 * sleep, cold sleep and restart; and races with kill and destroy. The contract is the SDK
 * wire-protocol notes §3.7.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test, type TestContext } from 'node:test';
import type { Sprite, SpriteCommand } from '@fly/sprites';
import { clientFor, execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { cleanupDataDir, ensureImage, startServer, uniquePrefix } from '../../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);

before(() => ensureImage(hob, 'tiny'));

async function newSprite(t: TestContext): Promise<Sprite> {
  const created = await spriteFixture(t, server).create();
  return sdk.sprite(created.name);
}

/** Everything a command prints on stdout, and a way to wait for what it has printed so far to match. */
function watch(cmd: SpriteCommand) {
  let seen = '';
  const waiters: Array<() => void> = [];
  cmd.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number>((resolve) => cmd.once('exit', resolve));
  // The SDK may report one failure more than once (the socket's error, then its close).
  const failed = new Promise<Error>((resolve) => cmd.on('error', resolve));
  return {
    exited,
    failed,
    text: () => seen,
    async until(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(seen)) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${String(pattern)}; saw ${JSON.stringify(seen.slice(-300))}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
      }
    },
  };
}

/** The id in the session_info a session's socket starts with. */
function sessionIdOf(cmd: SpriteCommand): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      const info = msg as { type?: unknown; session_id?: unknown }; // any message; its fields are checked here
      if (info.type !== 'session_info') return;
      cmd.off('message', onMessage);
      resolve(String(info.session_id));
    };
    cmd.on('message', onMessage);
  });
}

function started(cmd: SpriteCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    cmd.once('spawn', resolve);
    cmd.on('error', reject);
  });
}

/**
 * Goes away as a client that loses its connection does. The SDK has no detach of its own; its
 * socket wrapper is private to TypeScript only, and closing it is all a vanishing client does.
 */
function drop(cmd: SpriteCommand): void {
  (cmd as unknown as { wsCmd: { close(): void } }).wsCmd.close(); // see above: a runtime field of the SDK's SpriteCommand
}

async function killReport(sprite: Sprite, id: string, signal?: string, timeout?: string): Promise<Array<{ type: string; exitCode?: number; pid?: number; signal?: string }>> {
  const events = [];
  for await (const event of await sprite.killSession(id, signal, timeout)) events.push(event);
  return events;
}

/** Whether `pid` is alive in the sprite, asked through a plain exec. */
async function alive(sprite: Sprite, pid: string): Promise<boolean> {
  return (await execCollect(hob, sprite.name, ['kill', '-0', pid])).code === 0;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a session outlives its client: listed, attached with its scrollback and new output, resized, signalled, killed', async (t) => {
  const sprite = await newSprite(t);
  const script = 'echo "started $$"; trap "echo got-usr1" USR1; while :; do read -r line && { echo "line:$line"; stty size; }; done';
  const session = sprite.createSession('sh', ['-c', script], { cols: 80, rows: 24 });
  const first = watch(session);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  assert.match(id, /^\d+$/);
  await first.until(/started \d+/);
  assert.equal(first.text().match(/started (\d+)/)?.[1], id, 'the session id is its leader pid in the sprite');
  drop(session);
  await first.exited;

  const listed = (await sprite.listSessions()).find((s) => s.id === id);
  assert.ok(listed, 'the dropped session is listed');
  assert.equal(listed.tty, true);
  assert.equal(listed.isActive, true);
  assert.equal(listed.command, `sh -c ${script}`);
  assert.ok(listed.created instanceof Date && !Number.isNaN(listed.created.getTime()));
  assert.ok(listed.lastActivity instanceof Date);
  assert.equal(typeof listed.bytesPerSecond, 'number');

  const attached = sprite.attachSession(id);
  const again = watch(attached);
  await started(attached);
  await again.until(/started \d+/);
  attached.resize(100, 30);
  await new Promise((resolve) => setTimeout(resolve, 200));
  attached.stdin.write('after-attach\r');
  await again.until(/line:after-attach\r?\n30 100/);
  attached.signal('USR1');
  attached.stdin.write('\r');
  await again.until(/got-usr1/);

  const report = await killReport(sprite, id, 'SIGKILL', '2s');
  assert.deepEqual(report.map((e) => e.type), ['signal', 'exited', 'complete']);
  assert.deepEqual([report[0]?.pid, report[0]?.signal], [Number(id), 'SIGKILL']);
  assert.equal(report[2]?.exitCode, 137);
  assert.equal(await again.exited, 1, 'the attached client sees the end (the SDK maps any TTY exit but 0 to 1)');
  const ended = (await sprite.listSessions()).find((s) => s.id === id);
  assert.equal(ended?.isActive, false, 'it stays listed, ended');
  await assert.rejects(killReport(sprite, id), /410|already ended/, 'killing it again is 410 Gone, as on Sprites');
});

test('two clients attached at once both see the output and both can type', async (t) => {
  const sprite = await newSprite(t);
  const session = sprite.createSession('sh', ['-c', 'while read -r line; do echo "echo:$line"; done']);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  drop(session);
  const a = sprite.attachSession(id);
  const b = sprite.attachSession(id);
  const [seenA, seenB] = [watch(a), watch(b)];
  await Promise.all([started(a), started(b)]);
  a.stdin.write('from-a\r');
  b.stdin.write('from-b\r');
  for (const seen of [seenA, seenB]) await seen.until(/echo:from-a[\s\S]*echo:from-b|echo:from-b[\s\S]*echo:from-a/);
  assert.equal((await sprite.listSessions()).find((s) => s.id === id)?.isActive, true);
  a.kill('SIGKILL');
  assert.deepEqual(await Promise.all([seenA.exited, seenB.exited]), [1, 1]);
});

test('a plain exec that loses its client runs for max_run_after_disconnect, then is hung up; it is no session', async (t) => {
  const sprite = await newSprite(t);
  const cmd = sprite.spawn('sh', ['-c', 'echo $$; exec sleep 300'], { maxRunAfterDisconnect: '2s' });
  const seen = watch(cmd);
  await started(cmd);
  await seen.until(/^\d+\n/);
  const pid = seen.text().trim();
  drop(cmd);
  await seen.exited;
  assert.ok(await alive(sprite, pid), 'still running right after its client went');
  assert.deepEqual(await sprite.listSessions(), [], 'a non-TTY exec without detachable is not a session');
  await eventually('the hang-up', async () => !(await alive(sprite, pid)), 8000);
});

test('a session carries on across a warm sleep; attaching wakes the sprite', async (t) => {
  const sprite = await newSprite(t);
  const session = sprite.createSession('sh', ['-c', 'echo before-sleep; while read -r line; do echo "awake:$line"; done']);
  const first = watch(session);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  await first.until(/before-sleep/);
  drop(session);
  await first.exited;
  assert.equal((await hob.sleepSprite(sprite.name)).status, 'warm');
  const attached = sprite.attachSession(id);
  const again = watch(attached);
  await started(attached);
  assert.equal((await hob.getSprite(sprite.name)).status, 'running', 'the attach woke it');
  await again.until(/before-sleep/);
  attached.stdin.write('yes\r');
  await again.until(/awake:yes/);
  assert.equal((await sprite.listSessions()).find((s) => s.id === id)?.isActive, true);
  attached.kill('SIGKILL');
  await again.exited;
});

test('a cold sleep ends the sessions: an attached client gets its end, the list is empty without a boot, an attach is refused', async (t) => {
  const sprite = await newSprite(t);
  const session = sprite.createSession('sh', ['-c', 'echo up; exec sleep 300']);
  const seen = watch(session);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  await seen.until(/up/);
  assert.equal((await hob.sleepSprite(sprite.name, { cold: true })).status, 'cold');
  assert.notEqual(await seen.exited, 0, 'the attached client is told the session is over, not left hanging');
  assert.deepEqual(await sprite.listSessions(), []);
  assert.equal((await hob.getSprite(sprite.name)).status, 'cold', 'listing did not boot it');
  const late = sprite.attachSession(id);
  assert.match((await watch(late).failed).message, /WebSocket|closed before open/);
});

test('a restart or a restore ends the sessions, and the attached client gets its end', async (t) => {
  const sprite = await newSprite(t);
  const endedBy = async (what: string, stop: () => Promise<unknown>): Promise<void> => {
    const session = sprite.createSession('sh', ['-c', 'echo up; exec sleep 300']);
    const seen = watch(session);
    const idPromise = sessionIdOf(session);
    await started(session);
    await idPromise;
    await seen.until(/up/);
    await stop();
    assert.notEqual(await seen.exited, 0, `${what}: the attached client is told`);
    assert.deepEqual(await sprite.listSessions(), [], `${what}: sessions are memory of the sprite, and a boot has none`);
  };
  await endedBy('restart', () => sprite.restart());
  await (await sprite.createCheckpoint('before')).processAll(() => undefined);
  await endedBy('restore', async () => (await sprite.restoreCheckpoint('v0')).processAll(() => undefined));
});

test('race: a kill while a client attaches settles both, with the exit reaching the client', async (t) => {
  const sprite = await newSprite(t);
  const session = sprite.createSession('sh', ['-c', 'echo up; exec sleep 300']);
  const idPromise = sessionIdOf(session);
  const first = watch(session);
  await started(session);
  const id = await idPromise;
  await first.until(/up/);
  drop(session);
  for (let round = 0; round < 3; round++) {
    const other = round === 0 ? id : await nextSession(sprite);
    const attached = sprite.attachSession(other);
    const seen = watch(attached);
    const [report] = await Promise.all([killReport(sprite, other, 'SIGTERM', '2s'), Promise.race([seen.exited, seen.failed])]);
    assert.equal(report.at(-1)?.type, 'complete', `round ${round}: ${JSON.stringify(report)}`);
    assert.equal((await sprite.listSessions()).find((s) => s.id === other)?.isActive, false);
  }
});

async function nextSession(sprite: Sprite): Promise<string> {
  const session = sprite.createSession('sleep', ['300']);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  drop(session);
  return id;
}

test('race: destroying a sprite with clients attached ends them cleanly', async (t) => {
  const fixture = spriteFixture(t, server);
  const created = await fixture.create();
  const sprite = sdk.sprite(created.name);
  const id = await nextSession(sprite);
  const clients = [sprite.attachSession(id), sprite.attachSession(id)].map((cmd) => ({ cmd, seen: watch(cmd) }));
  await Promise.all(clients.map(({ cmd }) => started(cmd)));
  await hob.deleteSprite(created.name);
  fixture.forget(created.name);
  const codes = await Promise.race([
    Promise.all(clients.map(({ seen }) => seen.exited)),
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('an attached client was left hanging')), 10_000)),
  ]);
  for (const code of codes) assert.notEqual(code, 0);
});

test('an attached client keeps a sprite awake; a detached session does not, and goes on where it stopped once woken', { timeout: 90_000 }, async (t) => {
  // A server of this test's own, whose sprites go warm after 1 s without activity.
  const prefix = uniquePrefix();
  const dataDir = join(server.runDir, `sessions-sleep-${prefix}`);
  const sleepy = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', '--idle-timeout', '1s'] });
  const client = clientFor(sleepy);
  t.after(async () => {
    await client.deleteSprite('drowsy').catch(() => undefined);
    await sleepy.stop();
    cleanupDataDir(dataDir, prefix);
  });
  await client.createSprite({ name: 'drowsy', image: 'tiny' });
  const sprite = sdkClient(sleepy).sprite('drowsy');
  const status = async (): Promise<string> => (await client.getSprite('drowsy')).status;

  const session = sprite.createSession('sh', ['-c', 'i=0; while :; do i=$((i+1)); echo "n=$i"; sleep 0.2; done']);
  const first = watch(session);
  const idPromise = sessionIdOf(session);
  await started(session);
  const id = await idPromise;
  await first.until(/n=3\b/);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await status(), 'running', 'idle past the timeout, but a client is attached');
  drop(session);
  await first.exited;
  const counted = Number(/n=(\d+)\s*$/.exec(first.text())?.[1]);
  await eventually('the warm sleep of a sprite whose only session is detached', async () => (await status()) === 'warm', 10_000);

  const attached = sprite.attachSession(id);
  const again = watch(attached);
  await started(attached);
  await again.until(new RegExp(`n=${counted + 5}\\b`));
  assert.equal(await status(), 'running');
  attached.kill('SIGKILL');
  await again.exited;
});
