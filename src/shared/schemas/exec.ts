import { Type } from './type.js';
import { DEFAULT_TTY_COLS, DEFAULT_TTY_ROWS } from '../exec-request.js';
import { RequestObject } from './common.js';

/**
 * The exec request's query parameters, for the OpenAPI document only: the query is parsed by
 * shared/exec-request (server, agent and CLI share it), which takes repeated `cmd` and `env`.
 */
export const ExecQuery = Type.Object({
  cmd: Type.Optional(Type.Array(Type.String(), { description: 'argv, one parameter per argument (`cmd=ls&cmd=-l`); argv[0] is looked up on PATH.' })),
  path: Type.Optional(Type.String({ description: 'argv[0], used when `cmd` is absent.' })),
  env: Type.Optional(Type.Array(Type.String(), { description: 'Environment variables as `KEY=value`, one parameter each.' })),
  dir: Type.Optional(Type.String({ description: 'Working directory: an absolute path inside the sprite.' })),
  tty: Type.Optional(Type.Boolean({ description: '`true` or `1` runs the command on a pseudo-terminal; HTTP exec refuses it.' })),
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_TTY_ROWS, description: 'Terminal rows, with tty.' })),
  cols: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_TTY_COLS, description: 'Terminal columns, with tty.' })),
  stdin: Type.Optional(Type.Boolean({ description: '`true` or `1` keeps stdin open for the client to write; otherwise it is closed at once.' })),
  user: Type.Optional(
    Type.String({
      description:
        "Hob extension: the account to run as, a name from the sprite's /etc/passwd or a uid. Default: the image's user, `sprite` (uid 1000, starting in /home/sprite, with passwordless sudo) on debian and root (starting in /) on other images.",
    }),
  ),
});

export const EXEC_STREAM_DESCRIPTION = [
  'Binary frames, one byte of stream id and the payload: 0x00 stdin (client to sprite), 0x01 stdout, 0x02 stderr, 0x03 exit (one byte of exit code), 0x04 end of stdin.',
  'With a TTY, binary frames are raw terminal bytes. Text frames carry JSON control messages: the client sends {"type":"signal","signal":"TERM"} and {"type":"resize","cols":80,"rows":24}; the server sends {"type":"exit","exit_code":0}.',
].join(' ');

/** Output the JSON form of HTTP exec keeps per stream; the rest is dropped and the answer says so. */
export const MAX_EXEC_JSON_OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * The JSON form of HTTP exec, as the Sprites launch page's curl sends it
 * (`-d '{"command": "echo hello"}'`): a POST with no `cmd` in the query and this as its body.
 */
export const ExecJsonBody = RequestObject(
  {
    command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
      description: 'A string runs through the sprite\'s shell (`sh -c`); an array is argv, run as it is.',
    }),
    dir: Type.Optional(Type.String({ description: 'Working directory: an absolute path inside the sprite.' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Environment variables, laid over the sprite's own." })),
    user: Type.Optional(Type.String({ description: 'Hob extension: the account to run as, as the `user` query parameter.' })),
  },
  { title: 'ExecJson', description: 'A command to run to its end, its output answered as JSON.' },
);

export const ExecJsonResult = Type.Object(
  {
    stdout: Type.String({ description: 'What it wrote to stdout, as UTF-8 text (bytes that are not UTF-8 become U+FFFD).' }),
    stderr: Type.String({ description: 'What it wrote to stderr, likewise.' }),
    exit_code: Type.Integer({ description: 'Its exit code; 128 + N if signal N ended it.' }),
    truncated: Type.Optional(Type.Literal(true, { description: `Present when a stream wrote more than ${MAX_EXEC_JSON_OUTPUT_BYTES / 1024 / 1024} MiB, whose rest was dropped.` })),
  },
  { title: 'ExecResult', description: 'The outcome of a command run by the JSON form of HTTP exec.' },
);
