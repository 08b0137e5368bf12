/**
 * Sessions from the CLI on a real terminal: `hob exec --tty` and `hob console` detach on
 * Ctrl+\ and say how to come back; `hob sessions` lists; `hob attach` shows the scrollback and
 * takes input; `hob sessions kill` ends one.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import * as pty from 'node-pty';
import { runHob } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { HOB_BIN } from '../../helpers/server.js';

const server = sharedServer();
const CTRL_BACKSLASH = '\x1c';

/** `hob` on a terminal of its own, with what it has shown so far. */
function onTerminal(args: string[]) {
  const term = pty.spawn(process.execPath, [HOB_BIN, ...args], {
    cols: 100,
    rows: 30,
    cwd: server.runDir,
    env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token, TERM: 'xterm' },
  });
  let screen = '';
  term.onData((data) => (screen += data));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    term,
    exited,
    screen: () => screen,
    async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      for (let i = 0; i < 200 && !pattern.test(screen); i++) await new Promise((r) => setTimeout(r, 50));
      const match = pattern.exec(screen);
      assert.ok(match !== null, `expected ${String(pattern)} on the terminal; it shows ${JSON.stringify(screen.slice(-400))}`);
      return match;
    },
  };
}

test('exec --tty detaches on Ctrl+\\; sessions lists it; attach shows its scrollback and takes input; sessions kill ends it', async (t) => {
  const sprite = await spriteFixture(t, server).create();
  const exec = onTerminal(['exec', '--tty', '-s', sprite.name, '--', 'sh', '-c', 'echo job-started; while read -r line; do echo "typed:$line"; done']);
  await exec.waitFor(/job-started/);
  exec.term.write('one\r');
  await exec.waitFor(/typed:one/);
  exec.term.write(CTRL_BACKSLASH);
  assert.equal(await exec.exited, 0, 'detaching is a success');
  const [, id = ''] = await exec.waitFor(new RegExp(`detached from session (\\d+), which keeps running; reattach with: hob attach ${sprite.name} (\\d+)`));

  const listed = await runHob(server, ['sessions', sprite.name]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+COMMAND\s+STATE\s+TTY\s+CREATED\s+LAST ACTIVITY$/m);
  assert.match(listed.stdout, new RegExp(`^${id}\\s+sh -c echo job-started.*\\s+running\\s+yes\\s`, 'm'));
  const json = JSON.parse((await runHob(server, ['sessions', 'list', sprite.name, '--json'])).stdout) as Array<{ id: string; is_active: boolean }>; // checked below
  assert.deepEqual(json.map((s) => [s.id, s.is_active]), [[id, true]]);

  const attach = onTerminal(['attach', sprite.name, id]);
  await attach.waitFor(/typed:one/);
  attach.term.write('two\r');
  await attach.waitFor(/typed:two/);
  attach.term.write(CTRL_BACKSLASH);
  assert.equal(await attach.exited, 0);

  const killed = await runHob(server, ['sessions', 'kill', '-s', sprite.name, id]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.match(killed.stdout, new RegExp(`^Signaling SIGTERM to process group ${id}$`, 'm'));
  assert.match(killed.stdout, /^session ended with exit code 143$/m);
  const again = await runHob(server, ['sessions', 'kill', '-s', sprite.name, id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^error: session \d+ has already ended/);
  const missing = await runHob(server, ['attach', sprite.name, '999999']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: session "999999" not found/);
});

test('console detaches on Ctrl+\\ and the shell keeps running', async (t) => {
  const sprite = await spriteFixture(t, server).create();
  const console = onTerminal(['console', sprite.name]);
  console.term.write('export MARK=kept-$((6*7))\r');
  // What the shell prints, not the local echo of what was typed before it started.
  console.term.write('echo ready-$((1+1))\r');
  await console.waitFor(/ready-2/);
  console.term.write(CTRL_BACKSLASH);
  assert.equal(await console.exited, 0);
  const [, id = ''] = await console.waitFor(/detached from session (\d+)/);
  const attach = onTerminal(['attach', '-s', sprite.name, id]);
  await attach.waitFor(/ready-2/);
  attach.term.write('echo $MARK\r');
  await attach.waitFor(/kept-42/);
  attach.term.write('exit\r');
  assert.equal(await attach.exited, 0, 'the shell exiting ends the attach with its status');
  const listed = await runHob(server, ['sessions', '-s', sprite.name, '--json']);
  assert.deepEqual((JSON.parse(listed.stdout) as Array<{ id: string; exit_code?: number }>).map((s) => [s.id, s.exit_code]), [[id, 0]]); // checked here
});
