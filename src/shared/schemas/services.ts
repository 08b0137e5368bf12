import { Type } from './type.js';
import { RequestObject, Timestamp } from './common.js';
import {
  MAX_SERVICE_ARG_LENGTH,
  MAX_SERVICE_ARGS,
  MAX_SERVICE_CMD_LENGTH,
  MAX_SERVICE_DIR_LENGTH,
  MAX_SERVICE_ENV_ENTRIES,
  MAX_SERVICE_ENV_VALUE_LENGTH,
  MAX_SERVICE_LOG_LINES,
  MAX_SERVICE_USER_LENGTH,
  MAX_SERVICES,
  SERVICE_NAME_PATTERN,
  SERVICE_USER_PATTERN,
} from '../services.js';

/**
 * Services as the Sprites SDK speaks them (its services.js): snake_case on the wire, `args` and
 * `needs` always present in answers, the state nested, timestamps as ISO strings; log lines
 * with `timestamp` in milliseconds since the epoch.
 */

export const ServiceName = Type.String({ pattern: SERVICE_NAME_PATTERN, description: 'Lowercase letters, digits, `-` and `_`, starting with a letter or digit; up to 63 characters.' });

export const ServiceParams = Type.Object({
  name: Type.String({ description: 'The sprite name.' }),
  service: ServiceName,
});

/** The same service name, on the in-sprite socket (no sprite in the path). */
export const OwnServiceParams = Type.Object({ service: ServiceName });

const NoNul = '^[^\\u0000]*$';

const serviceFields = {
  cmd: Type.String({ minLength: 1, maxLength: MAX_SERVICE_CMD_LENGTH, pattern: NoNul, description: 'The program: a path, or a name looked up in PATH.' }),
  args: Type.Optional(Type.Array(Type.String({ maxLength: MAX_SERVICE_ARG_LENGTH, pattern: NoNul }), { maxItems: MAX_SERVICE_ARGS, description: 'Its arguments.' })),
  env: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: MAX_SERVICE_ENV_VALUE_LENGTH, pattern: NoNul }), {
      maxProperties: MAX_SERVICE_ENV_ENTRIES,
      description: "Variables laid over the service's base environment (the sprite's `environment` over a login-like default); names are [A-Za-z_][A-Za-z0-9_]*.",
    }),
  ),
  dir: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SERVICE_DIR_LENGTH, pattern: '^/[^\\u0000]*$', description: "Its working directory, an absolute path; default: its user's home (`/` for root)." })),
  needs: Type.Optional(Type.Array(ServiceName, { maxItems: MAX_SERVICES, description: 'Services started before this one, at every boot; they must exist, and no cycle is allowed.' })),
  http_port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "Where the sprite's URL goes instead of port 8080; one service at most has one." })),
  user: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_SERVICE_USER_LENGTH, pattern: SERVICE_USER_PATTERN, description: "Hob extension: the account it runs as (a name in the sprite's /etc/passwd, or a uid); default: the image's user (`sprite` on debian, root elsewhere)." }),
  ),
};

/** `PUT …/services/{name}`: the SDK sends only the keys it was given, and never `name`. */
export const ServiceRequestBody = RequestObject(serviceFields, { title: 'ServiceRequest' });

export const ServiceStatus = Type.Union([Type.Literal('stopped'), Type.Literal('starting'), Type.Literal('running'), Type.Literal('stopping'), Type.Literal('failed')]);

export const ServiceState = Type.Object(
  {
    name: Type.String(),
    status: ServiceStatus,
    pid: Type.Optional(Type.Integer({ minimum: 1, description: 'Its main process, inside the sprite, while it runs.' })),
    started_at: Type.Optional(Timestamp('When its current (or last) process started.')),
    error: Type.Optional(Type.String({ description: 'Why it is failed: it could not start, or how its last process ended.' })),
    restart_count: Type.Integer({ minimum: 0, description: 'How many times it was restarted after crashing since it was last started.' }),
    next_restart_at: Type.Optional(Timestamp('When it is restarted after a crash (exponential backoff).')),
  },
  { title: 'ServiceState', additionalProperties: false },
);

export const Service = Type.Object(
  {
    name: Type.String(),
    cmd: Type.String(),
    args: Type.Array(Type.String()),
    env: Type.Record(Type.String(), Type.String()),
    dir: Type.Optional(Type.String()),
    needs: Type.Array(Type.String()),
    http_port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    user: Type.Optional(Type.String()),
    state: ServiceState,
  },
  { title: 'Service', description: 'A service and its state.', additionalProperties: false },
);

export const ServiceList = Type.Array(Service, { description: 'Every service, by name; a bare array (the SDK also reads `{"services": [...]}`).' });

const Duration = (description: string) => Type.Optional(Type.String({ maxLength: 32, description }));

export const ServiceWatchQuery = RequestObject({
  duration: Duration('How long to stream its output after starting it, as a duration (`5s`, `1m`); `0` ends the stream at once. Default 5s.'),
});

export const StopServiceQuery = RequestObject({
  timeout: Duration('How long to wait after SIGTERM before its whole process group is killed. Default 10s, at most 5m.'),
});

export const ServiceLogsQuery = RequestObject({
  lines: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SERVICE_LOG_LINES, description: 'How many of its most recent output lines (since its sprite booted) to send first. Default 100.' })),
  duration: Duration('Then follow its output this long (`30s`, up to `24h`). Default: not at all.'),
});

export const SignalServiceBody = RequestObject(
  {
    name: ServiceName,
    signal: Type.String({ minLength: 1, maxLength: 32, description: 'A signal name (`HUP`, `SIGTERM`) or number.' }),
  },
  { title: 'SignalService' },
);

const logFiles = Type.Object(
  { combined: Type.String(), stdout: Type.String(), stderr: Type.String() },
  { additionalProperties: false, description: 'Its log files inside the sprite (each rotated by size, one older copy kept as `<file>.1`).' },
);

/**
 * One line of a service's NDJSON stream: output (`stdout`, `stderr`), its lifecycle (`started`,
 * `exit` with `exit_code`, `stopping`, `stopped`), an `error` (it could not start; the message in
 * `data`) and finally `complete` with `log_files`.
 */
export const ServiceLogEvent = Type.Object(
  {
    type: Type.Union([
      Type.Literal('stdout'),
      Type.Literal('stderr'),
      Type.Literal('exit'),
      Type.Literal('error'),
      Type.Literal('complete'),
      Type.Literal('started'),
      Type.Literal('stopping'),
      Type.Literal('stopped'),
    ]),
    data: Type.Optional(Type.String()),
    exit_code: Type.Optional(Type.Integer()),
    timestamp: Type.Number({ description: 'Milliseconds since the epoch.' }),
    log_files: Type.Optional(logFiles),
  },
  { title: 'ServiceLogEvent', additionalProperties: false },
);
