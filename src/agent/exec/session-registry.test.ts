import assert from 'node:assert/strict';
import test from 'node:test';
import { ExecSession } from './exec-session.js';
import { SessionRegistry } from './session-registry.js';

function session(id: string): ExecSession {
  const s = new ExecSession({
    cmd: ['sh', '-c', 'true'],
    workdir: '/',
    tty: true,
    cols: 80,
    rows: 24,
    scrollbackBytes: 1024,
    maxRunAfterDisconnectMs: 0,
    keepaliveMs: 15_000,
    hangupGraceMs: 1000,
    execId: 1,
    log: () => undefined,
  });
  s.id = id;
  return s;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('ended sessions stay listed with their exit code, bounded in number and age', async () => {
  let now = Date.now();
  const registry = new SessionRegistry({ maxLive: 3, maxEnded: 2, endedRetentionMs: 60_000 }, () => now);
  const sessions = ['10', '11', '12'].map(session);
  for (const s of sessions) registry.add(s);
  assert.ok(registry.full);
  assert.deepEqual(registry.list().map((s) => [s.id, s.is_active]), [['10', true], ['11', true], ['12', true]]);
  for (const [i, s] of sessions.entries()) s.exit(i);
  await settle();
  assert.equal(registry.liveCount, 0);
  assert.deepEqual(registry.list().map((s) => [s.id, s.is_active, s.exit_code]), [['11', false, 1], ['12', false, 2]], 'the oldest ended one is dropped');
  assert.equal(registry.get('10'), undefined);
  now += 61_000;
  assert.deepEqual(registry.list(), [], 'and all of them once they are old');
});

test('a reused id (a pid) belongs to the newer session', async () => {
  const registry = new SessionRegistry();
  const old = session('7');
  registry.add(old);
  old.exit(0);
  await settle();
  const newer = session('7');
  registry.add(newer);
  assert.equal(registry.get('7'), newer);
  assert.deepEqual(registry.list().map((s) => s.is_active), [true]);
});
