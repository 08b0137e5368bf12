import assert from 'node:assert/strict';
import test from 'node:test';
import type { SpriteState } from '../store/sprites.js';
import { INITIAL_STATES, TRANSITIONS, assertTransition, canTransition, isSettled } from './states.js';

const ALL = Object.keys(TRANSITIONS) as SpriteState[]; // the table has exactly one row per state (checked by its type)

test('every state is reachable from a state a sprite is created in', () => {
  const seen = new Set<SpriteState>(INITIAL_STATES);
  const queue: SpriteState[] = [...INITIAL_STATES];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of TRANSITIONS[state]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  assert.deepEqual([...seen].sort(), [...ALL].sort());
});

test('every state but destroying can be destroyed, and destroying is final', () => {
  for (const state of ALL) {
    if (state === 'destroying') assert.deepEqual(TRANSITIONS[state], []);
    else assert.ok(canTransition(state, 'destroying'), `${state} → destroying`);
  }
});

test('the table allows exactly its rows and refuses every other pair', () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const allowed = (TRANSITIONS[from] as readonly SpriteState[]).includes(to); // a row's literal tuple, widened to search it
      assert.equal(canTransition(from, to), allowed, `${from} → ${to}`);
      if (allowed) assertTransition('s', from, to);
      else assert.throws(() => assertTransition('s', from, to), { code: 'internal' });
    }
  }
});

test('a restore only starts from a stopped sprite and ends stopped, ready to boot', () => {
  for (const from of ALL) assert.equal(canTransition(from, 'restoring'), from === 'stopped', from);
  assert.ok(isSettled('stopped') && isSettled('running'));
  assert.ok(canTransition('restoring', 'stopped'));
  assert.ok(!canTransition('restoring', 'running'), 'a restore boots through stopped, so a failed boot leaves it cold');
});

test('spares are never handed out while booting', () => {
  assert.ok(!canTransition('spare-booting', 'creating') && !canTransition('spare-booting', 'running'));
  assert.ok(canTransition('spare', 'creating'));
});
