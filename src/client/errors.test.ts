import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../shared/errors.js';
import { errorFromBody, errorFromEvent } from './errors.js';
import { progressEventFrom } from './progress-event.js';

test('an NDJSON error line becomes a HobError with the code the server gave it', () => {
  const event = progressEventFrom({ type: 'error', error: 'sprite demo is busy (restoring); try again when it is done', code: 'conflict', time: 't' });
  assert.deepEqual(event, { type: 'error', error: 'sprite demo is busy (restoring); try again when it is done', code: 'conflict', time: 't' });
  assert.ok(event.type === 'error');
  const error = errorFromEvent(event, 'checkpoint');
  assert.ok(error instanceof HobError);
  assert.equal(error.code, 'conflict');
  assert.equal(error.message, 'checkpoint failed: sprite demo is busy (restoring); try again when it is done');
  assert.equal(errorFromEvent(event).message, 'sprite demo is busy (restoring); try again when it is done');
});

test('an error line without a code Hob knows is internal; lines that are no events are dropped', () => {
  assert.deepEqual(progressEventFrom({ type: 'error', error: 'old server' }), { type: 'error', error: 'old server', code: 'internal' });
  assert.deepEqual(progressEventFrom({ type: 'error', error: 'x', code: 'made_up' }), { type: 'error', error: 'x', code: 'internal' });
  assert.deepEqual(progressEventFrom({ type: 'error', code: 'not_found' }), { type: 'error', error: 'the operation failed', code: 'not_found' });
  assert.deepEqual(progressEventFrom({ type: 'info', data: 'working' }), { type: 'info', data: 'working' });
  for (const junk of [null, 'text', 42, [], { type: 'info' }, { type: 'surprise', data: 'x' }]) assert.equal(progressEventFrom(junk), undefined, JSON.stringify(junk));
});

test('a refused request becomes a HobError with its code, from JSON or from the status', () => {
  const fromJson = errorFromBody(409, 'Conflict', JSON.stringify({ error: 'conflict', message: 'busy', details: { state: 'restoring' } }));
  assert.deepEqual([fromJson.code, fromJson.message, fromJson.details], ['conflict', 'busy', { state: 'restoring' }]);
  assert.equal(errorFromBody(409, 'Conflict', 'plain text').code, 'conflict');
  assert.equal(errorFromBody(404, 'Not Found', '').code, 'not_found');
  assert.equal(errorFromBody(401, 'Unauthorized', '').code, 'unauthorized');
  assert.equal(errorFromBody(502, 'Bad Gateway', '<html>').code, 'internal');
  assert.equal(errorFromBody(400, 'Bad Request', '{"error":"nope"}').code, 'bad_request');
});

test('a failed file operation keeps its POSIX code and path', () => {
  const error = errorFromBody(404, 'Not Found', JSON.stringify({ error: 'no such file or directory', code: 'ENOENT', path: '/app/missing' }));
  assert.deepEqual([error.code, error.message, error.details], ['not_found', 'no such file or directory', { errno: 'ENOENT', path: '/app/missing' }]);
  assert.equal(errorFromBody(403, 'Forbidden', JSON.stringify({ error: 'permission denied', code: 'EACCES', path: '/etc/x' })).code, 'forbidden');
  assert.equal(errorFromBody(400, 'Bad Request', JSON.stringify({ error: 'bad_request', message: 'path is required' })).message, 'path is required');
});
