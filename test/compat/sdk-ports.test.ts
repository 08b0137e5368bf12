/**
 * Port events through the official `@fly/sprites` SDK, unmodified, against a live Hob server
 * on real runc: `sprite.watchPorts()` (SDK wire-protocol notes §6.1) sees the snapshot, then
 * servers starting and stopping in the sprite, with their pids; `hob ports` lists the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import type { PortWatcher, Sprite, SpriteCommand } from '@fly/sprites';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { runHob } from '../helpers/cli.js';
import { hostPidsWhere } from '../helpers/host-processes.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage, HOB_BIN } from '../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);
/** Generous next to the agent's 1 s look, for a loaded machine. */
const EVENT_TIMEOUT_MS = 10_000;

before(() => ensureImage(hob, 'tiny'));

interface PortMessage {
  type: string;
  port?: number;
  address?: string;
  pid?: number;
  ports?: { type: string; port: number; address: string; pid: number }[];
}

async function nextMessage(watcher: PortWatcher): Promise<PortMessage> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const message = await Promise.race([
      watcher.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no port message within ${EVENT_TIMEOUT_MS} ms`)), EVENT_TIMEOUT_MS);
      }),
    ]);
    assert.ok(message !== null, 'the watch ended early');
    return message;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a server in the sprite as its own exec and resolves with its pid inside the sprite. */
async function startServer(sprite: Sprite, argv: string[]): Promise<{ cmd: SpriteCommand; pid: number }> {
  // `exec` keeps the shell's pid, so the pid it prints is the server's.
  const cmd = sprite.spawn('sh', ['-c', `echo $$; exec ${argv.join(' ')}`]);
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    cmd.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    cmd.once('error', reject);
    cmd.once('exit', (code: number) => reject(new Error(`${argv.join(' ')} exited with ${code} before printing its pid`)));
  });
  assert.ok(Number.isInteger(pid) && pid > 1, `pid ${pid}`);
  return { cmd, pid };
}

test('watchPorts: the snapshot, then port_opened and port_closed with the server’s pid', { timeout: 120_000 }, async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  const watcher = await sprite.watchPorts();
  t.after(() => watcher.close());
  const first = await nextMessage(watcher);
  assert.equal(first.type, 'port_list');
  assert.deepEqual(first.ports, [], 'a fresh tiny sprite listens on nothing (the agent’s own socket is a unix socket)');

  const any = await startServer(sprite, ['busybox', 'httpd', '-f', '-p', '3000']);
  t.after(() => any.cmd.kill('KILL'));
  const opened = await nextMessage(watcher);
  assert.equal(opened.type, 'port_opened');
  assert.equal(opened.port, 3000);
  assert.equal(opened.pid, any.pid);
  assert.ok(opened.address === '0.0.0.0' || opened.address === '::', `bound to every address: ${String(opened.address)}`);

  const loopback = await startServer(sprite, ['busybox', 'httpd', '-f', '-p', '127.0.0.1:3001']);
  t.after(() => loopback.cmd.kill('KILL'));
  assert.deepEqual(await nextMessage(watcher), { type: 'port_opened', port: 3001, address: '127.0.0.1', pid: loopback.pid });

  // A second watcher starts from a snapshot that has both.
  const second = await sprite.watchPorts();
  const list = await nextMessage(second);
  second.close();
  assert.equal(list.type, 'port_list');
  assert.deepEqual(list.ports, [
    { type: 'port_opened', port: 3000, address: opened.address, pid: any.pid },
    { type: 'port_opened', port: 3001, address: '127.0.0.1', pid: loopback.pid },
  ]);

  // `hob ports` lists them too, as a table and as JSON.
  const table = await runHob(server, ['ports', '-s', created.name]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^PORT\s+ADDRESS\s+PID\n/);
  assert.match(table.stdout, new RegExp(`^3000\\s+\\S+\\s+${any.pid}$`, 'm'));
  assert.match(table.stdout, new RegExp(`^3001\\s+127\\.0\\.0\\.1\\s+${loopback.pid}$`, 'm'));
  const json = await runHob(server, ['ports', '-s', created.name, '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [
    { port: 3000, address: opened.address, pid: any.pid },
    { port: 3001, address: '127.0.0.1', pid: loopback.pid },
  ]);

  await sprite.exec(`kill ${any.pid}`);
  assert.deepEqual(await nextMessage(watcher), { type: 'port_closed', port: 3000, address: opened.address, pid: any.pid });
});

test('hob ports --watch prints the list, then changes as they come, until Ctrl-C (exit 130)', { timeout: 60_000 }, async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  const child = spawn(process.execPath, [HOB_BIN, 'ports', '--watch', '-s', created.name], {
    env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} in ${JSON.stringify(stdout)} (stderr ${stderr})`)), EVENT_TIMEOUT_MS);
      const check = (): void => {
        if (!pattern.test(stdout)) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      };
      const onData = (chunk: Buffer): void => {
        stdout += chunk.toString();
        check();
      };
      child.stdout.on('data', onData);
      check();
    });
  await waitFor(new RegExp(`^no TCP ports listening in ${created.name}$`, 'm'));
  const served = await startServer(sprite, ['busybox', 'httpd', '-f', '-p', '127.0.0.1:3002']);
  t.after(() => served.cmd.kill('KILL'));
  await waitFor(new RegExp(`^opened  3002  127\\.0\\.0\\.1  pid ${served.pid}$`, 'm'));
  await sprite.exec(`kill ${served.pid}`);
  await waitFor(new RegExp(`^closed  3002  127\\.0\\.0\\.1  pid ${served.pid}$`, 'm'));
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const [code] = (await exited) as [number | null]; // the exit event's first argument is the code
  assert.equal(code, 130, stderr);
});

test('hob ports on a sprite that does not exist is one line and a user-error exit', async () => {
  const run = await runHob(server, ['ports', '-s', `${server.prefix}-no-such-sprite`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: sprite \S+ not found\n$/);
});

/** The agent's main thread's voluntary context switches: each timer firing in an idle agent is one. */
function agentWakeups(containerId: string): number {
  const [pid] = hostPidsWhere((read) => read('cgroup').includes(`/${containerId}`) && read('cmdline').split('\0').includes('/.hob/agent.js') && !read('cmdline').split('\0')[0]?.endsWith('/tini'));
  assert.ok(pid !== undefined, `the agent of ${containerId}`);
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

test('the agent looks at ports only while someone watches: an idle agent does not wake up', { timeout: 60_000 }, async (t) => {
  const created = await spriteFixture(t, server).create();
  const containerId = `${server.prefix}-${created.id}`;
  const sprite = sdk.sprite(created.name);
  const WINDOW_MS = 3000;
  const wakeupsOver = async (): Promise<number> => {
    const before = agentWakeups(containerId);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    return agentWakeups(containerId) - before;
  };

  const watcher = await sprite.watchPorts();
  assert.equal((await nextMessage(watcher)).type, 'port_list');
  const watching = await wakeupsOver();
  watcher.close();
  // Let the close reach the agent before counting.
  await new Promise((r) => setTimeout(r, 500));
  const idle = await wakeupsOver();
  t.diagnostic(`agent wake-ups in ${WINDOW_MS} ms: ${watching} while watched, ${idle} after`);
  assert.ok(watching >= 2, `the measure sees the once-a-second look (${watching} wake-ups)`);
  assert.ok(idle <= 1, `no look without a watcher (${idle} wake-ups)`);
});
