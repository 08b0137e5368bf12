import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from './errors.js';

test('a HobError from another copy of the module (another bundle) is still a HobError', async () => {
  // A query string makes Node load a second, separate instance of the module, as a second bundle would.
  const copy = (await import(`./errors.js?copy=${Date.now()}`)) as typeof import('./errors.js'); // the same module, loaded again
  assert.notEqual(copy.HobError, HobError, 'two copies of the class');
  const error: unknown = new copy.HobError('invalid_config', '--listen must be HOST:PORT');
  assert.ok(error instanceof HobError);
  assert.equal(error.code, 'invalid_config');
  assert.ok(new HobError('conflict', 'busy') instanceof copy.HobError);
  assert.ok(!(new Error('plain') instanceof HobError));
  const lookalike: unknown = { code: 'conflict' };
  assert.ok(!(lookalike instanceof HobError));
});
