import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { checkNeeds, startOrder } from './order.js';

const node = (name: string, ...needs: string[]) => ({ name, needs });

test('services start after what they need (taken in name order, each right after its needs); cycles and missing needs are set apart', () => {
  assert.deepEqual(startOrder([node('web', 'api'), node('api', 'db'), node('db'), node('cron')]), { order: ['db', 'api', 'cron', 'web'], unplaceable: [] });
  assert.deepEqual(startOrder([node('a', 'b'), node('b', 'a'), node('c'), node('d', 'a'), node('e', 'ghost')]), { order: ['c'], unplaceable: ['a', 'b', 'd', 'e'] });
});

test('a definition that needs a missing service or closes a cycle is refused, naming it', () => {
  const others = [node('db'), node('api', 'db'), node('web', 'api')];
  assert.doesNotThrow(() => checkNeeds(node('worker', 'db', 'api'), others));
  assert.doesNotThrow(() => checkNeeds(node('api', 'db'), others), 'replacing a service is checked against the others');
  assert.throws(() => checkNeeds(node('x', 'nope', 'db'), others), (error: unknown) => error instanceof HobError && error.code === 'bad_request' && /needs nope, which does not exist/.test(error.message));
  assert.throws(() => checkNeeds(node('db', 'web'), others), /cycle: db → web → api → db/);
});
