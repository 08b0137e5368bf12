import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../../shared/errors.js';
import { copyDirection, parseLocation } from './location.js';

test('sprite:path is a sprite, :path the current one, anything else local', () => {
  assert.deepEqual(parseLocation('demo:/var/log/app.log'), { kind: 'sprite', sprite: 'demo', path: '/var/log/app.log' });
  assert.deepEqual(parseLocation(':/etc/hosts'), { kind: 'sprite', sprite: undefined, path: '/etc/hosts' });
  assert.deepEqual(parseLocation('demo:'), { kind: 'sprite', sprite: 'demo', path: '/' });
  assert.deepEqual(parseLocation('./a:b'), { kind: 'local', path: './a:b' });
  assert.deepEqual(parseLocation('/x:y'), { kind: 'local', path: '/x:y' });
  assert.deepEqual(parseLocation('Not_A_Name:x'), { kind: 'local', path: 'Not_A_Name:x' });
  assert.deepEqual(parseLocation('file.txt'), { kind: 'local', path: 'file.txt' });
});

test('exactly one side of a copy is a sprite', () => {
  assert.equal(copyDirection(parseLocation('./a'), parseLocation('demo:/b')).direction, 'push');
  assert.equal(copyDirection(parseLocation('demo:/b'), parseLocation('.')).direction, 'pull');
  assert.throws(() => copyDirection(parseLocation('a'), parseLocation('b')), (error: unknown) => error instanceof HobError && error.code === 'bad_request');
  assert.throws(() => copyDirection(parseLocation('x:/a'), parseLocation('y:/b')), /both sides are sprites/);
});
