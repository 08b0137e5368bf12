/**
 * JSON text messages on exec sockets. Clients send `signal` and `resize`; the agent sends
 * `exit` (TTY mode only reaches users; it also carries the code the close code cannot).
 */
import { constants } from 'node:os';

export type ClientControlMessage =
  | { type: 'signal'; signal: string }
  | { type: 'resize'; cols: number; rows: number };

export interface ExitMessage {
  type: 'exit';
  exit_code: number;
}

/**
 * The first message on every session's socket, the exec that made it and every attach. The SDK
 * waits for it on attach to learn the mode (`tty` must be a boolean); `session_id` is the id to
 * attach to, the session leader's pid in the sprite as on Sprites, which sends it as a number.
 */
export interface SessionInfoMessage {
  type: 'session_info';
  session_id: number;
  command: string;
  /** Unix seconds, as Sprites sends it. */
  created: number;
  tty: boolean;
  /** True on the socket that started the session, false on later attaches. */
  is_owner: boolean;
  cols?: number;
  rows?: number;
}

const SIGNALS = new Map<string, number>(Object.entries(constants.signals));

/** Accepts `TERM`, `SIGTERM`, `term` or a number; returns the canonical `SIGTERM` name. */
export function normalizeSignal(raw: string): NodeJS.Signals | undefined {
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) {
    const num = Number(trimmed);
    const found = [...SIGNALS].find(([, value]) => value === num);
    return found === undefined ? undefined : (found[0] as NodeJS.Signals); // keys of os.constants.signals are signal names
  }
  const upper = trimmed.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return SIGNALS.has(name) ? (name as NodeJS.Signals) : undefined; // checked against the table above
}

export function signalNumber(name: NodeJS.Signals): number {
  return SIGNALS.get(name) ?? 0;
}

/** Parses a client's text frame; returns undefined for anything that is not a known message. */
export function parseClientControl(text: string): ClientControlMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const msg: { type?: unknown; signal?: unknown; cols?: unknown; rows?: unknown } = value;
  if (msg.type === 'signal' && typeof msg.signal === 'string' && msg.signal.length <= 32) {
    return { type: 'signal', signal: msg.signal };
  }
  if (msg.type === 'resize') {
    const cols = Number(msg.cols);
    const rows = Number(msg.rows);
    if (Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0 && cols <= 65535 && rows <= 65535) {
      return { type: 'resize', cols, rows };
    }
  }
  return undefined;
}
