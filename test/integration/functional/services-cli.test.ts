/**
 * Services from the command line: `sprite-env services …` inside a sprite (through
 * /.sprite/api.sock, for that sprite only) and `hob services …` outside, on real runc.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import test from 'node:test';
import type { ServiceJson } from '../../../src/shared/protocol.js';
import { runHob, type CliRun } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { HOB_BIN } from '../../helpers/server.js';
import { sh } from '../../helpers/shell.js';

const server = sharedServer();

const services = (text: string) => JSON.parse(text) as ServiceJson[]; // test-only: the assertions check what they read
const service = (text: string) => JSON.parse(text) as ServiceJson; // test-only, see above

async function hob(args: string[]): Promise<CliRun> {
  return runHob(server, args);
}

async function ok(args: string[]): Promise<CliRun> {
  const run = await hob(args);
  assert.equal(run.code, 0, `hob ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

test('sprite-env services, inside a sprite, for that sprite only', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const { name } = await create();
  const other = await create();
  const inside = async (script: string, sprite = name) => {
    const result = await sh(client, sprite, script);
    assert.equal(result.code, 0, `${script}: ${result.stderr}`);
    return result;
  };

  const made = await inside("sprite-env services create web --cmd sh --args '-c,echo \"hi $A\"; exec sleep 1000' --env A=inside --duration 1s");
  assert.equal(made.stdout, 'hi inside\n');
  assert.match(made.stderr, /^web: started$/m);
  const [listed] = services((await inside('sprite-env services list')).stdout);
  assert.equal(listed?.name, 'web');
  assert.equal(listed.state.status, 'running');
  assert.deepEqual(listed.env, { A: 'inside' });
  assert.equal(service((await inside('sprite-env services get web')).stdout).state.pid, listed.state.pid);
  assert.deepEqual((await client.listServices(name)).map((s) => s.name), ['web'], 'the public API sees the same service');
  assert.deepEqual(services((await inside('sprite-env services list', other.name)).stdout), [], "another sprite's socket shows its own services only");

  await inside('sprite-env services signal web TERM');
  const killed = await until(async () => {
    const now = await client.getService(name, 'web');
    return now.state.restart_count === 1 && now.state.status === 'running' ? now : undefined;
  });
  assert.notEqual(killed.state.pid, listed.state.pid, 'TERM killed it, and it was restarted');

  assert.equal((await inside('sprite-env services logs web --lines 1')).stdout, 'hi inside\n');
  const stopped = await inside('sprite-env services stop web --timeout 2s');
  assert.match(stopped.stderr, /web: stopping\n(.|\n)*web: stopped\n/);
  const again = await sh(client, name, 'sprite-env services stop web');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /service web is not running/);
  await inside('sprite-env services start web --no-stream');
  assert.equal((await client.getService(name, 'web')).state.status, 'running');
  const refused = await sh(client, name, 'sprite-env services create bad --cmd sh --needs ghost');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /needs ghost, which does not exist/);
  const usage = await sh(client, name, 'sprite-env services signal web');
  assert.equal(usage.code, 2);
  await inside('sprite-env services delete web');
  assert.deepEqual(await client.listServices(name), []);
});

test('hob services: create, list, info, logs, signal, stop, start, restart and delete, with exit codes', { timeout: 120_000 }, async (t) => {
  const { create } = spriteFixture(t, server);
  const { name } = await create();
  const made = await ok(['services', 'create', 'web', '-s', name, '--cmd', 'sh', '--args', '-c,echo hello; exec sleep 1000', '--http-port', '3000', '--duration', '1s']);
  assert.match(made.stdout, /^hello\n/);
  assert.match(made.stdout, /service web of .* is set up/);
  assert.match(made.stderr, /^web: started$/m);

  assert.match((await ok(['services', 'list', '-s', name])).stdout, /^NAME +STATUS +PID +RESTARTS +HTTP +COMMAND\nweb +running +\d+ +0 +3000 +sh -c echo hello; exec sleep 1000\n$/);
  const [json] = services((await ok(['services', 'list', '-s', name, '--json'])).stdout);
  assert.equal(json?.http_port, 3000);
  assert.match((await ok(['services', 'info', 'web', '-s', name])).stdout, /^HTTP port: +3000 \(the sprite’s URL goes here\)$/m);
  assert.equal((await ok(['services', 'logs', 'web', '-s', name, '-n', '1'])).stdout, 'hello\n');

  // -f follows until Ctrl-C, and exits 128 + SIGINT.
  const follower = spawn(process.execPath, [HOB_BIN, 'services', 'logs', 'web', '-s', name, '-f'], { env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token } });
  const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => follower.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('hello') && resolve()));
  follower.kill('SIGINT');
  assert.equal(await exited, 130);

  await ok(['services', 'signal', 'web', 'HUP', '-s', name]);
  assert.match((await ok(['services', 'stop', 'web', '-s', name])).stderr, /web: stopped/);
  const notRunning = await hob(['services', 'stop', 'web', '-s', name]);
  assert.equal(notRunning.code, 1);
  assert.match(notRunning.stderr, /^error: .*service web is not running/);
  await ok(['services', 'start', 'web', '-s', name, '--duration', '0']);
  assert.match((await ok(['services', 'restart', 'web', '-s', name, '--duration', '0'])).stderr, /web: stopping\n(.|\n)*web: started/);

  const broken = await hob(['services', 'create', 'broken', '-s', name, '--cmd', 'no-such-program', '--duration', '0']);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^error: starting broken failed: hob: no-such-program: command not found$/m);
  const badSignal = await hob(['services', 'signal', 'web', 'NOPE', '-s', name]);
  assert.equal(badSignal.code, 1);
  assert.match(badSignal.stderr, /"NOPE" is not a signal/);

  await ok(['services', 'delete', 'web', '-s', name]);
  const gone = await hob(['services', 'info', 'web', '-s', name]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^error: no service web in this sprite$/m);
});

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
