/**
 * The supervisor with real processes on the host (as root, like the agent in a sprite), its
 * definitions and logs in a temporary directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import type { ServiceJson } from '../../shared/protocol.js';
import type { ServiceDefinition } from './definition.js';
import type { ServiceEvent } from './output.js';
import { RESTART_BASE_DELAY_MS } from './runner.js';
import { Supervisor } from './supervisor.js';

interface Harness {
  dir: string;
  make: () => Supervisor;
}

function harness(t: test.TestContext): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'hob-services-'));
  const made: Supervisor[] = [];
  t.after(async () => {
    for (const supervisor of made) await supervisor.shutdown(500);
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (): Supervisor => {
    const supervisor = new Supervisor({
      servicesDir: join(dir, 'services'),
      logsDir: join(dir, 'logs'),
      settings: () => ({ user: 'root', environment: { BASE: 'sprite', OVER: 'sprite' } }),
      sandboxed: false,
      log: () => undefined,
    });
    made.push(supervisor);
    return supervisor;
  };
  return { dir, make };
}

function define(name: string, script: string, extra: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return { name, cmd: 'sh', args: ['-c', script], env: {}, needs: [], ...extra };
}

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const outputOf = (supervisor: Supervisor, name: string): string => supervisor.runner(name).output.tail(1000).map((line) => line.data ?? '').join('');

test('a service runs with its environment, is stopped for good (also for the next agent) and started again', async (t) => {
  const { dir, make } = harness(t);
  const supervisor = make();
  const { done } = supervisor.put(define('web', 'echo "$BASE $OVER $PWD"; exec sleep 1000', { env: { OVER: 'mine' }, dir: '/tmp' }));
  await done;
  const running = supervisor.get('web');
  assert.equal(running.state.status, 'running');
  assert.ok(running.state.pid !== undefined && alive(running.state.pid));
  assert.equal(await until('its output', () => (outputOf(supervisor, 'web').includes('\n') ? outputOf(supervisor, 'web') : undefined)), 'sprite mine /tmp\n');
  assert.equal(readFileSync(join(dir, 'logs', 'web.log'), 'utf8'), 'sprite mine /tmp\n');

  await supervisor.stop('web', 2000).done;
  assert.equal(supervisor.get('web').state.status, 'stopped');
  assert.equal(alive(running.state.pid ?? 0), false, 'its process is gone');
  assert.throws(() => supervisor.stop('web', 2000), (error: unknown) => error instanceof HobError && error.code === 'conflict');

  const next = make();
  next.startAll();
  assert.equal(next.get('web').state.status, 'stopped', 'a stop is kept in its definition');
  await next.start('web').done;
  assert.equal(next.get('web').state.status, 'running');
  assert.throws(() => next.start('web'), (error: unknown) => error instanceof HobError && error.code === 'conflict', 'a running service is not started twice');
  await supervisor.shutdown(500);
});

test('a crashing service is restarted after growing delays, and its restart count grows', async (t) => {
  const { make } = harness(t);
  const supervisor = make();
  const events: ServiceEvent[] = [];
  const { runner, done } = supervisor.put(define('crash', 'echo up; exit 3'));
  runner.output.subscribe((event) => events.push(event));
  await done;
  const state = await until('three restarts', () => {
    const current = supervisor.get('crash').state;
    return current.restart_count >= 3 ? current : undefined;
  });
  const starts = events.filter((e) => e.type === 'started').map((e) => e.timestamp);
  const exits = events.filter((e) => e.type === 'exit');
  assert.ok(exits.every((e) => e.exit_code === 3));
  const gaps = starts.slice(1).map((start, i) => start - (exits[i]?.timestamp ?? 0));
  assert.ok(gaps.length >= 2, `${gaps.length} restarts seen`);
  assert.ok((gaps[0] ?? 0) >= RESTART_BASE_DELAY_MS - 20 && (gaps[0] ?? 0) < RESTART_BASE_DELAY_MS * 2, `first delay ${String(gaps[0])} ms`);
  assert.ok((gaps[1] ?? 0) >= RESTART_BASE_DELAY_MS * 2 - 20, `second delay ${String(gaps[1])} ms doubles`);
  assert.ok(['running', 'failed'].includes(state.status));

  // Caught waiting for a restart: a stop calls it off.
  const waiting = await until('a restart due', () => {
    const current = supervisor.get('crash').state;
    return current.next_restart_at !== undefined ? current : undefined;
  });
  assert.equal(waiting.status, 'failed');
  assert.equal(waiting.error, 'exited with status 3');
  await supervisor.stop('crash', 1000).done;
  const stopped = supervisor.get('crash').state;
  await new Promise((resolve) => setTimeout(resolve, RESTART_BASE_DELAY_MS * 4));
  assert.deepEqual(supervisor.get('crash').state, stopped, 'nothing restarts a stopped service');
  assert.equal(stopped.next_restart_at, undefined);
});

test('needs order the starts; missing needs, cycles, a second http_port and deleting a need are refused', async (t) => {
  const { make } = harness(t);
  const supervisor = make();
  const code = (error: unknown): string => (error instanceof HobError ? error.code : 'not a HobError');
  await supervisor.put(define('db', 'exec sleep 1000', { http_port: 5432 })).done;
  await supervisor.put(define('api', 'exec sleep 1000', { needs: ['db'] })).done;
  await supervisor.put(define('web', 'exec sleep 1000', { needs: ['api'] })).done;
  assert.throws(() => supervisor.put(define('x', 'true', { needs: ['ghost'] })), (e: unknown) => code(e) === 'bad_request' && /needs ghost, which does not exist/.test(String(e)));
  assert.throws(() => supervisor.put(define('db', 'true', { needs: ['web'] })), (e: unknown) => code(e) === 'bad_request' && /cycle: db → web → api → db/.test(String(e)));
  assert.throws(() => supervisor.put(define('web', 'true', { needs: ['api'], http_port: 8080 })), (e: unknown) => code(e) === 'conflict' && /another service already has an HTTP port/.test(String(e)));
  await assert.rejects(supervisor.delete('db'), (e: unknown) => code(e) === 'conflict' && /needed by api/.test(String(e)));
  assert.deepEqual(supervisor.list().map((s) => s.name), ['api', 'db', 'web'], 'nothing refused was recorded');
  await supervisor.shutdown(500);

  // A new agent starts them in the order they need each other: their pids say which went first.
  const next = make();
  next.startAll();
  const pid = (name: string): number => next.get(name).state.pid ?? 0;
  assert.ok(pid('db') < pid('api') && pid('api') < pid('web'), `db ${pid('db')} < api ${pid('api')} < web ${pid('web')}`);
  assert.equal(next.comingUp(5432), true, 'its http_port is coming up right after it starts');
  assert.equal(next.comingUp(8080), false);
  await next.delete('web');
  assert.throws(() => next.get('web'), (e: unknown) => code(e) === 'not_found');
  assert.deepEqual(next.list().map((s: ServiceJson) => s.name), ['api', 'db']);
});

test('a service that forks and exits does not take the supervisor with it; what is left of its session is killed', async (t) => {
  const { dir, make } = harness(t);
  const supervisor = make();
  const pids = join(dir, 'pids');
  // One child stays in the session (killed when the service exits), one leaves it and keeps the
  // service's stdout open, writing to it.
  const script = `sleep 1000 & echo $! >> ${pids}.kept; setsid sh -c 'echo $$ >> ${pids}.daemon; while :; do echo tick; sleep 0.05; done' & exit 0`;
  try {
    await forkAndExit(supervisor, pids, script);
  } finally {
    // Daemons are nobody's to stop but whoever started them; they hold this process's pipes open.
    for (const pid of existsSync(`${pids}.daemon`) ? readFileSync(`${pids}.daemon`, 'utf8').split('\n').filter(Boolean) : []) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone.
      }
    }
  }
});

async function forkAndExit(supervisor: Supervisor, pids: string, script: string): Promise<void> {
  await supervisor.put(define('forker', script)).done;
  await until('a restart', () => (supervisor.get('forker').state.restart_count >= 1 ? true : undefined));
  const kept = readFileSync(`${pids}.kept`, 'utf8').split('\n').filter(Boolean).map(Number);
  await until('its session child killed', () => (alive(kept[0] ?? 0) ? undefined : true));
  await until('the daemon’s output', () => (outputOf(supervisor, 'forker').includes('tick') ? true : undefined));
  assert.equal(supervisor.get('forker').state.error, 'exited with status 0');
  await supervisor.put(define('other', 'exec sleep 1000')).done;
  assert.equal(supervisor.get('other').state.status, 'running', 'the supervisor serves on');
  await supervisor.stop('forker', 1000).done;
  assert.equal(supervisor.get('forker').state.status, 'stopped');
}

test('a signal reaches the service’s process; one that is not running is a conflict', async (t) => {
  const { make } = harness(t);
  const supervisor = make();
  await supervisor.put(define('trap', 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.05; done')).done;
  await until('it is ready', () => (outputOf(supervisor, 'trap').includes('ready') ? true : undefined));
  supervisor.signal('trap', 'SIGUSR1');
  await until('the trap', () => (outputOf(supervisor, 'trap').includes('got-usr1') ? true : undefined));
  await supervisor.stop('trap', 1000).done;
  assert.throws(() => supervisor.signal('trap', 'SIGHUP'), (error: unknown) => error instanceof HobError && error.code === 'conflict');
  assert.throws(() => supervisor.signal('ghost', 'SIGHUP'), (error: unknown) => error instanceof HobError && error.code === 'not_found');
});

test('a service that cannot start is failed with a shell’s message, and not retried', async (t) => {
  const { make } = harness(t);
  const supervisor = make();
  await supervisor.put({ name: 'missing', cmd: 'no-such-program-here', args: [], env: {}, needs: [] }).done;
  const state = supervisor.get('missing').state;
  assert.equal(state.status, 'failed');
  assert.equal(state.error, 'hob: no-such-program-here: command not found');
  assert.equal(state.next_restart_at, undefined);
  await supervisor.put({ name: 'nouser', cmd: 'true', args: [], env: {}, needs: [], user: 'nobody-at-all' }).done;
  assert.match(supervisor.get('nouser').state.error ?? '', /no user "nobody-at-all"/);
});
