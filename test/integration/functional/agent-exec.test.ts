/**
 * The agent on the host, driven over its unix socket the way the server drives it (the
 * server relays the SDK's exec socket unchanged, so these frames are what the SDK sees).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { encodeExecQuery, NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS, type ExecRequest } from '../../../src/shared/exec-request.js';
import { decodeFrame, exitCodeFromCloseCode, MAX_EXEC_MESSAGE_BYTES, StreamId } from '../../../src/shared/frames.js';
import { AGENT_ROUTES, type RouteSpec } from '../../../src/shared/protocol.js';
import { parseAgentArgs } from '../../../src/agent/config.js';
import { createAgentServer } from '../../../src/agent/server.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const KEEPALIVE_MS = 300;
const HANGUP_GRACE_MS = 500;

interface RunningAgent {
  dir: string;
  sock: string;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<number | null>;
}

async function startAgent(): Promise<RunningAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'hob-agent-'));
  const sock = join(dir, 'a.sock');
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/agent/main.ts', '--socket', sock, '--keepalive-ms', String(KEEPALIVE_MS), '--hangup-grace-ms', String(HANGUP_GRACE_MS)],
    // The marker must not reach any command: the agent's environment is not the commands'.
    { cwd: REPO, env: { ...process.env, HOB_LEAK_MARKER: 'leaked' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  proc.stdout.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (existsSync(sock)) {
      try {
        await getJson(sock, '/health');
        break;
      } catch {
        // Not ready yet.
      }
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`agent did not start:\n${log}`);
    await sleep(20);
  }
  return {
    dir,
    sock,
    proc,
    log: () => log,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseObject(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>; // test-only: the fields are asserted on
}

function getJson(sock: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: parseObject(text) });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function query(cmd: string[], opts: Partial<ExecRequest> = {}): string {
  return encodeExecQuery({ cmd, env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: true, ...opts }).toString();
}

/** One exec socket, with everything it received. */
class Exec {
  readonly ws: WebSocket;
  readonly frames: Array<{ binary: boolean; data: Buffer }> = [];
  readonly closed: Promise<number>;
  readonly opened: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(sock: string, q: string, path = '/exec') {
    this.ws = new WebSocket(`ws+unix://${sock}:${path}?${q}`);
    this.ws.on('message', (data, isBinary) => {
      this.frames.push({ binary: isBinary, data: Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data) });
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }

  stream(id: number): Buffer {
    return Buffer.concat(this.frames.filter((f) => f.binary && f.data[0] === id).map((f) => f.data.subarray(1)));
  }

  get stdout(): string {
    return this.stream(StreamId.Stdout).toString();
  }

  get stderr(): string {
    return this.stream(StreamId.Stderr).toString();
  }

  /** TTY output: every non-empty binary frame, raw. */
  get ttyOutput(): string {
    return Buffer.concat(this.frames.filter((f) => f.binary).map((f) => f.data)).toString();
  }

  /** Text messages but the `session_info` every session starts with. */
  get texts(): unknown[] {
    return this.allTexts.filter((m) => m.type !== 'session_info');
  }

  get allTexts(): Array<Record<string, unknown>> {
    return this.frames.filter((f) => !f.binary).map((f) => parseObject(f.data.toString()));
  }

  get exitCode(): number | undefined {
    const exit = this.frames.find((f) => f.binary && f.data[0] === StreamId.Exit);
    if (exit === undefined) return undefined;
    const decoded = decodeFrame(exit.data);
    return decoded.stream === StreamId.Exit ? decoded.code : undefined;
  }

  /** Non-empty frames after the exit frame (the SDK drops them, so there must be none). */
  get framesAfterExit(): number {
    const i = this.frames.findIndex((f) => f.binary && f.data[0] === StreamId.Exit);
    return i === -1 ? -1 : this.frames.slice(i + 1).filter((f) => f.data.length > 0).length;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames.map((f) => f.data.toString()))}`);
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), sleep(50)]);
    }
  }

  sendStdin(text: string): void {
    this.ws.send(Buffer.concat([Buffer.from([StreamId.Stdin]), Buffer.from(text)]));
  }

  sendJson(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }
}

async function run(sock: string, q: string): Promise<Exec & { closeCode: number }> {
  const e = new Exec(sock, q);
  const closeCode = await e.closed;
  return Object.assign(e, { closeCode });
}

/** True if the pid is gone or a zombie waiting to be reaped. */
function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

let agent: RunningAgent;
before(async () => {
  agent = await startAgent();
});
after(async () => {
  await agent.stop();
});

describe('agent http', () => {
  test('the routes the agent registers are exactly AGENT_ROUTES', () => {
    const server = createAgentServer({ config: parseAgentArgs(['--socket', '/unused']), log: () => {}, startedAtMs: 0 });
    const key = (r: RouteSpec): string => `${r.method} ${r.path}`;
    assert.deepEqual(server.routes.map(key).sort(), AGENT_ROUTES.map(key).sort());
  });

  test('GET /health answers AgentHealth', async () => {
    const { status, body } = await getJson(agent.sock, '/health');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['agent_version', 'pid', 'uptime_ms']);
    assert.equal(body.pid, agent.proc.pid);
  });

  test('unknown routes are 404 JSON', async () => {
    const { status, body } = await getJson(agent.sock, '/nope');
    assert.equal(status, 404);
    assert.equal(body.error, 'not_found');
  });

  test('a bad exec query is refused with 400 and a JSON body', async () => {
    for (const q of ['stdin=true', 'cmd=ls&rows=0&tty=true', 'cmd=ls&env=1BAD%3Dx', 'cmd=ls&dir=relative']) {
      const res = await refusedUpgrade(agent.sock, `/exec?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(parseObject(res.body).error, 'bad_request');
    }
  });

  test('an upgrade on an unknown path is refused with 404', async () => {
    assert.equal((await refusedUpgrade(agent.sock, '/nope?cmd=ls')).status, 404);
  });
});

