import type { Log } from '../log.js';
import type { OutputStream } from './scrollback.js';

/** A started exec, whichever mode it runs in; its ExecSession drives it. */
export interface RunningCommand {
  /** The command's session and process group id (its leader's pid); undefined if it never started. */
  readonly pgid: number | undefined;
  /** True once the exit has been sent to the client (or could not be, the socket being gone). */
  readonly finished: boolean;
  /** Resolves once finished. */
  readonly done: Promise<void>;
  /** A binary frame from the client, as it came. */
  input(frame: Buffer): void;
  resize(cols: number, rows: number): void;
}

/**
 * Where a command's output and exit go: its ExecSession, which passes them to every attached
 * client and keeps the newest output for those that attach later.
 */
export interface CommandSink {
  output(stream: OutputStream, data: Buffer): void;
  /** The command is over and all its output has been given. */
  exit(code: number): void;
  /** Clients cannot keep up: the command stops reading its output until `resume`. */
  onCongestion(pause: () => void, resume: () => void): void;
  /** The command's stdin is full: stop reading clients' input until `resumeInput`. */
  pauseInput(): void;
  resumeInput(): void;
}

export interface CommandContext {
  readonly id: number;
  readonly log: Log;
}

/** A promise with its resolver outside (Promise.withResolvers needs Node 22). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function exitCodeOf(code: number | null, signalNumber: number | undefined): number {
  if (signalNumber !== undefined && signalNumber > 0) return 128 + signalNumber;
  return code ?? 1;
}
