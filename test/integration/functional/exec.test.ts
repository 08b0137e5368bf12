import assert from 'node:assert/strict';
import test from 'node:test';
import WebSocket from 'ws';
import { execFileSync } from 'node:child_process';
import { StreamId, decodeFrame, exitCodeFromCloseCode } from '../../../src/shared/frames.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { hostPidsWhere } from '../../helpers/host-processes.js';

const server = sharedServer();

test('stdout, stderr and the exit code come back separately, exit last', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const result = await execCollect(client, sprite.name, ['sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual(result, { stdout: 'out\n', stderr: 'err\n', code: 7 });
  const missing = await execCollect(client, sprite.name, ['no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /no-such-command: command not found/);
});

test('commands that exit at once lose no output', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  for (let i = 0; i < 40; i++) {
    const result = await execCollect(client, sprite.name, ['echo', `line-${i}`]);
    assert.deepEqual(result, { stdout: `line-${i}\n`, stderr: '', code: 0 }, `iteration ${i}`);
  }
  const big = await execCollect(client, sprite.name, ['sh', '-c', 'seq 1 100000']);
  assert.equal(big.stdout.split('\n').length, 100001);
  assert.ok(big.stdout.endsWith('99999\n100000\n'));
});

test('stdin, EOF, env, dir and no leak of the caller environment', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  assert.deepEqual(await execCollect(client, sprite.name, ['wc', '-c'], { input: 'twelve bytes' }), { stdout: '12\n', stderr: '', code: 0 });
  const env = await execCollect(client, sprite.name, ['env'], { env: { GREETING: 'hi there', EQ: 'a=b' } });
  assert.match(env.stdout, /^GREETING=hi there$/m);
  assert.match(env.stdout, /^EQ=a=b$/m);
  assert.match(env.stdout, /^PATH=/m);
  assert.doesNotMatch(env.stdout, /HOB_TEST_TOKEN|HOB_TEST_URL/, 'nothing from the host environment');
  assert.equal((await execCollect(client, sprite.name, ['pwd'], { dir: '/tmp' })).stdout, '/tmp\n');
  const badDir = await execCollect(client, sprite.name, ['pwd'], { dir: '/nope' });
  assert.notEqual(badDir.code, 0);
  assert.match(badDir.stderr, /nope/);
  // The SDK's exec() never sends stdin EOF: a command that does not read stdin must still finish.
  assert.equal((await execCollect(client, sprite.name, ['true'])).code, 0);
});

test('a signal message reaches the command', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const ws = await client.openExec(sprite.name, { cmd: ['sleep', '30'], env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: true });
  const code = await new Promise<number>((resolve, reject) => {
    ws.on('open', () => setTimeout(() => ws.send(JSON.stringify({ type: 'signal', signal: 'TERM' })), 200));
    ws.on('message', (data: Buffer) => {
      const frame = decodeFrame(data);
      if (frame.stream === StreamId.Exit) resolve(frame.code);
    });
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(code, 143);
});

test('tty exec: a real terminal, resize, and the exit status in the close code', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const ws = await client.openExec(sprite.name, { cmd: ['sh'], env: { TERM: 'xterm' }, dir: undefined, tty: true, rows: 20, cols: 70, stdin: true });
  let output = '';
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) output += data.toString();
  });
  await new Promise<void>((resolve) => ws.on('open', () => resolve()));
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 100 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, pattern);
  };
  ws.send(Buffer.from('stty size; tty\n'));
  await waitFor(/20 70/);
  await waitFor(/\/dev\/pts\/\d+/);
  ws.send(JSON.stringify({ type: 'resize', cols: 100, rows: 40 }));
  await new Promise((r) => setTimeout(r, 100));
  ws.send(Buffer.from('stty size\n'));
  await waitFor(/40 100/);
  ws.send(Buffer.from('exit 3\n'));
  assert.equal(exitCodeFromCloseCode(await closed), 3);
});

