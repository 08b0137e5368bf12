import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import * as pty from 'node-pty';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { runHob, type CliOptions, type CliRun } from '../../helpers/cli.js';
import { HOB_BIN } from '../../helpers/server.js';

const server = sharedServer();

/** Runs `hob` with a local variable set that must never reach a sprite. */
function hob(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runHob(server, args, { ...options, env: { SECRET_LOCAL: 'must-not-leak', ...options.env } });
}

test('create, list, info, exec, use and destroy from the CLI', async (t) => {
  const { client } = spriteFixture(t, server);
  const name = `${server.prefix}-cli`;
  t.after(() => client.deleteSprite(name).catch(() => undefined));

  const created = await hob(['create', name, '--image', 'tiny']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`created sprite ${name}`));

  const listed = await hob(['ls', '--prefix', name]);
  assert.match(listed.stdout, new RegExp(`^${name}\\s+running\\s+now\\s+tiny`, 'm'));
  const json = JSON.parse((await hob(['list', '--json', '--prefix', name])).stdout) as { name: string }[]; // checked below
  assert.deepEqual(json.map((s) => s.name), [name]);

  const info = await hob(['info', name]);
  assert.match(info.stdout, /^Status:\s+running$/m);
  assert.match(info.stdout, /^URL:\s+http:\/\//m);

  const exec = await hob(['exec', '-s', name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
  assert.deepEqual([exec.code, exec.stdout, exec.stderr], [5, 'out\n', 'err\n'], 'hob exec exits with the command’s code');

  const env = await hob(['exec', '-s', name, '--env', 'A=1,B=two', '--dir', '/tmp', '--', 'sh', '-c', 'env; pwd']);
  assert.match(env.stdout, /^A=1$/m);
  assert.match(env.stdout, /^B=two$/m);
  assert.match(env.stdout, /^\/tmp$/m);
  assert.doesNotMatch(env.stdout, /SECRET_LOCAL|must-not-leak/, 'local environment stays local');

  const piped = await hob(['exec', '-s', name, '--', 'wc', '-c'], { input: 'hello' });
  assert.equal(piped.stdout.trim(), '5');

  const project = mkdtempSync(join(server.runDir, 'project-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const used = await hob(['use', name], { cwd: project });
  assert.equal(used.code, 0, used.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(project, '.hob'), 'utf8')), { sprite: name });
  const viaFile = await hob(['exec', '--', 'hostname'], { cwd: project });
  assert.equal(viaFile.stdout.trim(), name);

  const refused = await hob(['destroy', name]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--force/);
  const destroyed = await hob(['destroy', name, '--force']);
  assert.equal(destroyed.code, 0, destroyed.stderr);
  const gone = await hob(['info', name]);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr.trim(), `error: sprite ${name} not found`, 'a user error is one line, no stack');
});

test('user errors are one line with a hint', async () => {
  const noSprite = await hob(['exec', '--', 'true']);
  assert.equal(noSprite.code, 1);
  assert.match(noSprite.stderr, /^error: no sprite named: pass -s NAME, or run `hob use NAME`/);
  const noToken = await hob(['ls'], { env: { HOB_TOKEN: '', HOB_CLI_CONFIG: join(server.runDir, 'none.json') } });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /no API token/);
  const badToken = await hob(['ls'], { env: { HOB_TOKEN: 'wrong' } });
  assert.match(badToken.stderr, /^error: invalid API token$/m);
  const down = await hob(['ls'], { env: { HOB_URL: 'http://127.0.0.1:1' } });
  assert.match(down.stderr, /cannot reach the Hob server/);
});

test('console: an interactive shell on a real terminal that exits cleanly', async (t) => {
  const { create } = spriteFixture(t, server);
  const sprite = await create();
  const term = pty.spawn(process.execPath, [HOB_BIN, 'console', sprite.name], {
    cols: 90,
    rows: 30,
    cwd: server.runDir,
    env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token, TERM: 'xterm' },
  });
  let screen = '';
  term.onData((data) => (screen += data));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 100 && !pattern.test(screen); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(screen, pattern);
  };
  term.write('echo sum-$((40+2)); stty size\r');
  await waitFor(/sum-42/);
  await waitFor(/30 90/);
  term.resize(120, 40);
  await new Promise((r) => setTimeout(r, 200));
  term.write('stty size\r');
  await waitFor(/40 120/);
  term.write('exit\r');
  assert.equal(await exited, 0);
});