/** The HTTP answer to an upgrade the agent must refuse. */
function refusedUpgrade(sock: string, path: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`ws+unix://${sock}:${path}`);
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error(`upgrade accepted for ${path}`)));
    ws.on('error', () => {});
  });
}

describe('non-TTY exec', () => {
  test('stdout and stderr are separate, the exit frame is last, close is 1000', async () => {
    const e = await run(agent.sock, query(['sh', '-c', 'echo out; echo err >&2; echo out2']));
    assert.equal(e.stdout, 'out\nout2\n');
    assert.equal(e.stderr, 'err\n');
    assert.equal(e.exitCode, 0);
    assert.equal(e.framesAfterExit, 0);
    assert.equal(e.closeCode, 1000);
  });

  test('exit codes: 0, 3, 127 not found, 126 not executable, 128+signal', async () => {
    assert.equal((await run(agent.sock, query(['true']))).exitCode, 0);
    assert.equal((await run(agent.sock, query(['sh', '-c', 'exit 3']))).exitCode, 3);
    const missing = await run(agent.sock, query(['no-such-command-xyz', 'arg']));
    assert.equal(missing.exitCode, 127);
    assert.equal(missing.stderr, 'hob: no-such-command-xyz: command not found\n');
    const missingPath = await run(agent.sock, query(['/no/such/file']));
    assert.equal(missingPath.exitCode, 127);
    assert.match(missingPath.stderr, /No such file or directory/);
    const plainFile = join(agent.dir, 'plain');
    writeFileSync(plainFile, 'echo hi\n', { mode: 0o644 });
    const notExec = await run(agent.sock, query([plainFile]));
    assert.equal(notExec.exitCode, 126);
    assert.match(notExec.stderr, /Permission denied/);
    assert.equal((await run(agent.sock, query(['sh', '-c', 'kill -KILL $$']))).exitCode, 137);
  });

  test('fast commands lose no output (200 runs, 10 at a time)', async () => {
    const failures: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const n = batch * 10 + i;
          const e = await run(agent.sock, query(['echo', `hello-${n}`]));
          if (e.stdout !== `hello-${n}\n` || e.exitCode !== 0 || e.framesAfterExit !== 0) failures.push(`${n}: ${JSON.stringify(e.stdout)} exit ${String(e.exitCode)}`);
        }),
      );
    }
    assert.deepEqual(failures, []);
  });

  test('stdout and stderr of an instantly exiting shell both arrive (100 runs)', async () => {
    for (let n = 0; n < 100; n++) {
      const e = await run(agent.sock, query(['sh', '-c', `printf a${n}; printf b${n} >&2; exit 5`]));
      assert.equal(e.stdout, `a${n}`);
      assert.equal(e.stderr, `b${n}`);
      assert.equal(e.exitCode, 5);
    }
  });

  test('large output arrives whole and in order', async () => {
    const e = await run(agent.sock, query(['sh', '-c', 'seq 1 200000']));
    const expected = Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join('');
    assert.equal(e.stdout.length, expected.length);
    assert.ok(e.stdout === expected);
    assert.equal(e.exitCode, 0);
  });

  test('stdin data and EOF reach cat', async () => {
    const e = new Exec(agent.sock, query(['cat']));
    await e.opened;
    e.sendStdin('hello ');
    e.sendStdin('world');
    e.ws.send(Buffer.from([StreamId.StdinEof]));
    await e.closed;
    assert.equal(e.stdout, 'hello world');
    assert.equal(e.exitCode, 0);
  });

  test('stdin=false closes stdin at once', async () => {
    const e = await run(agent.sock, query(['cat'], { stdin: false }));
    assert.equal(e.stdout, '');
    assert.equal(e.exitCode, 0);
  });

  test('env is exactly the default plus the request', async () => {
    const e = await run(agent.sock, query(['env'], { env: { FOO: 'a=b c', HOME: '/home/x' } }));
    const env = Object.fromEntries(
      e.stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(Object.keys(env).sort(), ['FOO', 'HOME', 'HOSTNAME', 'LOGNAME', 'PATH', 'SHELL', 'USER']);
    assert.equal(env.FOO, 'a=b c');
    assert.equal(env.HOME, '/home/x');
    assert.equal(env.USER, 'root');
    assert.equal(env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.equal(env.HOB_LEAK_MARKER, undefined);
  });

  test('dir sets the working directory; default is /; a bad dir exits 1', async () => {
    assert.equal((await run(agent.sock, query(['pwd'], { dir: '/tmp' }))).stdout, '/tmp\n');
    assert.equal((await run(agent.sock, query(['pwd']))).stdout, '/\n');
    const bad = await run(agent.sock, query(['pwd'], { dir: '/no/such/dir' }));
    assert.equal(bad.exitCode, 1);
    assert.equal(bad.stderr, 'hob: cd: /no/such/dir: No such file or directory\n');
  });

  test('a long argument fits in the request line', async () => {
    const long = 'x'.repeat(100_000);
    const e = await run(agent.sock, query(['printf', '%s', long]));
    assert.equal(e.stdout.length, long.length);
  });

  test('signals reach the process group, in every spelling', async () => {
    for (const [signal, code] of [
      ['TERM', 143],
      ['SIGTERM', 143],
      ['int', 130],
      ['9', 137],
    ] as const) {
      const e = new Exec(agent.sock, query(['sleep', '30']));
      await e.opened;
      await sleep(50);
      e.sendJson({ type: 'signal', signal });
      assert.equal(await e.closed, 1000);
      assert.equal(e.exitCode, code, signal);
    }
  });

  test('unknown signals and junk messages are ignored', async () => {
    const e = new Exec(agent.sock, query(['sh', '-c', 'read x; echo got $x']));
    await e.opened;
    e.sendJson({ type: 'signal', signal: 'NOPE' });
    e.sendJson({ type: 'whatever' });
    e.ws.send('not json');
    e.ws.send(Buffer.from([0x07, 1, 2, 3]));
    e.ws.send(Buffer.alloc(0));
    e.sendStdin('it\n');
    await e.closed;
    assert.equal(e.stdout, 'got it\n');
    assert.equal(e.exitCode, 0);
  });

  test('a background child holding the pipes does not hold up the exit', async () => {
    const started = Date.now();
    const e = await run(agent.sock, query(['sh', '-c', 'sleep 3 & echo $!; echo done']));
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    const [pid, done] = e.stdout.trim().split('\n');
    assert.equal(done, 'done');
    assert.equal(e.exitCode, 0);
    process.kill(Number(pid), 'SIGKILL');
  });

  test('a lost client leaves the command max_run_after_disconnect, then its whole process group is killed, even processes that ignore SIGHUP', async () => {
    const pidFile = join(agent.dir, 'pids');
    const maxRunMs = 600;
    // trap "" HUP is inherited by the background sleep, so only the SIGKILL escalation ends them.
    const e = new Exec(agent.sock, query(['sh', '-c', `trap "" HUP; sleep 300 & echo $$ $! > ${pidFile}; wait`], { maxRunAfterDisconnectMs: maxRunMs }));
    await e.opened;
    assert.ok(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' '), 5000));
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    e.ws.terminate();
    await sleep(maxRunMs + HANGUP_GRACE_MS / 2);
    assert.ok(pids.every((pid) => !isDead(pid)), 'it runs on after its client, and SIGHUP is ignored, so they live until the grace ends');
    assert.ok(await waitUntil(() => pids.every(isDead), HANGUP_GRACE_MS + 2000), `still alive: ${pids.join(' ')}`);
  });

  test('a non-TTY exec outlives its client for 10 s by default', async () => {
    const pidFile = join(agent.dir, 'default-pid');
    const e = new Exec(agent.sock, query(['sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`]));
    await e.opened;
    assert.ok(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 5000));
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    e.ws.terminate();
    await sleep(1500);
    assert.ok(!isDead(pid), 'still running 1.5 s after its client went');
    assert.ok(await waitUntil(() => isDead(pid), NON_TTY_MAX_RUN_AFTER_DISCONNECT_MS + HANGUP_GRACE_MS + 2000), 'hung up after 10 s');
  });

  test('a silent command gets keepalive frames', async () => {
    const e = await run(agent.sock, query(['sleep', '1']));
    const empties = e.frames.filter((f) => f.binary && f.data.length === 0).length;
    assert.ok(empties >= 2, `only ${empties} keepalive frames`);
    assert.equal(e.exitCode, 0);
  });

  test('many execs at once run independently', async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => run(agent.sock, query(['sh', '-c', `sleep 0.5; echo ${i}; exit ${i % 4}`]))));
    results.forEach((e, i) => {
      assert.equal(e.stdout, `${i}\n`);
      assert.equal(e.exitCode, i % 4);
    });
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  });

  test('a message over the documented bound closes the socket with 1009 and the agent keeps serving', async () => {
    const e = new Exec(agent.sock, query(['sleep', '30']));
    await e.opened;
    e.ws.send(Buffer.alloc(MAX_EXEC_MESSAGE_BYTES + 1));
    assert.equal(await e.closed, 1009);
    assert.equal((await getJson(agent.sock, '/health')).status, 200);
  });
});

