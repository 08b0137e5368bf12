/**
 * The exec stream framing of the Sprites v1 API, used unchanged between client, server and
 * agent. Non-TTY binary frames carry a one-byte stream id; TTY binary frames are raw bytes.
 */
export const StreamId = {
  Stdin: 0x00,
  Stdout: 0x01,
  Stderr: 0x02,
  Exit: 0x03,
  StdinEof: 0x04,
} as const;

/**
 * The largest stdin write an exec session accepts in one WebSocket message. The Sprites SDK
 * sends each write as one message, however large, and a WebSocket message cannot be taken in
 * pieces: the agent holds a whole one in the sprite's own memory until the command has read it
 * (reading from the client pauses meanwhile). Measured on the tiny image, a run of writes this
 * size raised a sprite's memory use from 13 to 46 MiB, so even the smallest sprite (ram_mb 64)
 * takes them; 64 MiB writes took 270 MiB and got the agent OOM-killed in a 256 MiB sprite. A
 * larger write closes the session with 1009 (message too big); split larger input into writes.
 */
export const MAX_EXEC_WRITE_BYTES = 16 * 1024 * 1024;

/** The largest exec message: a write plus the stream id byte that frames it outside a TTY. */
export const MAX_EXEC_MESSAGE_BYTES = MAX_EXEC_WRITE_BYTES + 1;

export type StreamIdValue = (typeof StreamId)[keyof typeof StreamId];

export function encodeFrame(stream: StreamIdValue, payload?: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(1 + (payload?.length ?? 0));
  frame[0] = stream;
  if (payload !== undefined) frame.set(payload, 1);
  return frame;
}

/** Exit codes travel as one byte; larger values are truncated the way a shell truncates them. */
export function encodeExitFrame(code: number): Buffer {
  return Buffer.from([StreamId.Exit, code & 0xff]);
}

export type DecodedFrame =
  | { stream: typeof StreamId.Stdin | typeof StreamId.Stdout | typeof StreamId.Stderr; data: Buffer }
  | { stream: typeof StreamId.Exit; code: number }
  | { stream: typeof StreamId.StdinEof }
  | { stream: 'unknown'; id: number }
  | { stream: 'empty' };

export function decodeFrame(frame: Buffer): DecodedFrame {
  if (frame.length === 0) return { stream: 'empty' };
  const id = frame.readUInt8(0);
  switch (id) {
    case StreamId.Stdin:
    case StreamId.Stdout:
    case StreamId.Stderr:
      return { stream: id, data: frame.subarray(1) };
    case StreamId.Exit:
      // An empty exit payload means 0; extra bytes are ignored (as the Sprites SDKs do).
      return { stream: StreamId.Exit, code: frame.length > 1 ? (frame[1] ?? 0) : 0 };
    case StreamId.StdinEof:
      return { stream: StreamId.StdinEof };
    default:
      return { stream: 'unknown', id };
  }
}

/**
 * In TTY mode no frame carries the exit code; clients read it from the close code.
 * 1000 means 0 (the SDK maps any other code to 1); 4000+N carries N for clients that look.
 */
export function ttyCloseCode(exitCode: number): number {
  return exitCode === 0 ? 1000 : 4000 + (exitCode & 0xff);
}

export function exitCodeFromCloseCode(closeCode: number): number | undefined {
  if (closeCode === 1000) return 0;
  if (closeCode >= 4000 && closeCode <= 4255) return closeCode - 4000;
  return undefined;
}
