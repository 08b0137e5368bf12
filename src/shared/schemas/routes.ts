import type { ErrorCode } from '../errors.js';
import { CheckpointList, Checkpoint, CreateCheckpointBody, Diff, DiffQuery, ListCheckpointsQuery } from './checkpoints.js';
import { CheckpointParams, ImageNameParams, NameParams, Nullable } from './common.js';
import { EXEC_STREAM_DESCRIPTION, ExecJsonBody, ExecJsonResult, ExecQuery } from './exec.js';
import { Image, ImageList } from './images.js';
import { NetworkPolicy } from './policy.js';
import { PORTS_WATCH_DESCRIPTION, PortMessage } from './ports.js';
import { CreateSpriteBody, ListSpritesQuery, ListSpritesResponse, SessionListResponse, Sprite, UpdateSpriteBody } from './sprites.js';
import { CheckResponse, RestartResponse, SleepBody } from './sleep.js';
import { Health, OpenApiDocument } from './system.js';
import { progress, route, type RouteContract } from './route-contract.js';
import { serviceRoutes } from './service-routes.js';

export * from './route-contract.js';

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
    summary: "List a sprite's detachable exec sessions",
    params: NameParams,
    response: { status: 200, description: 'The sessions (none are kept yet).', json: SessionListResponse },
    errors: ['invalid_name', 'not_found'],
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
  ...serviceRoutes,
  health: route({
    id: 'health',
    method: 'GET',
    path: '/v1/health',
    summary: 'Whether the server answers, and its version',
    response: { status: 200, description: 'It answers.', json: Health },
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
  if (route.public !== true) implied.push('unauthorized');
  // A path parameter that is not valid percent-encoding is refused before the route is known.
  if (route.params !== undefined) implied.push('bad_request');
  // A Content-Type header that does not parse is refused before any body is read.
  if (route.method === 'POST' || route.method === 'PUT') implied.push('unsupported_media_type');
  return [...new Set([...implied, ...route.errors])];
}

/** Every route the server answers, in its router's own path syntax. */
export const ROUTES: readonly RouteContract[] = Object.values(routes);
