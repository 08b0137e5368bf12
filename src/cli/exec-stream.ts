import type { ExecSocket } from '../client/exec-socket.js';
import { HobError } from '../shared/errors.js';
import { StreamId, decodeFrame, encodeFrame, exitCodeFromCloseCode } from '../shared/frames.js';

export interface ExecStreamOptions {
  /** The session's mode, or `session` to learn it from the `session_info` an attach starts with. */
  tty: boolean | 'session';
  /** Forward local stdin (not done when stdin is not wanted, e.g. `console` always wants it). */
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Ctrl+\ leaves the session running and ends this client (as `sprite console` does). */
  detachable: boolean;
  /**
   * Pass the end of local stdin on (a new exec's input ends with it). An attach does not: the
   * session's stdin is shared with its other clients and outlives this one.
   */
  forwardStdinEnd: boolean;
}

/** How the stream ended: the command's exit code, or this client leaving it running. */
export type ExecOutcome = { kind: 'exited'; code: number } | { kind: 'detached'; sessionId: string | undefined };

/** Exit status of a command whose connection was lost before it reported one. */
export const LOST_EXIT_CODE = 255;
/** Ctrl+\ as a terminal in raw mode sends it. */
const DETACH_BYTE = 0x1c;

interface TextMessage {
  type?: unknown;
  exit_code?: unknown;
  session_id?: unknown;
  tty?: unknown;
}

function parseText(data: Buffer): TextMessage | undefined {
  try {
    const value: unknown = JSON.parse(data.toString());
    // An object; each field is checked where it is used.
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Drives one WebSocket exec (or session attach) from the terminal: stdin out, stdout/stderr in,
 * Ctrl-C and window size changes passed on, Ctrl+\ to detach. Resolves with the outcome.
 */
export function runExecStream(ws: ExecSocket, options: ExecStreamOptions): Promise<ExecOutcome> {
  const { stdin, stdout, stderr } = options;
  return new Promise((resolve, reject) => {
    let tty = options.tty === 'session' ? undefined : options.tty;
    let exitCode: number | undefined;
    let sessionId: string | undefined;
    let opened = false;
    let wired = false;
    let rawMode = false;
    let detached = false;

    const sendSignal = (signal: string): void => {
      if (ws.isOpen) ws.send(JSON.stringify({ type: 'signal', signal }));
    };
    const onSigint = (): void => sendSignal('INT');
    const onSigterm = (): void => sendSignal('TERM');
    const onResize = (): void => {
      if (ws.isOpen) ws.send(JSON.stringify({ type: 'resize', cols: stdout.columns, rows: stdout.rows }));
    };
    const detach = (): void => {
      detached = true;
      ws.close(1000);
    };
    const onStdinData = (chunk: Buffer): void => {
      if (!ws.isOpen) return;
      if (rawMode && options.detachable) {
        const at = chunk.indexOf(DETACH_BYTE);
        if (at >= 0) {
          if (at > 0) ws.send(chunk.subarray(0, at));
          detach();
          return;
        }
      }
      ws.send(tty === true ? chunk : encodeFrame(StreamId.Stdin, chunk));
    };
    const onStdinEnd = (): void => {
      if (tty === false && options.forwardStdinEnd && ws.isOpen) ws.send(encodeFrame(StreamId.StdinEof));
    };

    const cleanup = (): void => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('SIGWINCH', onResize);
      process.off('SIGQUIT', detach);
      stdin.off('data', onStdinData);
      stdin.off('end', onStdinEnd);
      if (rawMode) stdin.setRawMode(false);
      stdin.pause();
    };

    /** Local input and signals, once the mode is known (at once for a new exec, at `session_info` for an attach). */
    const wire = (): void => {
      if (wired) return;
      wired = true;
      rawMode = tty === true && stdin.isTTY;
      // In raw mode Ctrl-C and Ctrl+\ arrive as bytes on stdin; otherwise they are local signals.
      if (rawMode) stdin.setRawMode(true);
      else {
        process.on('SIGINT', onSigint);
        if (options.detachable) process.on('SIGQUIT', detach);
      }
      process.on('SIGTERM', onSigterm);
      if (tty === true) {
        process.on('SIGWINCH', onResize);
        // An attach takes over a terminal of some other size.
        if (options.tty === 'session' && stdout.isTTY) onResize();
      }
      stdin.on('data', onStdinData);
      stdin.on('end', onStdinEnd);
      stdin.resume();
    };

    ws.on('open', () => {
      opened = true;
      if (tty !== undefined) wire();
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const message = parseText(data);
        if (message?.type === 'session_info') {
          if (typeof message.session_id === 'number' || typeof message.session_id === 'string') sessionId = String(message.session_id);
          if (tty === undefined) {
            tty = message.tty === true;
            wire();
          }
        } else if (tty === true && message?.type === 'exit' && typeof message.exit_code === 'number') {
          exitCode = message.exit_code;
        }
        return;
      }
      if (tty === undefined) return;
      if (tty) {
        stdout.write(data);
        return;
      }
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
      if (detached && exitCode === undefined) {
        resolve({ kind: 'detached', sessionId });
        return;
      }
      const code_ = exitCode ?? (tty === true ? exitCodeFromCloseCode(code) : undefined);
      if (code_ === undefined) {
        stderr.write('hob: the connection closed before the command reported its exit status\n');
        resolve({ kind: 'exited', code: LOST_EXIT_CODE });
      } else {
        resolve({ kind: 'exited', code: code_ });
      }
    });
  });
}

/**
 * The exit status for an outcome. A detach leaves the session running and says how to come
 * back to it; that is a success.
 */
export function finishOutcome(outcome: ExecOutcome, sprite: string, stderr: NodeJS.WriteStream): number {
  if (outcome.kind === 'exited') return outcome.code;
  const id = outcome.sessionId ?? 'ID';
  stderr.write(`\r\nhob: detached from session ${id}, which keeps running; reattach with: hob attach ${sprite} ${id}\r\n`);
  return 0;
}
