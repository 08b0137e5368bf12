import { HobError } from '../../shared/errors.js';
import type { ExecSessionJson, SessionKillEventJson, SessionListResponse } from '../../shared/protocol.js';
import { MAX_COMMAND_CHARS, MAX_ENDED_SESSIONS, MAX_LIVE_SESSIONS } from '../../shared/session-limits.js';

/**
 * Strict checks of what an agent says about its sessions: it runs next to user code, so every
 * field is typed, bounded and named, and anything else makes the whole answer an agent error.
 */

const MAX_TEXT_CHARS = 4096;
const MAX_MESSAGE_CHARS = 1000;
const KILL_EVENT_TYPES = new Set(['signal', 'timeout', 'exited', 'killed', 'error', 'complete']);
const SESSION_KEYS = new Set(['id', 'command', 'workdir', 'created', 'last_activity', 'tty', 'is_active', 'bytes_per_second', 'attached_clients', 'exit_code', 'ended_at']);
const KILL_KEYS = new Set(['type', 'message', 'signal', 'pid', 'exit_code']);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

function bad(what: string): HobError {
  return new HobError('agent_error', `the agent's ${what} is malformed`);
}

function objectOf(value: unknown, keys: Set<string>, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what);
  const record = value as Record<string, unknown>; // a non-null, non-array object, checked above
  if (Object.keys(record).some((key) => !keys.has(key))) throw bad(what);
  return record;
}

function text(value: unknown, maxChars: number, what: string): string {
  if (typeof value !== 'string' || value.length > maxChars) throw bad(what);
  return value;
}

function time(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ISO_TIME.test(value)) throw bad(what);
  return value;
}

function integer(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value)) throw bad(what);
  return value as number; // checked just above
}

function parseSession(value: unknown): ExecSessionJson {
  const what = 'session list';
  const s = objectOf(value, SESSION_KEYS, what);
  const id = text(s.id, 10, what);
  if (!/^\d+$/.test(id)) throw bad(what);
  if (typeof s.tty !== 'boolean' || typeof s.is_active !== 'boolean') throw bad(what);
  const rate = s.bytes_per_second;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) throw bad(what);
  const session: ExecSessionJson = {
    id,
    command: text(s.command, MAX_COMMAND_CHARS, what),
    workdir: text(s.workdir, MAX_TEXT_CHARS, what),
    created: time(s.created, what),
    last_activity: time(s.last_activity, what),
    tty: s.tty,
    is_active: s.is_active,
    bytes_per_second: rate,
    attached_clients: integer(s.attached_clients, what),
  };
  if (s.exit_code !== undefined) session.exit_code = integer(s.exit_code, what);
  if (s.ended_at !== undefined) session.ended_at = time(s.ended_at, what);
  return session;
}

export function parseSessionList(value: unknown): SessionListResponse {
  const list = objectOf(value, new Set(['sessions', 'count']), 'session list');
  if (!Array.isArray(list.sessions) || list.sessions.length > MAX_LIVE_SESSIONS + MAX_ENDED_SESSIONS) throw bad('session list');
  const sessions = list.sessions.map(parseSession);
  return { sessions, count: sessions.length };
}

export function parseKillEvent(value: unknown): SessionKillEventJson {
  const what = 'kill report';
  const e = objectOf(value, KILL_KEYS, what);
  if (typeof e.type !== 'string' || !KILL_EVENT_TYPES.has(e.type)) throw bad(what);
  const event: SessionKillEventJson = { type: e.type as SessionKillEventJson['type'] }; // one of the types, checked above
  if (e.message !== undefined) event.message = text(e.message, MAX_MESSAGE_CHARS, what);
  if (e.signal !== undefined) event.signal = text(e.signal, 32, what);
  if (e.pid !== undefined) event.pid = integer(e.pid, what);
  if (e.exit_code !== undefined) event.exit_code = integer(e.exit_code, what);
  return event;
}
