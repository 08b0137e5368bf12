/**
 * Limits on real runc: a server of this file's own that samples usage every 200 ms and runs at
 * most two sprites at once. A spend limit puts a sprite with a process in memory to sleep and
 * refuses its wakes, through the SDK and the CLI, until it is raised; the cap on running
 * sprites answers the SDK with 429 and Retry-After, and lets a create that waits in when a
 * sprite goes to sleep.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { APIError } from '@fly/sprites';
import type { HobClient } from '../../../src/client/client.js';
import { runHob } from '../../helpers/cli.js';
import { clientFor, sharedServer } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { cleanupDataDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';
import { sh } from '../../helpers/shell.js';

const shared = sharedServer();
const prefix = uniquePrefix();
const dataDir = join(shared.runDir, `limits-${prefix}`);
let server: TestServer;
let client: HobClient;

before(async () => {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', '--idle-timeout', '0', '--usage-sample-interval', '200ms', '--max-running', '2', '--capacity-wait', '30s'] });
  client = clientFor(server);
});

after(async () => {
  for (const sprite of (await client.listSprites({ prefix })).sprites) await client.deleteSprite(sprite.name).catch(() => undefined);
  await server.stop();
  cleanupDataDir(dataDir, prefix);
});

const cli = (args: string[]) => runHob({ ...server, runDir: shared.runDir }, args);

async function waitForStatus(name: string, status: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = (await client.getSprite(name)).status;
    if (now === status) return;
    if (Date.now() > deadline) throw new Error(`sprite ${name} stayed ${now}, never ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail('it succeeded');
}

test('a spend limit puts a running sprite to sleep and refuses its wakes until it is raised; its processes carry on', { timeout: 120_000 }, async () => {
  const name = `${prefix}-spender`;
  await client.createSprite({ name, image: 'tiny' });
  const pid = (await sh(client, name, "setsid sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 & echo $!")).stdout.trim();
  // A little above what it spent so far: a few samples of running pass it.
  const spent = (await client.getSpendLimit(name)).spent.today;
  const set = await cli(['limits', 'set', name, '--daily', String(spent + 0.00002)]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /Spend limit: +\$0\.0000 a day, no monthly limit|Spend limit: +\$0\.00\d+ a day/);

  await waitForStatus(name, 'warm');
  const limit = await client.getSpendLimit(name);
  assert.equal(limit.reached?.scope, 'sprite');
  assert.equal(limit.reached.period, 'day');
  assert.ok(limit.spent.today >= limit.reached.limit);

  // Through the unmodified SDK: a WebSocket exec sees only the refusal's status (its WebSocket
  // client drops the body); its HTTP exec reads the JSON error, which names the limit.
  const sdk = sdkClient(server);
  assert.match(String(await rejection(sdk.sprite(name).execFile('true'))), /Unexpected server response: 402/);
  assert.match(String(await rejection(sdk.sprite(name).execFileHTTP('true'))), /has reached its daily spend limit/);
  const wake = await rejection(client.wakeSprite(name));
  assert.ok(wake instanceof Error && 'code' in wake && wake.code === 'spend_limit_reached', String(wake));
  assert.equal((await client.getSprite(name)).status, 'warm', 'a refused wake leaves it asleep');

  // The CLI: one line naming the limit and how to raise it, exit 1.
  const exec = await cli(['exec', '-s', name, '--', 'true']);
  assert.equal(exec.code, 1, exec.stderr);
  assert.match(exec.stderr, new RegExp(`sprite ${name} has reached its daily spend limit: .*hob limits set ${name} --daily AMOUNT`));
  const info = await cli(['info', name]);
  assert.match(info.stdout, /Spend limit: +.* a day, no monthly limit; asleep, wakes refused: its daily limit is reached/);

  const raised = await cli(['limits', 'set', name, '--daily', '100']);
  assert.equal(raised.code, 0, raised.stderr);
  const after = await sh(client, name, `kill -0 ${pid} && echo alive`);
  assert.equal(after.stdout.trim(), 'alive', 'woken, it carries on where it stopped');
  await client.deleteSprite(name);
});

test('over the cap on running sprites the SDK gets 429 with Retry-After; a create that waits is let in when a sprite sleeps', { timeout: 120_000 }, async () => {
  const [first, second, third] = [`${prefix}-cap-a`, `${prefix}-cap-b`, `${prefix}-cap-c`];
  await client.createSprite({ name: first, image: 'tiny' });
  await client.createSprite({ name: second, image: 'tiny' });
  const sdk = sdkClient(server);
  const list = await sdk.listSprites();
  assert.equal(list.runningLimit, 2, 'the list reports the cap as Sprites does');

  const refused = await rejection(sdk.createSprite(third));
  assert.ok(refused instanceof APIError, String(refused));
  assert.equal(refused.statusCode, 429);
  assert.ok(refused.isRateLimitError());
  assert.equal(refused.errorCode, 'concurrent_sprite_limit_exceeded');
  assert.equal(refused.retryAfterHeader, 5);
  assert.equal(refused.currentCount, 2);
  assert.equal(refused.limit, 2);

  // The CLI's create that waits, and an exec that wakes a sprite over the cap.
  let settled = false;
  const waiting = cli(['create', third, '--image', 'tiny', '--wait-for-capacity']).then((run) => {
    settled = true;
    return run;
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(settled, false, 'the create waits while two sprites run');
  await client.sleepSprite(first);
  const created = await waiting;
  assert.equal(created.code, 0, created.stderr);
  assert.equal((await client.getSprite(third)).status, 'running');
  assert.equal((await client.getSprite(first)).config.wait_for_capacity, false);
  assert.equal((await client.getSprite(third)).config.wait_for_capacity, true, 'its wakes will wait too');

  const exec = await cli(['exec', '-s', first, '--', 'true']);
  assert.equal(exec.code, 69, `a wake over the cap is worth retrying: ${exec.stderr}`);
  assert.match(exec.stderr, /runs at most 2 sprites at once and 2 are running/);
  assert.equal((await client.getSprite(first)).status, 'warm');
  const limits = await cli(['limits']);
  assert.match(limits.stdout, /Running: +2 of at most 2/);

  for (const name of [first, second, third]) await client.deleteSprite(name);
});