describe('TTY exec', () => {
  const tty = (cmd: string[], opts: Partial<ExecRequest> = {}): string => query(cmd, { tty: true, ...opts });

  test('runs on a pty; exit 0 closes 1000 after an exit message', async () => {
    const e = await run(agent.sock, tty(['tty']));
    assert.match(e.ttyOutput, /^\/dev\/pts\/\d+\r\n$/);
    assert.deepEqual(e.texts, [{ type: 'exit', exit_code: 0 }]);
    assert.equal(e.closeCode, 1000);
  });

  test('a non-zero exit is carried by the close code 4000+N and the exit message', async () => {
    const e = await run(agent.sock, tty(['sh', '-c', 'echo bye; exit 7']));
    assert.equal(e.ttyOutput, 'bye\r\n');
    assert.deepEqual(e.texts, [{ type: 'exit', exit_code: 7 }]);
    assert.equal(exitCodeFromCloseCode(e.closeCode), 7);
  });

  test('output written just before exit is not lost (50 runs)', async () => {
    for (let n = 0; n < 50; n++) {
      const e = await run(agent.sock, tty(['sh', '-c', `seq 1 200; echo done-${n}`]));
      assert.ok(e.ttyOutput.endsWith(`200\r\ndone-${n}\r\n`), `run ${n}: ${JSON.stringify(e.ttyOutput.slice(-40))}`);
      assert.equal(e.closeCode, 1000);
    }
  });

  test('rows and cols are applied, and resize changes them', async () => {
    const e = new Exec(agent.sock, tty(['sh', '-c', 'stty size; read x; stty size'], { rows: 24, cols: 80 }));
    await e.opened;
    await e.waitFor(() => e.ttyOutput.includes('24 80\r\n'));
    e.sendJson({ type: 'resize', cols: 100, rows: 30 });
    await sleep(50);
    e.ws.send(Buffer.from('\n'));
    await e.closed;
    assert.match(e.ttyOutput, /24 80\r\n[\s\S]*30 100\r\n$/);
  });

  test('raw input reaches the program; TERM defaults to xterm-256color', async () => {
    const e = new Exec(agent.sock, tty(['sh', '-c', 'read x; echo "[$x] $TERM"']));
    await e.opened;
    e.ws.send(Buffer.from('hi\r'));
    await e.closed;
    assert.match(e.ttyOutput, /\[hi\] xterm-256color\r\n$/);
  });

  test('a signal message reaches the command; exit is 128+N', async () => {
    const e = new Exec(agent.sock, tty(['sleep', '30']));
    await e.opened;
    await sleep(100);
    e.sendJson({ type: 'signal', signal: 'SIGINT' });
    assert.equal(await e.closed, 4130);
    assert.deepEqual(e.texts, [{ type: 'exit', exit_code: 130 }]);
  });

  test('a missing command says so and exits 127', async () => {
    const e = await run(agent.sock, tty(['no-such-command-xyz']));
    assert.equal(e.ttyOutput, 'hob: no-such-command-xyz: command not found\r\n');
    assert.equal(e.closeCode, 4127);
  });

  test('with max_run_after_disconnect, a lost client kills the whole terminal session, jobs in other process groups included', async () => {
    const pidFile = join(agent.dir, 'tty-pids');
    // set -m gives the background job a process group of its own; trap "" HUP makes it
    // ignore the hang-up, so only the session-wide SIGKILL ends it.
    const script = `trap "" HUP; set -m; sleep 300 & echo $$ $! > ${pidFile}; wait`;
    const e = new Exec(agent.sock, tty(['sh', '-c', script], { maxRunAfterDisconnectMs: 1 }));
    await e.opened;
    assert.ok(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' '), 5000));
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    const pgids = pids.map((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    assert.notEqual(pgids[0], pgids[1], 'the job should have its own process group');
    e.ws.terminate();
    assert.ok(await waitUntil(() => pids.every(isDead), HANGUP_GRACE_MS + 2000), `still alive: ${pids.join(' ')}`);
  });
});

