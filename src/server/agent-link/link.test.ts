import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import test from 'node:test';
import { parseAgentArgs } from '../../agent/config.js';
import { listenOnSocket } from '../../agent/listen.js';
import { createAgentServer } from '../../agent/server.js';
import { HobError } from '../../shared/errors.js';
import { StreamId, decodeFrame } from '../../shared/frames.js';
import { AgentLink } from './link.js';
import { AgentUnreachable } from './transport.js';
import { UnixSocketTransport } from './unix-socket.js';

const UID = process.getuid?.() ?? 0;

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => server.listen(path, resolve));
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hob-link-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real agent's server, in this process, on a socket in `dir`. */
async function withAgent(run: (link: AgentLink, socket: string) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    const socket = join(dir, 'agent.sock');
    const agent = createAgentServer({ config: parseAgentArgs(['--socket', socket]), log: () => undefined, startedAtMs: performance.now() });
    await listen(agent.server, socket);
    try {
      await run(new AgentLink(new UnixSocketTransport(socket, UID), 'linked'), socket);
    } finally {
      await agent.shutdown(100);
    }
  });
}

/** A stand-in agent that answers /health with `body`, for what a real agent never sends. */
async function withFakeAgent(body: string, run: (link: AgentLink) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    const socket = join(dir, 'agent.sock');
    const server = createServer((_req, res) => res.end(body));
    await listen(server, socket);
    try {
      await run(new AgentLink(new UnixSocketTransport(socket, UID), 'faked'));
    } finally {
      server.close();
    }
  });
}

test('the link checks the agent health and version, and passes on the agent error codes', async () => {
  await withAgent(async (link) => {
    const health = await link.health(1000);
    assert.equal(typeof health.pid, 'number');
    await link.ready();
    assert.equal(await link.answers(1000), true);
    await assert.rejects(link.call('/nothing', { timeoutMs: 1000, parse: (v) => v }), (error: unknown) => error instanceof HobError && error.code === 'not_found');
  });
});

test('both exec openers reach the same agent exec', async () => {
  await withAgent(async (link) => {
    const exec = { cmd: ['sh', '-c', 'echo hi'], env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: false };
    const socket = await link.openExecSocket(exec);
    const output: Buffer[] = [];
    const code = await new Promise<number>((resolve) => {
      socket.on('message', (data: Buffer) => {
        const frame = decodeFrame(data);
        if (frame.stream === StreamId.Stdout) output.push(frame.data);
        if (frame.stream === StreamId.Exit) resolve(frame.code);
      });
      // Handed over paused, so that nothing arrives before anyone listens.
      socket.resume();
    });
    socket.close();
    assert.equal(code, 0);
    assert.equal(Buffer.concat(output).toString(), 'hi\n');
    const raw = await link.openExec(exec);
    assert.ok(raw.socket.readable, 'the raw opener hands back the upgraded connection');
    raw.socket.destroy();
    await assert.rejects(link.openExec({ ...exec, cmd: [] }), (error: unknown) => error instanceof HobError && error.code === 'bad_request');
  });
});

