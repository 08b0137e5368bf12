import { NameParams } from './common.js';
import { EXEC_STREAM_DESCRIPTION, ExecJsonBody, ExecJsonResult, ExecQuery } from './exec.js';
import { PORTS_WATCH_DESCRIPTION, PortMessage } from './ports.js';
import { ExecSessionList, SESSION_ATTACH_DESCRIPTION, SessionKillEvent, SessionKillQuery, SessionParams } from './sessions.js';
import { route } from './route-contract.js';

/** Running commands and reaching ports: exec (HTTP and WebSocket), sessions, the port watch and the TCP proxy. */
export const execRoutes = {
  listExecSessions: route({
    id: 'listExecSessions',
    method: 'GET',
    path: '/v1/sprites/:name/exec',
    summary: "List a sprite's exec sessions",
    description:
      'Every TTY exec, and every exec with `detachable=true`, is a session: it keeps running when its client goes, and can be attached to again. A cold sprite is not booted to answer: it has no sessions.',
    params: NameParams,
    response: { status: 200, description: 'The sessions.', json: ExecSessionList },
    errors: ['invalid_name', 'not_found', 'conflict', 'sprite_unavailable', 'agent_error'],
  }),
  attachExecSession: route({
    id: 'attachExecSession',
    method: 'WS',
    path: '/v1/sprites/:name/exec/:id',
    summary: 'Attach to an exec session over a WebSocket',
    description: SESSION_ATTACH_DESCRIPTION,
    params: SessionParams,
    response: { status: 101, description: 'Switching Protocols: `session_info`, the scrollback, then the live session.' },
    errors: ['invalid_name', 'not_found', 'conflict', 'sprite_unavailable', 'agent_error', 'agent_incompatible'],
  }),
  killExecSession: route({
    id: 'killExecSession',
    method: 'POST',
    path: '/v1/sprites/:name/exec/:id/kill',
    summary: 'End an exec session: a signal, then SIGKILL if it has not exited in time',
    description: 'An unknown session is 404; one that has already ended is 410, as on Sprites. A started kill runs to its end even if the client goes.',
    params: SessionParams,
    querystring: SessionKillQuery,
    response: { status: 200, description: 'The steps, as NDJSON lines, the last `complete` (or `error`).', stream: 'application/x-ndjson', lines: SessionKillEvent },
    errors: ['bad_request', 'invalid_name', 'not_found', 'gone', 'conflict', 'sprite_unavailable', 'agent_error', 'agent_incompatible'],
  }),
  execHttp: route({
    id: 'execHttp',
    method: 'POST',
    path: '/v1/sprites/:name/exec',
    summary: 'Run a command over plain HTTP (no TTY)',
    description:
      'With `cmd` in the query (the SDK\'s form), stdin is the request body when `stdin=true`, and the answer is a chunked body of frames: 0x01 stdout or 0x02 stderr followed by bytes, then exactly [0x03, exit code]. Frames carry no length, which is why the WebSocket exec is preferred.\n\n' +
      'With no `cmd` (the Sprites launch page\'s `curl -d \'{"command": "echo hello"}\'`), the body is JSON whatever its Content-Type, the command runs to its end with no stdin, and the answer is JSON `{stdout, stderr, exit_code}`.',
    params: NameParams,
    execQuery: ExecQuery,
    body: {
      raw: 'application/octet-stream',
      description: "The command's stdin.",
      required: false,
      alternative: { json: ExecJsonBody, description: 'With no `cmd` in the query: the command, as JSON.' },
    },
    response: {
      status: 200,
      description: 'Output frames, then the exit frame.',
      stream: 'application/octet-stream',
      alternative: { json: ExecJsonResult, description: 'For a JSON request: its output and exit code.' },
    },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'body_too_large', 'sprite_unavailable', 'agent_error'],
  }),
  execWebSocket: route({
    id: 'execWebSocket',
    method: 'WS',
    path: '/v1/sprites/:name/exec',
    summary: 'Run a command over a WebSocket',
    description: EXEC_STREAM_DESCRIPTION,
    params: NameParams,
    execQuery: ExecQuery,
    response: { status: 101, description: 'Switching Protocols: the exec stream.' },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'sprite_unavailable', 'agent_error'],
  }),
  watchPorts: route({
    id: 'watchPorts',
    method: 'WS',
    path: '/v1/sprites/:name/ports/watch',
    summary: "Watch the TCP ports listening in a sprite",
    description: PORTS_WATCH_DESCRIPTION,
    params: NameParams,
    response: { status: 101, description: 'Switching Protocols: a `port_list` message, then `port_opened` and `port_closed` messages.', messages: PortMessage },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'sprite_unavailable', 'agent_error', 'agent_incompatible'],
  }),
  proxyWebSocket: route({
    id: 'proxyWebSocket',
    method: 'WS',
    path: '/v1/sprites/:name/proxy',
    summary: 'Forward a TCP connection to a port inside a sprite',
    description:
      'Send a text frame `{"host":"localhost","port":5432}` first. The answer is a text frame `{"status":"connected","target":"host:port"}` within 10 s once the sprite has dialled the port from inside (so a server bound to 127.0.0.1 there is reachable), or `{"status":"error",...}` and a close. After that, binary frames carry the bytes both ways; a close on either side closes the other. One WebSocket per TCP connection.',
    params: NameParams,
    response: { status: 101, description: 'Switching Protocols: the byte stream.' },
    errors: ['bad_request', 'invalid_name', 'not_found'],
  }),
} as const;
