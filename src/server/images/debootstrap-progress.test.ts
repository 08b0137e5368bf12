import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DebootstrapProgress } from './debootstrap-progress.js';
import type { BuildProgress } from './progress.js';

test('debootstrap status lines become counted progress', () => {
  const events: BuildProgress[] = [];
  const parser = new DebootstrapProgress((p) => events.push(p));
  for (const line of [
    'I: Retrieving InRelease ',
    'I: Retrieving Packages ',
    'I: Retrieving bash 5.2.15-2+b13',
    'I: Validating bash 5.2.15-2+b13',
    'I: Retrieving dash 0.5.12-2',
    'I: Extracting bash...',
    'I: Unpacking required packages...',
    'I: Unpacking bash...',
    'I: Configuring dash...',
    'I: Configuring the base system...',
    'W: Failure while configuring base packages.',
    'dpkg: some unrelated noise',
  ]) {
    parser.line(line);
  }
  assert.deepEqual(events, [
    { message: 'Retrieving InRelease' },
    { message: 'Retrieving Packages' },
    { message: 'Downloading bash', done: 1 },
    { message: 'Downloading dash', done: 2 },
    { message: 'Extracting bash', done: 1 },
    { message: 'Unpacking required packages...' },
    { message: 'Unpacking bash', done: 1, total: 2 },
    { message: 'Configuring dash', done: 1, total: 2 },
    { message: 'Configuring the base system...' },
    { message: 'W: Failure while configuring base packages.' },
  ]);
  assert.match(parser.tail(), /dpkg: some unrelated noise$/);
});

test('with a warm cache the package count comes from debootstrap\'s own list', () => {
  const events: BuildProgress[] = [];
  const parser = new DebootstrapProgress((p) => events.push(p), () => 250);
  parser.line('I: Extracting bash...');
  parser.line('I: Unpacking bash...');
  assert.deepEqual(events, [
    { message: 'Extracting bash', done: 1 },
    { message: 'Unpacking bash', done: 1, total: 250 },
  ]);
});
