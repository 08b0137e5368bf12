import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import test from 'node:test';
import { HobError } from '../shared/errors.js';
import { resolveServerConfig } from './config.js';
import { startupError } from './startup-error.js';

test('an address in use at start-up is a configuration error naming the fix', async (t) => {
  const first = createServer();
  first.listen(0, '127.0.0.1');
  await once(first, 'listening');
  t.after(() => first.close());
  const { port } = first.address() as AddressInfo; // a TCP listener has an AddressInfo
  const second = createServer();
  second.listen(port, '127.0.0.1');
  const [inUse] = (await once(second, 'error')) as [Error]; // a server's 'error' event carries one Error

  const config = resolveServerConfig({ listen: `127.0.0.1:${port}` }, {});
  const translated = startupError(inUse, config);
  assert.ok(translated instanceof HobError);
  assert.equal(translated.code, 'invalid_config');
  assert.equal(translated.message, `127.0.0.1:${port} is already in use (is another hob serve running?); stop it or pick another --listen`);
});

test('other start-up failures pass through unchanged', () => {
  const config = resolveServerConfig({}, {});
  const bug = new TypeError('x is undefined');
  assert.equal(startupError(bug, config), bug);
  const refused = new HobError('invalid_config', 'run chmod');
  assert.equal(startupError(refused, config), refused);
});
