import type { ExecSocket } from '../client/exec-socket.js';
import { HobError } from '../shared/errors.js';
import { StreamId, decodeFrame, encodeFrame, exitCodeFromCloseCode } from '../shared/frames.js';

export interface ExecStreamOptions {
  tty: boolean;
  /** Forward local stdin (not done when stdin is not wanted, e.g. `console` always wants it). */
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Exit status of a command whose connection was lost before it reported one. */
export const LOST_EXIT_CODE = 255;

/**
 * Drives one WebSocket exec from the terminal: stdin out, stdout/stderr in, Ctrl-C and window
 * size changes passed on. Resolves with the command's exit code.
 */
export function runExecStream(ws: ExecSocket, options: ExecStreamOptions): Promise<number> {
  const { stdin, stdout, stderr, tty } = options;
  return new Promise((resolve, reject) => {
    let exitCode: number | undefined;
    let opened = false;
    const rawMode = tty && stdin.isTTY;

    const sendSignal = (signal: string): void => {
      if (ws.isOpen) ws.send(JSON.stringify({ type: 'signal', signal }));
    };
    const onSigint = (): void => sendSignal('INT');
    const onSigterm = (): void => sendSignal('TERM');
    const onResize = (): void => {
      if (ws.isOpen) ws.send(JSON.stringify({ type: 'resize', cols: stdout.columns, rows: stdout.rows }));
    };
    const onStdinData = (chunk: Buffer): void => {
      if (!ws.isOpen) return;
      ws.send(tty ? chunk : encodeFrame(StreamId.Stdin, chunk));
    };
    const onStdinEnd = (): void => {
      if (!tty && ws.isOpen) ws.send(encodeFrame(StreamId.StdinEof));
    };

    const cleanup = (): void => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('SIGWINCH', onResize);
      stdin.off('data', onStdinData);
      stdin.off('end', onStdinEnd);
      if (rawMode) stdin.setRawMode(false);
      stdin.pause();
    };

    ws.on('open', () => {
      opened = true;
      // In raw mode Ctrl-C arrives as a byte on stdin; otherwise it is a local signal to pass on.
      if (rawMode) stdin.setRawMode(true);
      else process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      if (tty) process.on('SIGWINCH', onResize);
      stdin.on('data', onStdinData);
      stdin.on('end', onStdinEnd);
      stdin.resume();
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (tty) {
        if (isBinary) stdout.write(data);
        else exitCode = parseExitMessage(data.toString()) ?? exitCode;
        return;
      }
      if (!isBinary) return;
      const frame = decodeFrame(data);
      if (frame.stream === StreamId.Stdout) stdout.write(frame.data);
      else if (frame.stream === StreamId.Stderr) stderr.write(frame.data);
      else if (frame.stream === StreamId.Exit) {
        exitCode = frame.code;
        ws.close(1000);
      }
    });

    ws.on('error', (error) => {
      if (opened) return;
      cleanup();
      // A refused exec arrives with the server's own code; anything else means no connection.
      reject(error instanceof HobError ? error : new HobError('sprite_unavailable', `cannot reach the Hob server: ${error.message}`));
    });

    ws.on('close', (code) => {
      cleanup();
      if (!opened) return;
      const code_ = exitCode ?? (tty ? exitCodeFromCloseCode(code) : undefined);
      if (code_ === undefined) {
        stderr.write('hob: the connection closed before the command reported its exit status\n');
        resolve(LOST_EXIT_CODE);
      } else {
        resolve(code_);
      }
    });
  });
}

function parseExitMessage(text: string): number | undefined {
  try {
    const message = JSON.parse(text) as { type?: unknown; exit_code?: unknown }; // checked below
    return message.type === 'exit' && typeof message.exit_code === 'number' ? message.exit_code : undefined;
  } catch {
    return undefined;
  }
}