test('an exec socket holds what the agent sends until its caller listens', { timeout: 10_000 }, async () => {
  await withAgent(async (link) => {
    // A missing command fails at once: its message and exit come with the handshake.
    const socket = await link.openExecSocket({ cmd: ['no-such-command'], env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frames: string[] = [];
    await new Promise<void>((resolve) => {
      socket.on('message', (data: Buffer) => {
        const frame = decodeFrame(data);
        if (frame.stream === StreamId.Stderr) frames.push(`stderr ${frame.data.toString().trim()}`);
        if (frame.stream === StreamId.Exit) frames.push(`exit ${frame.code}`);
      });
      socket.on('close', () => resolve());
      socket.resume();
    });
    assert.deepEqual(frames, ['stderr hob: no-such-command: command not found', 'exit 127']);
  });
});

/** The first WebSocket frame the agent sends on a raw upgraded socket: unmasked, so its payload is readable as is. */
function firstFrame(socket: Duplex, head: Buffer): Promise<{ opcode: number; text: string }> {
  return new Promise((resolve, reject) => {
    let buffered = head;
    const tryParse = (): void => {
      if (buffered.length < 2) return;
      const short = (buffered[1] ?? 0) & 0x7f;
      const [offset, length] = short === 126 ? [4, buffered.readUInt16BE(2)] : [2, short];
      if (buffered.length < offset + length) return;
      socket.off('data', onData);
      resolve({ opcode: (buffered[0] ?? 0) & 0x0f, text: buffered.subarray(offset, offset + length).toString() });
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      tryParse();
    };
    socket.on('data', onData);
    socket.once('error', reject);
    tryParse();
  });
}

test('the port watch opens as a raw upgraded connection whose first message is the port list', async () => {
  await withAgent(async (link) => {
    const raw = await link.openPortsWatch();
    const frame = await firstFrame(raw.socket, raw.head);
    raw.socket.destroy();
    assert.equal(frame.opcode, 1, 'a text frame');
    const message = JSON.parse(frame.text) as { type: string; ports: unknown[] }; // checked just below
    assert.equal(message.type, 'port_list');
    assert.ok(Array.isArray(message.ports));
  });
});

test('an agent older than the port watch is told to restart, not asked for a route it lacks', async () => {
  await withFakeAgent(JSON.stringify({ agent_version: 2, pid: 1, uptime_ms: 1 }), async (link) => {
    await assert.rejects(link.openPortsWatch(), (error: unknown) => error instanceof HobError && error.code === 'agent_incompatible' && /restart the sprite/.test(error.message));
  });
});

test('an agent speaking a protocol this server does not know is refused with a clear error', async () => {
  await withFakeAgent(JSON.stringify({ agent_version: 99, pid: 1, uptime_ms: 1 }), async (link) => {
    await assert.rejects(link.ready(), (error: unknown) => error instanceof HobError && error.code === 'agent_incompatible' && /restart the sprite/.test(error.message));
    await assert.rejects(link.waitUntilReady({ timeoutMs: 5000, stillStarting: () => Promise.resolve(true) }), { code: 'agent_incompatible' });
  });
});

test('answers of the wrong shape or size are refused: the agent runs next to user code', async () => {
  await withFakeAgent(JSON.stringify({ agent_version: 1, pid: 1, uptime_ms: 1, extra: true }), async (link) => {
    await assert.rejects(link.health(1000), /unknown fields/);
  });
  await withFakeAgent(JSON.stringify({ agent_version: '1', pid: 1, uptime_ms: 1 }), async (link) => {
    await assert.rejects(link.health(1000), /malformed/);
  });
  await withFakeAgent('x'.repeat(2 * 1024 * 1024), async (link) => {
    await assert.rejects(link.health(1000), (error: unknown) => error instanceof HobError && error.code === 'agent_error');
  });
});

test('a missing socket, or one swapped for a symlink, is unreachable and never followed', async () => {
  await withAgent(async (_link, socket) => {
    const dir = join(socket, '..');
    const missing = new AgentLink(new UnixSocketTransport(join(dir, 'gone.sock'), UID), 'gone');
    await assert.rejects(missing.health(1000), AgentUnreachable);
    const link = join(dir, 'link.sock');
    symlinkSync(socket, link);
    await assert.rejects(new AgentLink(new UnixSocketTransport(link, UID), 'swapped').health(1000), AgentUnreachable);
    await assert.rejects(new AgentLink(new UnixSocketTransport(socket, UID + 1), 'other').health(1000), /not the agent's socket/);
  });
});

test('the socket transport says its socket is there, or waits for it to be renamed into place', async () => {
  await withDir(async (dir) => {
    const socket = join(dir, 'agent.sock');
    const transport = new UnixSocketTransport(socket, UID);
    const started = performance.now();
    assert.equal(await transport.whenPresent(30), false);
    assert.ok(performance.now() - started >= 25, 'an absent socket is waited for until the timeout');

    const server = createServer();
    const appeared = transport.whenPresent(5000);
    setTimeout(() => {
      // As the agent binds it: under another name, renamed once it listens (agent/listen.ts).
      server.listen(`${socket}.tmp`, () => renameSync(`${socket}.tmp`, socket));
    }, 20);
    const waiting = performance.now();
    assert.equal(await appeared, false);
    assert.ok(performance.now() - waiting < 1000, 'the rename ends the wait, not the timeout');
    assert.equal(await transport.whenPresent(5000), true);
    server.close();

    const unwatchable = performance.now();
    assert.equal(await new UnixSocketTransport(join(dir, 'missing', 'agent.sock'), UID).whenPresent(5000), true, 'a directory that cannot be watched is left to polling');
    assert.ok(performance.now() - unwatchable < 1000);
  });
});

test('a booting agent is found as soon as it listens, without polling its missing socket', async () => {
  await withDir(async (dir) => {
    const socket = join(dir, 'agent.sock');
    const agent = createAgentServer({ config: parseAgentArgs(['--socket', socket]), log: () => undefined, startedAtMs: performance.now() });
    const link = new AgentLink(new UnixSocketTransport(socket, UID), 'booting');
    let checks = 0;
    const ready = link.waitUntilReady({
      timeoutMs: 5000,
      stillStarting: () => {
        checks++;
        return Promise.resolve(true);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const listening = performance.now();
    await listenOnSocket(agent.server, socket);
    const health = await ready;
    assert.equal(health.pid, process.pid);
    assert.ok(performance.now() - listening < 1000, 'found within a second of listening');
    assert.equal(checks, 0, 'a boot that answers at once is not asked about');
    await agent.shutdown(100);
  });
});

test('a boot whose sandbox stopped fails without waiting out its timeout', async () => {
  await withDir(async (dir) => {
    const link = new AgentLink(new UnixSocketTransport(join(dir, 'agent.sock'), UID), 'stopped');
    const started = performance.now();
    await assert.rejects(link.waitUntilReady({ timeoutMs: 10_000, stillStarting: () => Promise.resolve(false) }), /stopped while its agent was starting/);
    assert.ok(performance.now() - started < 2000);
  });
});
