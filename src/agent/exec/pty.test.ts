import assert from 'node:assert/strict';
import test from 'node:test';
import type { CommandSink } from './command.js';
import { launchOf } from './launch.js';
import { startPty } from './pty.js';

/** The session side of an exec, recorded; the terminal and the command are real. */
function recordingSink() {
  const sent: Buffer[] = [];
  let exitCode: number | undefined;
  let flow: { pause: () => void; resume: () => void } | undefined;
  let markExited = (): void => undefined;
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  const sink: CommandSink = {
    output(_stream, data) {
      sent.push(data);
    },
    exit(code) {
      exitCode = code;
      markExited();
    },
    onCongestion(pause, resume) {
      flow = { pause, resume };
    },
    pauseInput() {},
    resumeInput() {},
  };
  return {
    sink,
    exited,
    output: () => Buffer.concat(sent).toString(),
    exitCode: () => exitCode,
    stall: () => flow?.pause(),
  };
}

test('the last output of a TTY command survives a client that stalls as it exits', async () => {
  const recorded = recordingSink();
  const launch = launchOf(
    { cmd: ['sh', '-c', 'echo first-line; sleep 0.3; echo last-line'], env: {}, dir: '/', tty: true, rows: 24, cols: 80, stdin: true },
    { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' },
  );
  const command = await startPty(launch, { cols: 80, rows: 24, withStdin: true }, recorded.sink, { id: 1, log: () => undefined });
  // A stalled client pauses the terminal's reader, as flow control does for a slow one: the
  // command's exit is then reported by node-pty's 200 ms timer, not by reading to the end.
  recorded.stall();
  await recorded.exited;
  await command.done;
  assert.match(recorded.output(), /first-line/);
  assert.match(recorded.output(), /last-line/);
  assert.equal(recorded.exitCode(), 0);
});
