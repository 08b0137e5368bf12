import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from './errors.js';
import { assertValidName, nameProblem } from './names.js';

test('DNS-label names are valid', () => {
  for (const name of ['a', 'dev', 'my-sprite-2', '0abc', 'a'.repeat(63)]) assert.equal(nameProblem(name), undefined, name);
});

test('everything else is refused with a reason', () => {
  for (const name of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a/b', 'a b', 'ünï', 'a'.repeat(64), '..']) {
    assert.notEqual(nameProblem(name), undefined, JSON.stringify(name));
  }
  assert.equal(nameProblem(undefined), 'name is required');
  assert.equal(nameProblem(42), 'name is required');
});

test('assertValidName throws an invalid_name HobError (HTTP 400)', () => {
  assert.throws(
    () => assertValidName('Bad/Name'),
    (error: unknown) => error instanceof HobError && error.code === 'invalid_name' && error.status === 400 && error.message.includes('Bad/Name'),
  );
});
