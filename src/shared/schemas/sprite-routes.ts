import { NameParams, Nullable } from './common.js';
import { CreateSpriteBody, ListSpritesQuery, ListSpritesResponse, Sprite, UpdateSpriteBody } from './sprites.js';
import { CheckResponse, RestartResponse, SleepBody } from './sleep.js';
import { route } from './route-contract.js';

/** Sprites themselves: create, list, read, change, delete, and sleep and wake. */
export const spriteRoutes = {
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
} as const;