function postLines(sock: string, path: string): Promise<{ status: number; lines: Record<string, unknown>[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path, method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const ok = (res.statusCode ?? 0) === 200;
        resolve({ status: res.statusCode ?? 0, body, lines: ok ? body.split('\n').filter((l) => l !== '').map(parseObject) : [] });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function listSessions(sock: string): Promise<Array<Record<string, unknown>>> {
  const { body } = await getJson(sock, '/sessions');
  return body.sessions as Array<Record<string, unknown>>; // asserted on by the callers
}

/** The id a session's first message names. */
async function sessionIdOf(e: Exec): Promise<string> {
  await e.waitFor(() => e.allTexts.length > 0);
  const info = e.allTexts[0];
  assert.equal(info?.type, 'session_info', 'session_info comes first');
  return String(info.session_id);
}

describe('sessions', () => {
  const tty = (cmd: string[], opts: Partial<ExecRequest> = {}): string => query(cmd, { tty: true, ...opts });
  const attach = (id: string): Exec => new Exec(agent.sock, new URLSearchParams({ id }).toString(), '/sessions/attach');

  test('a TTY exec outlives its client; it is listed, and an attach gets session_info, the scrollback, then live output, and can type', async () => {
    const owner = new Exec(agent.sock, tty(['sh', '-c', 'echo before-detach; while read line; do echo "got $line"; done'], { cols: 100, rows: 30 }));
    await owner.opened;
    const id = await sessionIdOf(owner);
    assert.deepEqual(owner.allTexts[0], { type: 'session_info', session_id: Number(id), command: 'sh', created: owner.allTexts[0]?.created, tty: true, is_owner: true, cols: 100, rows: 30 });
    await owner.waitFor(() => owner.ttyOutput.includes('before-detach'));
    owner.ws.terminate();
    await sleep(200);
    assert.ok(!isDead(Number(id)), 'the session runs on without its client');
    const listed = (await listSessions(agent.sock)).find((s) => s.id === id);
    assert.ok(listed !== undefined, 'listed');
    assert.deepEqual(
      [listed.command, listed.tty, listed.is_active, listed.attached_clients, listed.workdir, typeof listed.bytes_per_second, typeof listed.created, typeof listed.last_activity],
      ['sh -c echo before-detach; while read line; do echo "got $line"; done', true, true, 0, '/', 'number', 'string', 'string'],
    );

    const again = attach(id);
    await again.opened;
    await again.waitFor(() => again.ttyOutput.includes('before-detach'));
    assert.deepEqual(again.frames[0] !== undefined && !again.frames[0].binary, true, 'the first frame is text');
    assert.equal(again.allTexts[0]?.is_owner, false);
    again.ws.send(Buffer.from('hello\r'));
    await again.waitFor(() => again.ttyOutput.includes('got hello'));
    again.sendJson({ type: 'signal', signal: 'TERM' });
    assert.equal(await again.closed, 4143);
    const ended = (await listSessions(agent.sock)).find((s) => s.id === id);
    assert.deepEqual([ended?.is_active, ended?.exit_code, typeof ended?.ended_at], [false, 143, 'string'], 'an ended session stays listed with its exit code');
    const late = attach(id);
    assert.equal(await late.closed, 4143, 'attaching to an ended session gives its exit');
    assert.match(late.ttyOutput, /before-detach[\s\S]*got hello/, '…after its output');
  });

  test('two clients at once both see the output, and either can type', async () => {
    const owner = new Exec(agent.sock, tty(['sh', '-c', 'while read line; do echo "echo:$line"; done']));
    await owner.opened;
    const id = await sessionIdOf(owner);
    const second = attach(id);
    await second.opened;
    await second.waitFor(() => second.allTexts.length > 0);
    owner.ws.send(Buffer.from('from-owner\r'));
    second.ws.send(Buffer.from('from-second\r'));
    for (const e of [owner, second]) await e.waitFor(() => e.ttyOutput.includes('echo:from-owner') && e.ttyOutput.includes('echo:from-second'));
    owner.ws.close();
    await sleep(100);
    second.ws.send(Buffer.from('still-here\r'));
    await second.waitFor(() => second.ttyOutput.includes('echo:still-here'));
    second.sendJson({ type: 'signal', signal: 'KILL' });
    assert.equal(await second.closed, 4137);
  });

  test('kill reports signal, exited and complete; an ended session is 410, an unknown one 404', async () => {
    const owner = new Exec(agent.sock, tty(['sleep', '300']));
    await owner.opened;
    const id = await sessionIdOf(owner);
    owner.ws.terminate();
    const killed = await postLines(agent.sock, `/sessions/kill?id=${id}&signal=SIGTERM&timeout_ms=5000`);
    assert.equal(killed.status, 200, killed.body);
    assert.deepEqual(killed.lines.map((l) => l.type), ['signal', 'exited', 'complete']);
    assert.deepEqual(killed.lines[0], { type: 'signal', message: `Signaling SIGTERM to process group ${id}`, pid: Number(id), signal: 'SIGTERM' });
    assert.deepEqual(killed.lines[2], { type: 'complete', exit_code: 143 });
    const again = await postLines(agent.sock, `/sessions/kill?id=${id}`);
    assert.equal(again.status, 410);
    assert.equal(parseObject(again.body).error, 'gone');
    assert.equal((await postLines(agent.sock, '/sessions/kill?id=999999999')).status, 404);
    assert.equal((await postLines(agent.sock, `/sessions/kill?id=${id}&signal=NOPE`)).status, 400);
  });

  test('kill escalates to SIGKILL after its timeout', async () => {
    const owner = new Exec(agent.sock, query(['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'], { detachable: true }));
    await owner.opened;
    const id = await sessionIdOf(owner);
    await owner.waitFor(() => owner.stdout.includes('ready'));
    const killed = await postLines(agent.sock, `/sessions/kill?id=${id}&timeout_ms=300`);
    assert.deepEqual(killed.lines.map((l) => l.type), ['signal', 'timeout', 'killed', 'complete']);
    assert.deepEqual(killed.lines.at(-1), { type: 'complete', exit_code: 137 });
    await owner.closed;
    assert.equal(owner.exitCode, 137, 'the attached client gets the exit too');
  });

  test('a detachable non-TTY session replays its framed output and exit to a later attach', async () => {
    const owner = new Exec(agent.sock, query(['sh', '-c', 'echo out; echo err >&2; read x; echo "after $x"; exit 3'], { detachable: true }));
    await owner.opened;
    const id = await sessionIdOf(owner);
    await owner.waitFor(() => owner.stdout === 'out\n' && owner.stderr === 'err\n');
    owner.ws.terminate();
    await sleep(100);
    const again = attach(id);
    await again.opened;
    await again.waitFor(() => again.stdout === 'out\n' && again.stderr === 'err\n');
    assert.equal(again.allTexts[0]?.tty, false);
    again.sendStdin('more\n');
    assert.equal(await again.closed, 1000);
    assert.equal(again.stdout, 'out\nafter more\n');
    assert.equal(again.exitCode, 3);
    assert.equal(again.framesAfterExit, 0);
  });
});

describe('agent shutdown', () => {
  test('SIGTERM ends running commands, reports their exit, and removes the socket', async () => {
    const second = await startAgent();
    const e = new Exec(second.sock, query(['sleep', '30']));
    await e.opened;
    await sleep(100);
    second.proc.kill('SIGTERM');
    assert.equal(await e.closed, 1000);
    assert.equal(e.exitCode, 143);
    const code = await new Promise<number | null>((resolve) => {
      if (second.proc.exitCode !== null) resolve(second.proc.exitCode);
      else second.proc.once('exit', (c) => resolve(c));
    });
    assert.equal(code, 0);
    assert.equal(existsSync(second.sock), false);
    await second.stop();
  });
});
