import { CheckpointList, Checkpoint, CreateCheckpointBody, Diff, DiffQuery, ListCheckpointsQuery } from './checkpoints.js';
import { CheckpointParams, NameParams } from './common.js';
import { progress, route } from './route-contract.js';

/** Checkpoints, restore and diff. */
export const checkpointRoutes = {
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
} as const;
