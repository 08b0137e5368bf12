import type { Log } from '../log.js';

/** A started exec, whichever mode it runs in; the socket wiring in session.ts drives it. */
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