test('HTTP exec: stdin in the body, small spaced frames, a 2-byte exit frame last', async (t) => {
  const { create } = spriteFixture(t, server);
  const sprite = await create();
  const response = await fetch(`${server.url}/v1/sprites/${sprite.name}/exec?cmd=sh&cmd=-c&cmd=cat;echo+E>%262;exit+4&stdin=true`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' },
    body: 'IN',
  });
  assert.equal(response.status, 200);
  const body = Buffer.from(await response.arrayBuffer());
  // Frames carry no length, so parse greedily by content: 0x01 "IN", 0x02 "E\n", 0x03 4.
  assert.deepEqual([...body.subarray(-2)], [3, 4]);
  assert.ok(body.includes(Buffer.from([1, ...Buffer.from('IN')])));
  assert.ok(body.includes(Buffer.from([2, ...Buffer.from('E\n')])));

  const noSprite = await fetch(`${server.url}/v1/sprites/nope/exec?cmd=true`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(noSprite.status, 404);
  const tty = await fetch(`${server.url}/v1/sprites/${sprite.name}/exec?cmd=true&tty=true`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(tty.status, 400);
});

function upgradeStatus(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    ws.on('error', () => undefined);
  });
}

test('WebSocket upgrades are refused with JSON errors', async (t) => {
  const { create } = spriteFixture(t, server);
  const sprite = await create();
  const base = server.url.replace(/^http/, 'ws');
  const auth = { Authorization: `Bearer ${server.token}` };
  const noToken = await upgradeStatus(`${base}/v1/sprites/${sprite.name}/exec?cmd=true`, {});
  assert.equal(noToken.status, 401);
  assert.equal((JSON.parse(noToken.body) as { error?: unknown }).error, 'unauthorized'); // test-only: asserted right here
  assert.equal((await upgradeStatus(`${base}/v1/sprites/nope/exec?cmd=true`, auth)).status, 404);
  assert.equal((await upgradeStatus(`${base}/v1/sprites/${sprite.name}/exec`, auth)).status, 400);
  assert.equal((await upgradeStatus(`${base}/v1/sprites/${sprite.name}/control`, auth)).status, 404);
  assert.equal((await upgradeStatus(`${base}/v1/sprites/${sprite.name}/exec/123`, auth)).status, 404);
});

test('a sprite whose container died is restarted by the next exec', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  execFileSync('runc', ['--root', `${server.dataDir}/runc`, 'kill', `${server.prefix}-${sprite.id}`, 'KILL']);
  await new Promise((r) => setTimeout(r, 300));
  const result = await execCollect(client, sprite.name, ['echo', 'back']);
  assert.deepEqual(result, { stdout: 'back\n', stderr: '', code: 0 });
  assert.equal((await client.getSprite(sprite.name)).status, 'running');
});

/** Tells a sprite restarted since /dev/shm/same-boot was made (a tmpfs of its boot) from one still up. */
const WHICH_BOOT = 'test -e /dev/shm/same-boot && echo same-boot || echo new-boot';

/** The host pid of a sprite's agent: the node process in the sprite's cgroup, not tini above it. */
function agentHostPid(containerId: string): number {
  const [pid] = hostPidsWhere((read) => {
    if (!read('cgroup').includes(`/${containerId}`)) return false;
    const args = read('cmdline').split('\0');
    return !args[0]?.endsWith('/tini') && args.includes('/.hob/agent.js');
  });
  if (pid === undefined) throw new Error(`no agent process in ${containerId}`);
  return pid;
}

