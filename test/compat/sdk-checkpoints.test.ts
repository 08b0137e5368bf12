/**
 * The official `@fly/sprites` SDK, unmodified, driving checkpoints on a live Hob server:
 * createCheckpoint, listCheckpoints, getCheckpoint and restoreCheckpoint (SDK 0.1.0 has no
 * delete), per the wire-protocol notes §7–§8.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { StreamMessage } from '@fly/sprites';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);

before(() => ensureImage(hob, 'tiny'));

// Messages are copied into records: the SDK's StreamMessage type leaves out the `complete`
// message that it passes on all the same.
async function drain(stream: AsyncIterable<StreamMessage>): Promise<Record<string, unknown>[]> {
  const messages: Record<string, unknown>[] = [];
  for await (const message of stream) messages.push({ ...message });
  return messages;
}

test('SDK: create, list, get and restore checkpoints; files come back byte for byte', async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  await sprite.execFile('sh', ['-c', 'mkdir -p /app && head -c 1000000 /dev/urandom > /app/data.bin && echo "v0 config" > /app/config']);
  const original = (await sprite.execFile('md5sum', ['/app/data.bin', '/app/config'])).stdout;

  const messages = await drain(await sprite.createCheckpoint('before change'));
  assert.ok(messages.length >= 2);
  assert.ok(messages.slice(0, -1).every((m) => m.type === 'info' && typeof m.data === 'string'));
  const complete = messages.at(-1);
  assert.equal(complete?.type, 'complete');
  assert.match(String(complete.data), /Checkpoint v0 created/, 'the id is in the text, as Sprites sends it');

  await sprite.execFile('sh', ['-c', 'head -c 1000 /dev/urandom > /app/data.bin && echo changed > /app/config && rm -f /app/missing']);
  const second = await sprite.createCheckpoint();
  let last: StreamMessage | null = null;
  for (let message = await second.next(); message !== null; message = await second.next()) last = message;
  assert.equal(last?.type, 'complete');

  const list = await sprite.listCheckpoints();
  assert.deepEqual(list.map((c) => c.id), ['v1', 'v0']);
  assert.ok(list.every((c) => c.createTime instanceof Date && !Number.isNaN(c.createTime.getTime())));
  assert.equal(list[1]?.comment, 'before change');
  assert.equal(list[0]?.sourceId, 'v0');
  assert.equal(list[0].isAuto, false);
  assert.deepEqual(await sprite.listCheckpoints('v0').then((l) => l.map((c) => c.id)), ['v1', 'v0'], 'history filter: v0 and what descends from it');

  const one = await sprite.getCheckpoint('v0');
  assert.equal(one.id, 'v0');
  assert.equal(one.comment, 'before change');
  await assert.rejects(sprite.getCheckpoint('v42'), /Checkpoint not found: v42/);

  const restoreMessages: Record<string, unknown>[] = [];
  await (await sprite.restoreCheckpoint('v0')).processAll((m) => {
    restoreMessages.push({ ...m });
  });
  assert.equal(restoreMessages.at(-1)?.type, 'complete', JSON.stringify(restoreMessages));
  assert.equal((await sprite.execFile('md5sum', ['/app/data.bin', '/app/config'])).stdout, original);
  assert.equal((await sdk.getSprite(created.name)).status, 'running');
  await assert.rejects(sprite.restoreCheckpoint('v42'), /404/);
});
