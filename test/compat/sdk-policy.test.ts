/**
 * The official `@fly/sprites` SDK, unmodified, reading and replacing a sprite's network policy
 * (wire-protocol notes §10): updateNetworkPolicy needs exactly 204, getNetworkPolicy returns
 * the JSON as it comes.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);

before(() => ensureImage(hob, 'tiny'));

test('SDK: getNetworkPolicy and updateNetworkPolicy round-trip the rules; a bad policy is refused', async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  assert.deepEqual(await sprite.getNetworkPolicy(), { rules: [] });
  const policy = { rules: [{ domain: 'allowed.test', action: 'allow' as const }, { domain: '*', action: 'deny' as const }, { include: 'defaults' }] };
  await sprite.updateNetworkPolicy(policy);
  assert.deepEqual(await sprite.getNetworkPolicy(), policy);
  await assert.rejects(sprite.updateNetworkPolicy({ rules: [{ domain: 'x.test', action: 'maybe' as 'allow' }] }), /Invalid policy/); // a value the SDK's type forbids, sent on purpose
  assert.deepEqual(await sprite.getNetworkPolicy(), policy);
});