// An OOM kill takes the agent while connections wait in its queue; they are reset, not refused.
test('an agent killed with an exec waiting on it is replaced, and the exec runs on the new boot', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  await execCollect(client, sprite.name, ['touch', '/dev/shm/same-boot']);
  const agent = agentHostPid(`${server.prefix}-${sprite.id}`);
  process.kill(agent, 'SIGSTOP');
  let waiting: ReturnType<typeof execCollect>;
  try {
    waiting = execCollect(client, sprite.name, ['sh', '-c', WHICH_BOOT]);
    // Long enough for the server to connect and send its handshake into the stopped agent's queue.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.kill(agent, 'SIGKILL');
  }
  assert.deepEqual(await waiting, { stdout: 'new-boot\n', stderr: '', code: 0 });
  assert.equal((await client.getSprite(sprite.name)).status, 'running');
});

// The sprite owns its agent's socket directory, so it can make its own agent's connections
// fail; that must cost it that one attempt, not a restart that kills its processes.
test('a connection reset by a sprite whose agent still answers is retried without a restart', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  // A stand-in takes the socket's name, and on its first connection puts the real socket back
  // and closes on the unread handshake, which resets it.
  const standIn = `
    const net = require('node:net');
    const fs = require('node:fs');
    const dir = '/.hob/run';
    fs.renameSync(dir + '/agent.sock', dir + '/real.sock');
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      fs.renameSync(dir + '/real.sock', dir + '/agent.sock');
      setTimeout(() => {
        // Written before the reset: the retried exec reads this file at once.
        fs.writeFileSync('/tmp/stand-in.log', 'reset one connection\\n');
        socket.destroy();
        process.exit(0);
      }, 200);
    });
    server.listen(dir + '/agent.sock', () => fs.writeFileSync('/tmp/stand-in.log', 'listening\\n'));
  `;
  const node = '/.hob/lib/ld-linux-x86-64.so.2 --library-path /.hob/lib /.hob/bin/node';
  const started = await execCollect(client, sprite.name, ['sh', '-c', `touch /dev/shm/same-boot; (${node} -e "$0" </dev/null >/tmp/stand-in.err 2>&1 &); for i in $(seq 50); do test -s /tmp/stand-in.log && break; sleep 0.1; done; cat /tmp/stand-in.log`, standIn]);
  assert.equal(started.stdout, 'listening\n', `the stand-in did not start: ${started.stderr}`);

  const after = await execCollect(client, sprite.name, ['sh', '-c', `cat /tmp/stand-in.log /tmp/stand-in.err; ${WHICH_BOOT}`]);
  assert.deepEqual(after, { stdout: 'reset one connection\nsame-boot\n', stderr: '', code: 0 });
});

test('orphaned processes are reaped, leaving no zombies', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  await execCollect(client, sprite.name, ['sh', '-c', '(sleep 0.2 &) ; (sleep 0.2 &) ; true']);
  await new Promise((r) => setTimeout(r, 800));
  const states = await execCollect(client, sprite.name, ['sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null | awk "{print \\$3}"']);
  assert.equal(states.code, 0);
  assert.ok(states.stdout.trim().length > 0);
  assert.doesNotMatch(states.stdout, /^Z$/m);
});

test('execs on many sprites at once each reach their own sprite', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprites = await Promise.all([create(), create(), create()]);
  // A sprite that wakes is health-checked; a connection kept from that check must never
  // serve an exec for another sprite.
  for (const sprite of sprites) {
    execFileSync('runc', ['--root', `${server.dataDir}/runc`, 'kill', `${server.prefix}-${sprite.id}`, 'KILL']);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await execCollect(client, sprite.name, ['hostname'])).stdout, `${sprite.name}\n`);
    for (const other of sprites) assert.equal((await execCollect(client, other.name, ['hostname'])).stdout, `${other.name}\n`);
  }
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(sprites.flatMap((sprite) => [0, 1].map(() => execCollect(client, sprite.name, ['hostname']))));
    const expected = sprites.flatMap((sprite) => [sprite.name, sprite.name].map((name) => `${name}\n`));
    assert.deepEqual(results.map((r) => r.stdout), expected, `round ${round}`);
  }
});
