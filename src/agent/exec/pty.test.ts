import assert from 'node:assert/strict';
import test from 'node:test';
import type { ExecChannel } from './channel.js';
import { startPty } from './pty.js';

/** The WebSocket side of an exec, recorded; the terminal and the command are real. */
function recordingChannel() {
  const sent: Buffer[] = [];
  let closeCode: number | undefined;
  let flow: { pause: () => void; resume: () => void } | undefined;
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const fake = {
    send(data: Buffer | string) {
      if (Buffer.isBuffer(data)) sent.push(data);
    },
    close(code: number) {
      closeCode = code;
      markClosed();
    },
    onCongestion(pause: () => void, resume: () => void) {
      flow = { pause, resume };
    },
  };
  return {
    channel: fake as unknown as ExecChannel, // the three methods PtyCommand uses
    closed,
    output: () => Buffer.concat(sent).toString(),
    closeCode: () => closeCode,
    stall: () => flow?.pause(),
  };
}

test('the last output of a TTY command survives a client that stalls as it exits', async () => {
  const channel = recordingChannel();
  const command = await startPty(
    { cmd: ['sh', '-c', 'echo first-line; sleep 0.3; echo last-line'], env: {}, dir: '/', tty: true, rows: 24, cols: 80, stdin: true },
    { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' },
    channel.channel,
    { id: 1, log: () => undefined },
  );
  // A stalled client pauses the terminal's reader, as flow control does for a slow one: the
  // command's exit is then reported by node-pty's 200 ms timer, not by reading to the end.
  channel.stall();
  await channel.closed;
  await command.done;
  assert.match(channel.output(), /first-line/);
  assert.match(channel.output(), /last-line/);
  assert.equal(channel.closeCode(), 1000);
});
