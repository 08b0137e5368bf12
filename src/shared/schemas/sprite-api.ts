import { Type } from './type.js';
import { CheckpointList, CreateCheckpointBody, ListCheckpointsQuery } from './checkpoints.js';
import { Nullable, RequestObject, Timestamp } from './common.js';
import { progress, route, type RouteContract } from './route-contract.js';
import { ownServiceRoutes } from './service-routes.js';

/**
 * The API a sprite's own programs reach at /.sprite/api.sock (plain HTTP/JSON, any Host, no
 * token: the socket it came in on says which sprite is asking). Shapes as Sprites documents
 * them ("Keeping a Sprite Running", the Tasks API, and the checkpoints and services of the
 * public API for the sprite itself).
 */

export const MAX_TASK_NAME_LENGTH = 64;

const TaskName = Type.String({
  minLength: 1,
  maxLength: MAX_TASK_NAME_LENGTH,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
  description: 'Letters, digits, `.`, `_`, `:` and `-`, starting with a letter or digit; up to 64 characters.',
});

const Expire = Type.Optional(
  Type.Union([Type.Number(), Type.String({ maxLength: 64 })], {
    description: 'Seconds, or a duration such as "30m" or "1h"; more than zero, at most 1h. Default: 1h.',
  }),
);

export const Task = Type.Object(
  {
    name: Type.String(),
    started_at: Timestamp('When it was made (a refresh keeps it).'),
    expires_at: Timestamp('When it stops holding the sprite unless refreshed.'),
  },
  { title: 'Task', description: 'A hold on the sprite\'s current run: while one is live the sprite stays running.' },
);

export const TaskList = Type.Object({ tasks: Type.Array(Task, { description: 'Live tasks, oldest first.' }) }, { title: 'TaskList' });

export const TaskParams = Type.Object({ name: TaskName });

export const CreateTaskBody = RequestObject({ name: TaskName, expire: Expire }, { title: 'CreateTask' });

/** `PUT /v1/tasks/:name` names the task in its path; the body may be left out. */
export const RefreshTaskBody = Nullable(RequestObject({ expire: Expire }, { title: 'RefreshTask' }));

export const spriteApiRoutes = {
  listTasks: route({
    id: 'listTasks',
    method: 'GET',
    path: '/v1/tasks',
    summary: "The sprite's live tasks",
    public: true,
    response: { status: 200, description: 'The tasks.', json: TaskList },
    errors: [],
  }),
  createTask: route({
    id: 'createTask',
    method: 'POST',
    path: '/v1/tasks',
    summary: 'Hold the sprite running with a new task',
    public: true,
    body: { json: CreateTaskBody, required: true },
    response: { status: 201, description: 'The task.', json: Task },
    errors: ['bad_request', 'already_exists', 'body_too_large'],
  }),
  putTask: route({
    id: 'putTask',
    method: 'PUT',
    path: '/v1/tasks',
    summary: 'Make a task or refresh its expiry, named in the body',
    public: true,
    body: { json: CreateTaskBody, required: true },
    response: { status: 200, description: 'The task.', json: Task },
    errors: ['bad_request', 'body_too_large'],
  }),
  getTask: route({
    id: 'getTask',
    method: 'GET',
    path: '/v1/tasks/:name',
    summary: 'A live task',
    public: true,
    params: TaskParams,
    response: { status: 200, description: 'The task.', json: Task },
    errors: ['not_found'],
  }),
  putNamedTask: route({
    id: 'putNamedTask',
    method: 'PUT',
    path: '/v1/tasks/:name',
    summary: 'Make a task or refresh its expiry',
    public: true,
    params: TaskParams,
    body: { json: RefreshTaskBody, required: false },
    response: { status: 200, description: 'The task.', json: Task },
    errors: ['bad_request', 'body_too_large'],
  }),
  deleteTask: route({
    id: 'deleteTask',
    method: 'DELETE',
    path: '/v1/tasks/:name',
    summary: 'Release a task',
    public: true,
    params: TaskParams,
    response: { status: 204, description: 'Released; no body.' },
    errors: ['not_found'],
  }),
  listOwnCheckpoints: route({
    id: 'listOwnCheckpoints',
    method: 'GET',
    path: '/v1/checkpoints',
    summary: "The sprite's checkpoints, newest first",
    public: true,
    querystring: ListCheckpointsQuery,
    response: { status: 200, description: 'The checkpoints.', json: CheckpointList },
    errors: ['bad_request', 'conflict'],
  }),
  createOwnCheckpoint: route({
    id: 'createOwnCheckpoint',
    method: 'POST',
    path: '/v1/checkpoint',
    summary: "Checkpoint the sprite's own files",
    description: 'The caller is paused with every other process of the sprite while the snapshot is taken.',
    public: true,
    body: { json: CreateCheckpointBody, required: false },
    response: progress('Progress lines, then `complete` carrying the new checkpoint `id`, or `error`.'),
    errors: ['bad_request', 'conflict', 'body_too_large'],
  }),
  ...ownServiceRoutes,
} as const;

export const SPRITE_API_ROUTES: readonly RouteContract[] = Object.values(spriteApiRoutes);
