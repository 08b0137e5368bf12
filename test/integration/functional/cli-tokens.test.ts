/**
 * `hob token` against the real server: a prefix-scoped token made by the CLI lists only its
 * sprites, gets 404 for another's, and stops working once revoked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HobClient } from '../../../src/client/client.js';
import { runHob } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';

const server = sharedServer();

test('hob token create/list/revoke: a prefix-scoped token cannot see other sprites', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const mine = await sprites.create({ name: `${server.prefix}-tok-mine` });
  const other = await sprites.create({ name: `${server.prefix}-other-one` });
  const tokenName = `${server.prefix}-ci`;
  const created = await runHob(server, ['token', 'create', '--name', tokenName, '--sprites', `${server.prefix}-tok-`, '--expires', '7d']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^hob_[0-9a-f]{12}_/);
  t.after(() => runHob(server, ['token', 'revoke', tokenName]));

  const listed = await runHob(server, ['token', 'list', '--json']);
  const entry = (JSON.parse(listed.stdout) as { name: string | null; sprite_prefix: string | null; expires_at: string | null }[]).find((e) => e.name === tokenName); // the list's JSON shape
  assert.equal(entry?.sprite_prefix, `${server.prefix}-tok-`);
  assert.ok(entry.expires_at !== null && Date.parse(entry.expires_at) > Date.now() + 6 * 86_400_000);

  const scoped = new HobClient({ url: server.url, token });
  assert.deepEqual((await scoped.listSprites({ prefix: server.prefix })).sprites.map((s) => s.name), [mine.name]);
  await assert.rejects(scoped.getSprite(other.name), (error: Error) => /not found/.test(error.message));
  assert.equal((await scoped.getSprite(mine.name)).name, mine.name);
  const asScoped = await runHob({ ...server, token }, ['token', 'list']);
  assert.notEqual(asScoped.code, 0, 'a scoped token cannot manage tokens');
  assert.match(asScoped.stderr, /admin token/);

  const revoked = await runHob(server, ['token', 'revoke', tokenName]);
  assert.equal(revoked.code, 0, revoked.stderr);
  await assert.rejects(scoped.listSprites(), (error: Error) => /invalid API token/.test(error.message));
});
