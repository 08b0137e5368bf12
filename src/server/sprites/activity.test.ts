import assert from 'node:assert/strict';
import test from 'node:test';
import { ActivityTracker } from './activity.js';

test('holds count up and down, each release once; touches move the last activity', () => {
  let now = 1000;
  const activity = new ActivityTracker(() => now);
  assert.equal(activity.lastActive('a'), 1000, 'a sprite never seen counts as touched now');
  now = 2000;
  const first = activity.hold('a');
  const second = activity.hold('a');
  assert.ok(activity.held('a'));
  first();
  first();
  assert.ok(activity.held('a'), 'a second release of one hold does not drop another');
  now = 3000;
  second();
  assert.ok(!activity.held('a'));
  assert.equal(activity.lastActive('a'), 3000, 'letting go counts as activity');
  now = 4000;
  activity.touch('a');
  assert.equal(activity.lastActive('a'), 4000);
  assert.ok(!activity.held('b'));
});
