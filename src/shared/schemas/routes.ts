import type { TObject, TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '../errors.js';
import { CheckpointList, Checkpoint, CreateCheckpointBody, Diff, DiffQuery, ListCheckpointsQuery, ProgressEvent } from './checkpoints.js';
import { CheckpointParams, ImageNameParams, NameParams, Nullable } from './common.js';
import { EXEC_STREAM_DESCRIPTION, ExecJsonBody, ExecJsonResult, ExecQuery } from './exec.js';
import {
  FS_WATCH_DESCRIPTION,
  FsChmodBody,
  FsChmodResult,
  FsChownBody,
  FsChownResult,
  FsCopyBody,
  FsCopyResult,
  FsDeleteQuery,
  FsDeleteResult,
  FsList,
  FsListQuery,
  FsPathQuery,
  FsRenameBody,
  FsRenameResult,
  FsUnpackResult,
  FsWatchMessage,
  FsWatchQuery,
  FsWriteQuery,
  FsWriteResult,
} from './fs.js';
import { Image, ImageList } from './images.js';
import { NetworkPolicy } from './policy.js';
import { PrivilegesPolicy, PrivilegesPolicyBody, ResourcesPolicy, ResourcesPolicyBody } from './sprite-policies.js';
import { PORTS_WATCH_DESCRIPTION, PortMessage } from './ports.js';
import { CreateSpriteBody, ListSpritesQuery, ListSpritesResponse, Sprite, UpdateSpriteBody } from './sprites.js';
import { ExecSessionList, SESSION_ATTACH_DESCRIPTION, SessionKillEvent, SessionKillQuery, SessionParams } from './sessions.js';
import { CheckResponse, RestartResponse, SleepBody } from './sleep.js';
import { Health, OpenApiDocument } from './system.js';
import { CreatedToken, CreateTokenBody, TokenList, TokenParams } from './tokens.js';
import { ServerUsage, SpriteUsage, UsageQuery } from './usage.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A JSON body a raw route also takes, or a JSON answer a streaming route also gives, and when. */
export interface JsonAlternative {
  readonly json: TSchema;
  readonly description: string;
}

/** What a successful call answers. */
export type SuccessResponse =
  | {
      readonly status: 200 | 201;
      readonly description: string;
      readonly json: TSchema;
      /** Set when the call may also create what it names: it then answers 201 with the same body, as this says. */
      readonly created?: string;
    }
  | { readonly status: 200; readonly description: string; readonly stream: 'application/x-ndjson'; readonly lines: TSchema }
  | { readonly status: 200; readonly description: string; readonly stream: 'application/octet-stream' | 'text/plain'; readonly alternative?: JsonAlternative }
  | { readonly status: 204; readonly description: string }
  | { readonly status: 101; readonly description: string; readonly messages?: TSchema };

export type RequestBody =
  | { readonly json: TSchema; readonly required: boolean }
  | { readonly raw: 'application/octet-stream'; readonly description: string; readonly required: boolean; readonly alternative?: JsonAlternative };

/**
 * One route of the API: the single source for validation (the server hands these schemas to
 * fastify), for the types the client and CLI use, for the route-contract test and for the
 * OpenAPI document at GET /v1/openapi.json.
 */
export interface RouteContract {
  /** The OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod | 'WS';
  /** In the server router's syntax (`:name`). */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  /** Answered without a token. */
  readonly public?: true;
  readonly params?: TObject;
  readonly querystring?: TObject;
  /**
   * Documented query parameters that shared/exec-request parses itself (repeated `cmd` and
   * `env` are its normal form), so they are not handed to the schema validator.
   */
  readonly execQuery?: TObject;
  readonly body?: RequestBody;
  readonly response: SuccessResponse;
  /** The error codes this route answers with, besides `unauthorized` on the routes that need a token. */
  readonly errors: readonly ErrorCode[];
  /** A failed file operation answers the SDK's fs error body (`{error: message, code: "ENOENT", path}`) instead of `{error: code, message}`. */
  readonly posixErrors?: true;
}

/** `const` keeps each schema's own type, so fastify's type provider can type the handlers. */
export const route = <const R extends RouteContract>(contract: R): R => contract;

export const progress = (description: string) => ({ status: 200, description, stream: 'application/x-ndjson', lines: ProgressEvent }) as const;

/** What a file operation may fail with: its POSIX codes map onto these (src/shared/fs-errors.ts). */
const FS_ERRORS = [
  'bad_request',
  'invalid_name',
  'not_found',
  'forbidden',
  'already_exists',
  'conflict',
  'body_too_large',
  'insufficient_storage',
  'sprite_unavailable',
  'agent_error',
  'agent_incompatible',
  'internal',
] as const satisfies readonly ErrorCode[];

const FS_DESCRIPTION = "Done inside the sprite as the image's user (`sprite` on debian, root on other images) unless `asRoot`; relative paths start from `workingDir`. A sleeping sprite is woken.";

export const routes = {
  listSprites: route({
    id: 'listSprites',
    method: 'GET',
    path: '/v1/sprites',
    summary: 'List sprites, a page at a time, by name',
    description:
      'With `Accept: application/x-ndjson` (the SDK\'s watchSprites) the answer is a stream instead: one line per sprite as it is now, then one each time a sprite changes state, and a heartbeat every 15 s; each line is `{type, name, status, last_running_at, last_warming_at, timestamp, org: {name, running, warm, cold}}`.',
    querystring: ListSpritesQuery,
    response: { status: 200, description: 'One page of sprites.', json: ListSpritesResponse },
    errors: ['bad_request'],
  }),
  createSprite: route({
    id: 'createSprite',
    method: 'POST',
    path: '/v1/sprites',
    summary: 'Create a sprite from an image, or fork one from another sprite',
    description: 'The body is JSON whatever the Content-Type says, or with none at all.',
    body: { json: CreateSpriteBody, required: true },
    response: { status: 201, description: 'The sprite, running.', json: Sprite },
    errors: ['bad_request', 'invalid_name', 'not_found', 'already_exists', 'conflict', 'image_not_ready', 'body_too_large', 'internal'],
  }),
  getSprite: route({
    id: 'getSprite',
    method: 'GET',
    path: '/v1/sprites/:name',
    summary: 'Get a sprite',
    params: NameParams,
    response: { status: 200, description: 'The sprite.', json: Sprite },
    errors: ['invalid_name', 'not_found'],
  }),
  updateSprite: route({
    id: 'updateSprite',
    method: 'PUT',
    path: '/v1/sprites/:name',
    summary: "Change a sprite's labels or URL settings; with no body, make sure it exists",
    description:
      "With a body, the SDK's update: the sprite must exist. With no body at all (the Sprites quick-start's `curl -X PUT`) or JSON `null`, the sprite is created with the server's defaults if it is missing (201), and answered as it is if it exists (200). A create waits for its image as POST /v1/sprites does.",
    params: NameParams,
    // fastify checks an absent body as null.
    body: { json: Nullable(UpdateSpriteBody), required: false },
    response: { status: 200, description: 'The sprite as changed, or as it is.', json: Sprite, created: 'A body-less PUT created the sprite, running.' },
    errors: ['bad_request', 'invalid_name', 'not_found', 'already_exists', 'conflict', 'image_not_ready', 'body_too_large', 'internal'],
  }),
  deleteSprite: route({
    id: 'deleteSprite',
    method: 'DELETE',
    path: '/v1/sprites/:name',
    summary: 'Destroy a sprite, its files and its checkpoints',
    params: NameParams,
    response: { status: 204, description: 'Destroyed; no body.' },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  createCheckpoint: route({
    id: 'createCheckpoint',
    method: 'POST',
    path: '/v1/sprites/:name/checkpoint',
    summary: "Checkpoint a sprite's files",
    description: 'Refused with a status while nothing has started; a later failure ends the stream with an `error` line.',
    params: NameParams,
    body: { json: CreateCheckpointBody, required: false },
    response: progress('Progress lines, then `complete` carrying the new checkpoint `id`, or `error`.'),
    errors: ['bad_request', 'invalid_name', 'not_found', 'body_too_large'],
  }),
  listCheckpoints: route({
    id: 'listCheckpoints',
    method: 'GET',
    path: '/v1/sprites/:name/checkpoints',
    summary: "List a sprite's checkpoints, newest first",
    params: NameParams,
    querystring: ListCheckpointsQuery,
    response: { status: 200, description: 'The checkpoints.', json: CheckpointList },
    errors: ['bad_request', 'invalid_name', 'not_found'],
  }),
  getCheckpoint: route({
    id: 'getCheckpoint',
    method: 'GET',
    path: '/v1/sprites/:name/checkpoints/:id',
    summary: 'Get a checkpoint',
    params: CheckpointParams,
    response: { status: 200, description: 'The checkpoint.', json: Checkpoint },
    errors: ['invalid_name', 'not_found'],
  }),
  deleteCheckpoint: route({
    id: 'deleteCheckpoint',
    method: 'DELETE',
    path: '/v1/sprites/:name/checkpoints/:id',
    summary: 'Delete a checkpoint',
    params: CheckpointParams,
    response: { status: 204, description: 'Deleted; no body.' },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict'],
  }),
  restoreCheckpoint: route({
    id: 'restoreCheckpoint',
    method: 'POST',
    path: '/v1/sprites/:name/checkpoints/:id/restore',
    summary: "Restore a sprite's files to a checkpoint, restarting it",
    description: 'The files it had are kept first as an automatic checkpoint.',
    params: CheckpointParams,
    response: progress('Progress lines, then `complete` or `error`.'),
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  diffCheckpoints: route({
    id: 'diffCheckpoints',
    method: 'GET',
    path: '/v1/sprites/:name/checkpoints/:id/diff',
    summary: 'What changed between a checkpoint and another one, or the files now',
    description: 'Hob extension. `current` may stand for the sprite\'s files now in place of either id.',
    params: CheckpointParams,
    querystring: DiffQuery,
    response: { status: 200, description: 'The changes.', json: Diff },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict'],
  }),
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
  fsRead: route({
    id: 'fsRead',
    method: 'GET',
    path: '/v1/sprites/:name/fs/read',
    summary: 'Read a file',
    description: `${FS_DESCRIPTION} The body streams; Content-Length is the file's size when it has one.`,
    params: NameParams,
    querystring: FsPathQuery,
    response: { status: 200, description: "The file's bytes.", stream: 'application/octet-stream' },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsWrite: route({
    id: 'fsWrite',
    method: 'PUT',
    path: '/v1/sprites/:name/fs/write',
    summary: 'Write a file, creating or replacing it',
    description: `${FS_DESCRIPTION} The body streams to the file, of any size the sprite's disk holds.`,
    params: NameParams,
    querystring: FsWriteQuery,
    body: { raw: 'application/octet-stream', description: "The file's new content.", required: false },
    response: { status: 200, description: 'Written.', json: FsWriteResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsList: route({
    id: 'fsList',
    method: 'GET',
    path: '/v1/sprites/:name/fs/list',
    summary: "List a directory, or a file's own entry",
    description: `${FS_DESCRIPTION} The SDK's readdir and stat both call this.`,
    params: NameParams,
    querystring: FsListQuery,
    response: { status: 200, description: 'The entries.', json: FsList },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsDelete: route({
    id: 'fsDelete',
    method: 'DELETE',
    path: '/v1/sprites/:name/fs/delete',
    summary: 'Delete a file or directory',
    description: `${FS_DESCRIPTION} A missing path is 404 ENOENT (the SDK's \`rm({force: true})\` ignores it); a directory needs \`recursive\` unless it is empty.`,
    params: NameParams,
    querystring: FsDeleteQuery,
    response: { status: 200, description: 'Deleted.', json: FsDeleteResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsRename: route({
    id: 'fsRename',
    method: 'POST',
    path: '/v1/sprites/:name/fs/rename',
    summary: 'Rename or move a file or directory',
    description: FS_DESCRIPTION,
    params: NameParams,
    body: { json: FsRenameBody, required: true },
    response: { status: 200, description: 'Renamed.', json: FsRenameResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsCopy: route({
    id: 'fsCopy',
    method: 'POST',
    path: '/v1/sprites/:name/fs/copy',
    summary: 'Copy a file, or a directory with `recursive`',
    description: `${FS_DESCRIPTION} Symlinks are copied as symlinks.`,
    params: NameParams,
    body: { json: FsCopyBody, required: true },
    response: { status: 200, description: 'Copied; `count` entries.', json: FsCopyResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsChmod: route({
    id: 'fsChmod',
    method: 'POST',
    path: '/v1/sprites/:name/fs/chmod',
    summary: "Change a file's mode",
    description: FS_DESCRIPTION,
    params: NameParams,
    body: { json: FsChmodBody, required: true },
    response: { status: 200, description: 'Changed; `count` entries.', json: FsChmodResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsChown: route({
    id: 'fsChown',
    method: 'POST',
    path: '/v1/sprites/:name/fs/chown',
    summary: "Change a file's owner or group",
    description: `${FS_DESCRIPTION} Only root may give a file away, as anywhere on Linux.`,
    params: NameParams,
    body: { json: FsChownBody, required: true },
    response: { status: 200, description: 'Changed; `count` entries.', json: FsChownResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsWatch: route({
    id: 'fsWatch',
    method: 'WS',
    path: '/v1/sprites/:name/fs/watch',
    summary: 'Watch files and directories for changes',
    description: FS_WATCH_DESCRIPTION,
    params: NameParams,
    querystring: FsWatchQuery,
    response: { status: 101, description: 'Switching Protocols: `subscribed`, then `event` and `error` messages.', messages: FsWatchMessage },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'sprite_unavailable', 'agent_error', 'agent_incompatible'],
  }),
  fsPack: route({
    id: 'fsPack',
    method: 'GET',
    path: '/v1/sprites/:name/fs/archive',
    summary: "A directory's contents as a tar stream (Hob extension)",
    description: `${FS_DESCRIPTION} The archive holds \`.\` and everything below it, with modes, modification times and symlinks (owners are left out); \`hob cp\` pulls directories with it. The X-Hob-Total-Bytes header says how many bytes its files hold, for progress.`,
    params: NameParams,
    querystring: FsPathQuery,
    response: { status: 200, description: 'A tar archive.', stream: 'application/octet-stream' },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  fsUnpack: route({
    id: 'fsUnpack',
    method: 'PUT',
    path: '/v1/sprites/:name/fs/archive',
    summary: 'Unpack a tar stream into a directory (Hob extension)',
    description: `${FS_DESCRIPTION} The directory and its parents are made if missing; modes and symlinks are kept, and files belong to whoever unpacks them. Entries with \`..\` or absolute paths are refused. \`hob cp\` pushes directories with it.`,
    params: NameParams,
    querystring: FsPathQuery,
    body: { raw: 'application/octet-stream', description: 'A tar archive.', required: true },
    response: { status: 200, description: 'Unpacked; `count` entries.', json: FsUnpackResult },
    errors: FS_ERRORS,
    posixErrors: true,
  }),
  sleepSprite: route({
    id: 'sleepSprite',
    method: 'POST',
    path: '/v1/sprites/:name/sleep',
    summary: 'Put a sprite to sleep now (Hob extension)',
    description:
      'Warm (the default): its processes are frozen and keep their memory; cold (`{"cold": true}`): its processes stop and its files stay. Whatever is attached waits; any use wakes it again. A sprite asleep deeper than asked stays as it is.',
    params: NameParams,
    body: { json: Nullable(SleepBody), required: false },
    response: { status: 200, description: 'The sprite, asleep.', json: Sprite },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'body_too_large'],
  }),
  wakeSprite: route({
    id: 'wakeSprite',
    method: 'POST',
    path: '/v1/sprites/:name/wake',
    summary: 'Wake a sprite now (Hob extension)',
    description: 'A warm sprite is thawed, a cold one booted. Any other use wakes a sprite too; this is for doing it ahead of time.',
    params: NameParams,
    response: { status: 200, description: 'The sprite, running.', json: Sprite },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  restartSprite: route({
    id: 'restartSprite',
    method: 'POST',
    path: '/v1/sprites/:name/restart',
    summary: 'Reboot a sprite',
    description: 'Its processes stop and it boots again, with the files it has; a sleeping sprite is booted.',
    params: NameParams,
    response: { status: 200, description: 'Restarted.', json: RestartResponse },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  checkSprite: route({
    id: 'checkSprite',
    method: 'GET',
    path: '/v1/sprites/:name/check',
    summary: "Whether a sprite's agent answers",
    params: NameParams,
    response: { status: 200, description: 'The check.', json: CheckResponse },
    errors: ['invalid_name', 'not_found'],
  }),
  upgradeSprite: route({
    id: 'upgradeSprite',
    method: 'POST',
    path: '/v1/sprites/:name/upgrade',
    summary: "Give a sprite this server's agent",
    description: "A running sprite whose agent is older than this server's is restarted (its processes stop); one that is current, or asleep (it gets the current agent when it next boots), is left as it is.",
    params: NameParams,
    response: { status: 204, description: 'Done; no body.' },
    errors: ['invalid_name', 'not_found', 'conflict', 'agent_incompatible'],
  }),
  getNetworkPolicy: route({
    id: 'getNetworkPolicy',
    method: 'GET',
    path: '/v1/sprites/:name/policy/network',
    summary: "A sprite's egress name policy",
    description: 'The rules as they were set (presets unexpanded); `{"rules": []}` when there are none. A sprite that was never given a policy has the server\'s default one.',
    params: NameParams,
    response: { status: 200, description: 'The policy.', json: NetworkPolicy },
    errors: ['invalid_name', 'not_found'],
  }),
  setNetworkPolicy: route({
    id: 'setNetworkPolicy',
    method: 'POST',
    path: '/v1/sprites/:name/policy/network',
    summary: "Replace a sprite's egress name policy",
    description:
      'The whole rule set is replaced and holds at once: denied names are answered REFUSED by the sprite\'s resolver, new connections go only to addresses an allowed name resolved to for this sprite, and open connections the new policy forbids are cut. `{"rules": []}` lifts enforcement. The fences (private ranges, the host, other sprites) hold whatever the policy says.',
    params: NameParams,
    body: { json: NetworkPolicy, required: true },
    response: { status: 204, description: 'Replaced; no body.' },
    errors: ['bad_request', 'invalid_name', 'not_found', 'body_too_large'],
  }),
  getSpriteUsage: route({
    id: 'getSpriteUsage',
    method: 'GET',
    path: '/v1/sprites/:name/usage',
    summary: "A sprite's usage and cost over time (Hob extension)",
    description:
      'CPU, memory and storage the sprite used, and what they cost at the server\'s prices, in steps from `from` to `to`. Only a sprite that exists now is answered, with its own usage; a destroyed sprite\'s usage stays in GET /v1/usage.',
    params: NameParams,
    querystring: UsageQuery,
    response: { status: 200, description: 'Its usage.', json: SpriteUsage },
    errors: ['bad_request', 'invalid_name', 'not_found'],
  }),
  getUsage: route({
    id: 'getUsage',
    method: 'GET',
    path: '/v1/usage',
    summary: 'Usage and cost of every sprite over time (Hob extension)',
    description: 'The server\'s totals and points, in the shape of a sprite\'s usage, with each sprite\'s totals; sprites destroyed since are listed with `deleted: true`.',
    querystring: UsageQuery,
    response: { status: 200, description: 'The usage.', json: ServerUsage },
    errors: ['bad_request'],
  }),
  getResourcesPolicy: route({
    id: 'getResourcesPolicy',
    method: 'GET',
    path: '/v1/sprites/:name/policy/resources',
    summary: "A sprite's resources policy (its memory limit)",
    description: 'Without a policy, the limit its config gives (`ram_mb`, `autoscale: false`).',
    params: NameParams,
    response: { status: 200, description: 'The policy in force.', json: ResourcesPolicy },
    errors: ['invalid_name', 'not_found'],
  }),
  setResourcesPolicy: route({
    id: 'setResourcesPolicy',
    method: 'POST',
    path: '/v1/sprites/:name/policy/resources',
    summary: "Set a sprite's memory limit, at once and from then on",
    description:
      "A running or warm sprite's cgroup is changed in place (no restart); the policy is kept, so it holds across restarts, sleeps and wakes. A limit below what the sprite holds and the kernel cannot reclaim is refused (409) and nothing changes.",
    params: NameParams,
    body: { json: ResourcesPolicyBody, required: true },
    response: { status: 200, description: 'The policy now in force.', json: ResourcesPolicy },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'body_too_large'],
  }),
  deleteResourcesPolicy: route({
    id: 'deleteResourcesPolicy',
    method: 'DELETE',
    path: '/v1/sprites/:name/policy/resources',
    summary: "Put a sprite's memory limit back to its config's",
    params: NameParams,
    response: { status: 200, description: 'The policy now in force.', json: ResourcesPolicy },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  getPrivilegesPolicy: route({
    id: 'getPrivilegesPolicy',
    method: 'GET',
    path: '/v1/sprites/:name/policy/privileges',
    summary: "A sprite's privileges policy: its capability profile, extra devices and no_new_privileges",
    description: 'What its next boot gets; the sandbox running now got what the policy was when it booted.',
    params: NameParams,
    response: { status: 200, description: 'The policy.', json: PrivilegesPolicy },
    errors: ['invalid_name', 'not_found'],
  }),
  setPrivilegesPolicy: route({
    id: 'setPrivilegesPolicy',
    method: 'POST',
    path: '/v1/sprites/:name/policy/privileges',
    summary: "Set a sprite's privileges, from its next boot",
    description:
      'Replaces the whole policy; it holds from the next boot (`POST /restart`, or a wake from cold). No profile gives host root: the user namespace, the seccomp filter (widened only by `privileged`, and never to bpf, perf or the btrfs ioctls) and the network fences stay.',
    params: NameParams,
    body: { json: PrivilegesPolicyBody, required: true },
    response: { status: 200, description: 'The policy the next boot gets.', json: PrivilegesPolicy },
    errors: ['bad_request', 'invalid_name', 'not_found', 'conflict', 'body_too_large'],
  }),
  deletePrivilegesPolicy: route({
    id: 'deletePrivilegesPolicy',
    method: 'DELETE',
    path: '/v1/sprites/:name/policy/privileges',
    summary: "Put a sprite's privileges back to the defaults, from its next boot",
    params: NameParams,
    response: { status: 200, description: 'The policy the next boot gets.', json: PrivilegesPolicy },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  listTokens: route({
    id: 'listTokens',
    method: 'GET',
    path: '/v1/tokens',
    summary: 'List API tokens (admin token only)',
    description: 'Expired tokens are left out. The tokens themselves are never shown again.',
    response: { status: 200, description: 'The tokens.', json: TokenList },
    errors: [],
  }),
  createToken: route({
    id: 'createToken',
    method: 'POST',
    path: '/v1/tokens',
    summary: 'Make a token limited to some sprites, perhaps read-only or expiring (admin token only)',
    description:
      'A token that is not admin sees only the sprites its scope covers (name prefix and/or label): any other is answered 404 as if missing, lists leave them out, and it may create only sprites inside its scope. Routes that name no sprite (tokens, image builds) need the admin token.',
    body: { json: CreateTokenBody, required: true },
    response: { status: 201, description: 'The token, shown only this once.', json: CreatedToken },
    errors: ['bad_request', 'already_exists', 'body_too_large'],
  }),
  revokeToken: route({
    id: 'revokeToken',
    method: 'DELETE',
    path: '/v1/tokens/:id',
    summary: 'Revoke a token by id or name (admin token only)',
    description: 'It stops working at once, sign-in cookies made with it too. The admin token cannot be revoked this way.',
    params: TokenParams,
    response: { status: 204, description: 'Revoked; no body.' },
    errors: ['not_found', 'conflict'],
  }),
  listImages: route({
    id: 'listImages',
    method: 'GET',
    path: '/v1/images',
    summary: 'List images, built-in and imported',
    response: { status: 200, description: 'The images.', json: ImageList },
    errors: [],
  }),
  getImage: route({
    id: 'getImage',
    method: 'GET',
    path: '/v1/images/:name',
    summary: 'Get an image',
    params: ImageNameParams,
    response: { status: 200, description: 'The image.', json: Image },
    errors: ['invalid_name', 'not_found'],
  }),
  buildImage: route({
    id: 'buildImage',
    method: 'POST',
    path: '/v1/images/:name/build',
    summary: 'Build a built-in image, or follow the build in flight',
    params: ImageNameParams,
    response: progress('Progress lines until the build ends with `complete` or `error`.'),
    errors: ['invalid_name', 'not_found'],
  }),
  importImage: route({
    id: 'importImage',
    method: 'POST',
    path: '/v1/images/:name/import',
    summary: 'Import a root filesystem tarball as an image',
    params: ImageNameParams,
    body: { raw: 'application/octet-stream', description: 'A tar archive of the root filesystem (gzip allowed).', required: true },
    response: progress('Progress lines until the import ends with `complete` or `error`.'),
    errors: ['bad_request', 'invalid_name', 'conflict', 'body_too_large'],
  }),
  deleteImage: route({
    id: 'deleteImage',
    method: 'DELETE',
    path: '/v1/images/:name',
    summary: 'Delete an imported or built image',
    description: 'Sprites made from it keep their files.',
    params: ImageNameParams,
    response: { status: 204, description: 'Deleted; no body.' },
    errors: ['invalid_name', 'not_found', 'conflict'],
  }),
  health: route({
    id: 'health',
    method: 'GET',
    path: '/v1/health',
    summary: 'Whether the server answers, and its version',
    response: { status: 200, description: 'It answers.', json: Health },
    errors: [],
  }),
  metrics: route({
    id: 'metrics',
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics',
    description:
      'In the Prometheus text format, for a scraper that sends the API token (`authorization: {credentials: <token>}` in its scrape config). Per sprite: `hob_sprite_cpu_seconds_total`, `hob_sprite_memory_bytes`, `hob_sprite_hot_storage_bytes`, `hob_sprite_status`; `hob_sprites` by status; histograms `hob_api_request_duration_seconds`, `hob_exec_round_trip_seconds`, `hob_wake_duration_seconds`; and the process\'s own (`process_*`, `nodejs_*`).',
    response: { status: 200, description: 'The metrics.', stream: 'text/plain' },
    errors: [],
  }),
  openapi: route({
    id: 'openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    public: true,
    response: { status: 200, description: 'The OpenAPI 3.1 document of this API.', json: OpenApiDocument },
    errors: [],
  }),
} as const;

/** Every error code a route may answer with: its own, and those that come with its kind of route. */
export function errorCodesOf(route: RouteContract): ErrorCode[] {
  const implied: ErrorCode[] = [];
  // A token that is not admin may be refused a route (scopes: src/server/api/scope.ts).
  if (route.public !== true) implied.push('unauthorized', 'forbidden');
  // A path parameter that is not valid percent-encoding is refused before the route is known.
  if (route.params !== undefined) implied.push('bad_request');
  // A Content-Type header that does not parse is refused before any body is read; fastify reads a DELETE's body too.
  if (route.method === 'POST' || route.method === 'PUT' || route.method === 'DELETE') implied.push('unsupported_media_type');
  return [...new Set([...implied, ...route.errors])];
}

/** Every route the server answers, in its router's own path syntax. */
export const ROUTES: readonly RouteContract[] = Object.values(routes);
