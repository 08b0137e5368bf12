import { Type } from './type.js';
import { Timestamp } from './common.js';
import { DEFAULT_KILL_TIMEOUT_MS, ENDED_SESSION_RETENTION_MS, MAX_COMMAND_CHARS, MAX_ENDED_SESSIONS, SCROLLBACK_BYTES } from '../session-limits.js';

export const SessionParams = Type.Object({
  name: Type.String({ description: 'The sprite name.' }),
  id: Type.String({ description: 'A session id, as listed.' }),
});

export const ExecSession = Type.Object(
  {
    id: Type.String({ description: "The session's id: its leader's pid inside the sprite, in decimal. Attach with `WS /exec/{id}`." }),
    command: Type.String({ description: `Its argv, joined by spaces (cut at ${MAX_COMMAND_CHARS} characters).` }),
    workdir: Type.String({ description: 'Where it started.' }),
    created: Timestamp('When it started.'),
    last_activity: Timestamp('When it last wrote output or was given input.'),
    tty: Type.Boolean({ description: 'Whether it runs on a terminal.' }),
    is_active: Type.Boolean({ description: 'Whether its command is still running.' }),
    bytes_per_second: Type.Number({ description: 'Its output rate over the last 10 s.' }),
    attached_clients: Type.Integer({ description: 'Hob extension: how many clients are attached now.' }),
    exit_code: Type.Optional(Type.Integer({ description: 'Hob extension: its exit code (128 + N for signal N), once it has ended.' })),
    ended_at: Type.Optional(Timestamp('Hob extension: when it ended.')),
  },
  { title: 'ExecSession', description: 'A TTY or detachable exec, which outlives its clients.' },
);

export const ExecSessionList = Type.Object(
  {
    sessions: Type.Array(ExecSession),
    count: Type.Integer(),
  },
  {
    title: 'SessionList',
    description: `Running sessions, and those that ended in the last ${ENDED_SESSION_RETENTION_MS / 60_000} minutes (the ${MAX_ENDED_SESSIONS} most recent), oldest first. Sessions live in the sprite's memory: a warm sprite keeps them, a cold one (stopped, restarted, restored) has none.`,
  },
);

export const SessionKillQuery = Type.Object({
  signal: Type.Optional(Type.String({ description: 'The signal to send first: `SIGTERM` (the default), `TERM`, `INT`, `HUP`, `KILL`, … or a number.' })),
  timeout: Type.Optional(Type.String({ description: `How long to wait for it to exit before SIGKILL: a duration such as \`10s\` (default ${DEFAULT_KILL_TIMEOUT_MS / 1000}s); \`0\` sends SIGKILL at once.` })),
});

export const SessionKillEvent = Type.Object(
  {
    type: Type.Union([Type.Literal('signal'), Type.Literal('timeout'), Type.Literal('exited'), Type.Literal('killed'), Type.Literal('error'), Type.Literal('complete')]),
    message: Type.Optional(Type.String()),
    signal: Type.Optional(Type.String()),
    pid: Type.Optional(Type.Integer()),
    exit_code: Type.Optional(Type.Integer()),
  },
  { title: 'SessionKillEvent', description: 'One line of a kill: `signal`, then `exited` or `timeout` and `killed`, then `complete` with the exit code; `error` if it failed.' },
);

export const SESSION_ATTACH_DESCRIPTION = [
  'Attaches to a session. The first message is a text frame `{"type":"session_info","session_id":1847,"tty":true,"command":"bash","created":1767609000,"is_owner":false,"cols":80,"rows":24}`;',
  `the session's recent output follows (up to ${SCROLLBACK_BYTES / 1024} KiB), then its live output, in the framing of its mode (raw for a TTY, stream-id frames otherwise).`,
  'Input, resize and signal messages work as on a new exec, from every attached client; each client leaving leaves the session running.',
  'Attaching to an ended session gives its output and then its exit. Query parameters the SDK adds (stdin, env, dir) are ignored.',
].join(' ');
