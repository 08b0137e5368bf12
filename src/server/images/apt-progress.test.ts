import assert from 'node:assert/strict';
import { test } from 'node:test';

import { aptStatusParser } from './apt-progress.js';
import type { BuildProgress } from './progress.js';

test('apt status-fd lines become percent progress', () => {
  const events: BuildProgress[] = [];
  const parse = aptStatusParser((p) => events.push(p));
  for (const line of [
    'Reading package lists...',
    'dlstatus:1:0.0000:Retrieving file 1 of 238',
    'dlstatus:1:0.0000:Retrieving file 1 of 238',
    'pmstatus:node-abbrev:12.5000:Unpacking node-abbrev (amd64)',
    'pmerror:/var/cache/apt/archives/x.deb:50:trying to overwrite y',
  ]) {
    parse(line);
  }
  assert.deepEqual(events, [
    { message: 'Downloading: Retrieving file 1 of 238', done: 0, total: 100 },
    { message: 'Installing: Unpacking node-abbrev (amd64)', done: 12, total: 100 },
    { message: 'E: trying to overwrite y' },
  ]);
});
