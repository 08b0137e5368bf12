import assert from 'node:assert/strict';
import test from 'node:test';
import { parseMapping } from './mappings.js';

test('port mappings are PORT or LOCAL:REMOTE', () => {
  assert.deepEqual(parseMapping('5432'), { localPort: 5432, remotePort: 5432 });
  assert.deepEqual(parseMapping('3001:3000'), { localPort: 3001, remotePort: 3000 });
  for (const bad of ['', 'x', '0', '65536', '1:2:3', ':80', '80:', '-1', '1.5']) assert.throws(() => parseMapping(bad), { name: 'HobError' }, bad);
});
