import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { ProgressEvent } from '../../../src/shared/protocol.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as unknown };
}

function ndjson(text: string): ProgressEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ProgressEvent); // test-only: the events are asserted on
}

test('checkpoint, change, restore: files come back byte for byte and processes only pause', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  await shStdout(client, sprite.name, 'mkdir -p /data && head -c 3000000 /dev/urandom > /data/blob && echo one > /data/note && ln -s note /data/link');
  const blobSum = await shStdout(client, sprite.name, 'md5sum /data/blob');
  // A process that runs across the checkpoint: it must carry on afterwards, not restart.
  // setsid: the agent ends a command's process group when its exec ends.
  await shStdout(client, sprite.name, 'setsid sh -c "i=0; while true; do i=\\$((i+1)); echo \\$i > /tmp/counter; sleep 0.05; done" </dev/null >/dev/null 2>&1 &');
  await shStdout(client, sprite.name, 'sleep 0.2; cat /tmp/counter');

  const created = await api('POST', `/v1/sprites/${sprite.name}/checkpoint`, { comment: 'first' });
  assert.equal(created.status, 200);
  const events = ndjson(created.text);
  assert.ok(events.length >= 2 && events.slice(0, -1).every((e) => e.type === 'info'), created.text);
  assert.deepEqual({ ...events.at(-1), time: undefined }, { type: 'complete', data: 'Checkpoint v0 created', id: 'v0', time: undefined });
  assert.ok(events.every((e) => typeof e.time === 'string'), 'each line carries its time');

  const before = Number(await shStdout(client, sprite.name, 'cat /tmp/counter'));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(Number(await shStdout(client, sprite.name, 'cat /tmp/counter')) > before, 'a process running at checkpoint time keeps running');

  await shStdout(client, sprite.name, 'echo two > /data/note && rm /data/blob && echo new > /data/added');
  const second = ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoint`, {})).text).at(-1);
  assert.equal(second?.type === 'complete' && second.id, 'v1');

  // test-only: the body as the API documents it, which the assertions check
  const list = (await api('GET', `/v1/sprites/${sprite.name}/checkpoints`)).json() as { id: string; comment?: string; source_id?: string; create_time: string; is_auto: boolean; history: string[] }[];
  assert.deepEqual(list.map((c) => c.id), ['v1', 'v0'], 'newest first');
  assert.equal(list[1]?.comment, 'first');
  assert.equal(list[0]?.comment, undefined);
  assert.equal(list[0]?.source_id, 'v0');
  assert.deepEqual(list[0].history, ['v0']);
  assert.ok(!Number.isNaN(Date.parse(list[0].create_time)));
  assert.equal((await client.getSprite(sprite.name)).current_checkpoint, 'v1');

  const restore = await api('POST', `/v1/sprites/${sprite.name}/checkpoints/v0/restore`);
  assert.equal(restore.status, 200);
  const restoreEvents = ndjson(restore.text);
  assert.deepEqual(restoreEvents.map((e) => e.type).at(-1), 'complete', restore.text);
  assert.ok(restoreEvents.some((e) => e.type === 'info' && /Stopping/.test(e.data)), 'restore reports its steps');

  const after = await client.getSprite(sprite.name);
  assert.equal(after.status, 'running', 'the sprite comes back running');
  assert.equal(after.current_checkpoint, 'v0');
  assert.equal(await shStdout(client, sprite.name, 'md5sum /data/blob'), blobSum);
  assert.equal(await shStdout(client, sprite.name, 'cat /data/note; readlink /data/link; test ! -e /data/added && echo gone'), 'one\nnote\ngone\n');
  assert.equal(await shStdout(client, sprite.name, 'ps -o args | grep -c "[w]hile true" || true'), '0\n', 'processes end with a restore');

  // The files as they were before the restore were kept as an automatic checkpoint.
  const withAuto = (await api('GET', `/v1/sprites/${sprite.name}/checkpoints?includeAuto=true`)).json() as { id: string; is_auto: boolean; comment?: string }[];
  assert.deepEqual(withAuto.map((c) => c.id), ['auto-0', 'v1', 'v0']);
  assert.equal(withAuto[0]?.is_auto, true);
  assert.match(withAuto[0].comment ?? '', /before restoring v0/);
  const undo = ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoints/auto-0/restore`)).text).at(-1);
  assert.equal(undo?.type, 'complete');
  assert.equal(await shStdout(client, sprite.name, 'cat /data/note /data/added'), 'two\nnew\n', 'a restore can be undone');
});

test('checkpoint errors: unknown ids, the current checkpoint, bad bodies', async (t) => {
  const { create } = spriteFixture(t, server);
  const sprite = await create();
  const base = `/v1/sprites/${sprite.name}`;
  assert.deepEqual((await api('GET', `${base}/checkpoints`)).json(), [], 'an empty list is [], never null');
  for (const [method, path] of [
    ['GET', `${base}/checkpoints/v9`],
    ['DELETE', `${base}/checkpoints/v9`],
    ['POST', `${base}/checkpoints/v9/restore`],
    ['GET', `${base}/checkpoints/v9/diff`],
    ['POST', `/v1/sprites/${server.prefix}-nope/checkpoint`],
  ] as const) {
    const response = await api(method, path);
    assert.equal(response.status, 404, `${method} ${path}: ${response.text}`);
    // test-only: the body as the API documents it, which the assertions check
    assert.equal((response.json() as { error: string }).error, 'not_found');
  }
  assert.equal((await api('POST', `${base}/checkpoint`, { comment: 5 })).status, 400);
  assert.equal((await api('POST', `${base}/checkpoint`, ['x'])).status, 400);
  // A field the server does not know is ignored, not refused.
  const withExtra = await api('POST', `${base}/checkpoint`, { comment: 'x', extra: 1 });
  assert.equal(withExtra.status, 200);
  assert.equal(ndjson(withExtra.text).at(-1)?.type, 'complete');
  // test-only: the checkpoint as the API documents it, which the assertion checks
  assert.equal(((await api('GET', `${base}/checkpoints/v0`)).json() as { comment?: string }).comment, 'x');

  ndjson((await api('POST', `${base}/checkpoint`)).text);
  ndjson((await api('POST', `${base}/checkpoint`)).text);
  const current = await api('DELETE', `${base}/checkpoints/v2`);
  assert.equal(current.status, 409, current.text);
  // test-only: the body as the API documents it, which the assertions check
  assert.match((current.json() as { message: string }).message, /currently derives from/);
  assert.equal((await api('DELETE', `${base}/checkpoints/v0`)).status, 204);
  // test-only: the body as the API documents it, which the assertions check
  assert.deepEqual(((await api('GET', `${base}/checkpoints`)).json() as { id: string }[]).map((c) => c.id), ['v2', 'v1']);
  // Ids are never reused, even after a delete.
  assert.equal(ndjson((await api('POST', `${base}/checkpoint`)).text).at(-1)?.type, 'complete');
  // test-only: the body as the API documents it, which the assertions check
  assert.deepEqual(((await api('GET', `${base}/checkpoints`)).json() as { id: string }[]).map((c) => c.id), ['v3', 'v2', 'v1']);
  assert.equal((await api('GET', `${base}/checkpoints/v1/diff?limit=0`)).status, 400);
  assert.equal((await api('GET', `${base}/checkpoints?includeAuto=maybe`)).status, 400);
});

test('the five newest checkpoints are visible read-only inside the sprite, as they are made', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  for (let i = 0; i < 7; i++) {
    await shStdout(client, sprite.name, `echo ${i} > /gen`);
    assert.equal(ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoint`)).text).at(-1)?.type, 'complete');
  }
  assert.equal(await shStdout(client, sprite.name, 'ls /.sprite/checkpoints'), 'v2\nv3\nv4\nv5\nv6\n');
  assert.equal(await shStdout(client, sprite.name, 'cat /.sprite/checkpoints/v4/gen'), '4\n');
  const write = await execCollect(client, sprite.name, ['sh', '-c', 'echo x > /.sprite/checkpoints/v4/gen']);
  assert.notEqual(write.code, 0, 'checkpoints cannot be written from inside');
  assert.match(write.stderr, /Read-only/i);
  assert.notEqual((await execCollect(client, sprite.name, ['rm', '-rf', '/.sprite/checkpoints/v6'])).code, 0);
  // test-only: the body as the API documents it, which the assertions check
  const list = (await api('GET', `/v1/sprites/${sprite.name}/checkpoints`)).json() as { id: string; mounted: boolean }[];
  assert.deepEqual(list.filter((c) => c.mounted).map((c) => c.id), ['v6', 'v5', 'v4', 'v3', 'v2']);
  // Deleting a visible one brings the next older back into view.
  assert.equal((await api('DELETE', `/v1/sprites/${sprite.name}/checkpoints/v4`)).status, 204);
  assert.equal(await shStdout(client, sprite.name, 'ls /.sprite/checkpoints'), 'v1\nv2\nv3\nv5\nv6\n');
  assert.equal(await shStdout(client, sprite.name, 'cat /.sprite/checkpoints/v1/gen'), '1\n');
});

test('forks share blocks, start running and are independent afterwards', async (t) => {
  const { client, create, forget } = spriteFixture(t, server);
  const source = await create({ config: { ram_mb: 384 }, environment: { FROM: 'source' } });
  await shStdout(client, source.name, 'echo v0-state > /state && head -c 50000000 /dev/zero > /big && sync');
  ndjson((await api('POST', `/v1/sprites/${source.name}/checkpoint`)).text);
  await shStdout(client, source.name, 'echo now-state > /state');

  const now = await create({ name: `${source.name}-now`, source: { sprite: source.name } });
  const old = await create({ name: `${source.name}-old`, source: { sprite: source.name, checkpoint: 'v0' } });
  assert.equal(now.status, 'running');
  assert.deepEqual(now.forked_from, { sprite: source.name });
  assert.deepEqual(old.forked_from, { sprite: source.name, checkpoint: 'v0' });
  assert.equal(now.config.ram_mb, 384, 'a fork takes its source config');
  assert.equal(now.image, source.image);
  assert.deepEqual(now.environment, { FROM: 'source' });
  assert.equal(await shStdout(client, now.name, 'cat /state'), 'now-state\n');
  assert.equal(await shStdout(client, old.name, 'cat /state'), 'v0-state\n');
  assert.deepEqual((await api('GET', `/v1/sprites/${now.name}/checkpoints`)).json(), [], 'a fork starts with no checkpoints');

  await shStdout(client, now.name, 'echo fork-wrote > /state && echo only-fork > /mine');
  await shStdout(client, source.name, 'echo source-wrote > /state');
  assert.equal(await shStdout(client, now.name, 'cat /state /mine'), 'fork-wrote\nonly-fork\n');
  assert.equal(await shStdout(client, source.name, 'cat /state; test ! -e /mine && echo absent'), 'source-wrote\nabsent\n');
  assert.equal(await shStdout(client, old.name, 'cat /state'), 'v0-state\n');

  // The source can go; its forks keep their files.
  await client.deleteSprite(source.name);
  forget(source.name);
  assert.equal(await shStdout(client, old.name, 'cat /state; wc -c < /big'), 'v0-state\n50000000\n');

  const errors = [
    [{ name: `${server.prefix}-f1`, source: { sprite: `${server.prefix}-missing` } }, 404],
    [{ name: `${server.prefix}-f2`, source: { sprite: old.name, checkpoint: 'v7' } }, 404],
    [{ name: `${server.prefix}-f3`, source: { sprite: old.name }, image: 'tiny' }, 400],
    [{ name: now.name, source: { sprite: old.name } }, 409],
    [{ name: `${server.prefix}-f4`, source: { sprite: old.name, checkpoint: 7 } }, 400],
  ] as const;
  for (const [body, status] of errors) {
    const response = await api('POST', '/v1/sprites', body);
    assert.equal(response.status, status, `${JSON.stringify(body)}: ${response.text}`);
  }
});

test('storage: a sprite reports the bytes it holds alone; a fork holds ~0 until it writes', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const MiB = 1024 * 1024;
  const source = await create();
  await shStdout(client, source.name, 'head -c 67108864 /dev/urandom > /big && sync');
  const settled = async (name: string, ok: (bytes: number) => boolean): Promise<number> => {
    let bytes = -1;
    for (let i = 0; i < 50; i++) {
      bytes = (await client.getSprite(name)).storage.exclusive_bytes ?? -1;
      if (ok(bytes)) return bytes;
      await shStdout(client, name, 'sync');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`storage of ${name} never settled: ${bytes} bytes`);
  };
  await settled(source.name, (b) => b >= 64 * MiB);
  ndjson((await api('POST', `/v1/sprites/${source.name}/checkpoint`)).text);
  await settled(source.name, (b) => b >= 64 * MiB && b < 66 * MiB);
  // Blocks the live files dropped but a checkpoint holds are still the sprite's.
  await shStdout(client, source.name, 'rm /big && sync');
  await settled(source.name, (b) => b >= 64 * MiB && b < 66 * MiB);
  await shStdout(client, source.name, 'head -c 67108864 /dev/urandom > /big && sync');
  await settled(source.name, (b) => b >= 128 * MiB && b < 131 * MiB);

  const fork = await create({ name: `${source.name}-fork`, source: { sprite: source.name } });
  assert.equal(await shStdout(client, fork.name, 'wc -c < /big'), '67108864\n', 'the fork sees all the data');
  await settled(fork.name, (b) => b >= 0 && b < MiB);
  await shStdout(client, fork.name, 'head -c 16777216 /dev/urandom > /own && sync');
  await settled(fork.name, (b) => b >= 16 * MiB && b < 18 * MiB);
});

test('diff: added, modified and deleted paths with sizes, between checkpoints and against now', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const base = `/v1/sprites/${sprite.name}`;
  await shStdout(client, sprite.name, 'mkdir -p /w/old && echo keep > /w/keep && echo gone > /w/gone && echo x > /w/old/a && echo 12345 > /w/grow');
  ndjson((await api('POST', `${base}/checkpoint`)).text);
  await shStdout(client, sprite.name, 'rm /w/gone && rm -r /w/old && echo 1234567890 >> /w/grow && mkdir /w/new && head -c 4096 /dev/zero > /w/new/f');
  ndjson((await api('POST', `${base}/checkpoint`)).text);
  await shStdout(client, sprite.name, 'echo later > /w/later');

  // test-only: the body as the API documents it, which the assertions check
  const between = (await api('GET', `${base}/checkpoints/v0/diff?against=v1`)).json() as { from: string; to: string; changes: { path: string; change: string; type: string; size: number }[]; added: number; modified: number; deleted: number; truncated: boolean };
  assert.equal(between.from, 'v0');
  assert.equal(between.to, 'v1');
  const interesting = between.changes.filter((c) => c.path.startsWith('/w/'));
  assert.deepEqual(interesting, [
    { path: '/w/gone', change: 'deleted', type: 'file', size: 5 },
    { path: '/w/grow', change: 'modified', type: 'file', size: 17 },
    { path: '/w/new', change: 'added', type: 'dir', size: interesting.find((c) => c.path === '/w/new')?.size ?? -1 },
    { path: '/w/new/f', change: 'added', type: 'file', size: 4096 },
    { path: '/w/old', change: 'deleted', type: 'dir', size: interesting.find((c) => c.path === '/w/old')?.size ?? -1 },
    { path: '/w/old/a', change: 'deleted', type: 'file', size: 2 },
  ]);
  assert.equal(between.truncated, false);

  // test-only: the body as the API documents it, which the assertions check
  const now = (await api('GET', `${base}/checkpoints/v1/diff`)).json() as { to: string; changes: { path: string; change: string }[] };
  assert.equal(now.to, 'current');
  assert.deepEqual(now.changes.filter((c) => c.path.startsWith('/w/')), [{ path: '/w/later', change: 'added', type: 'file', size: 6 }]);
  // test-only: the body as the API documents it, which the assertions check
  const reverse = (await api('GET', `${base}/checkpoints/current/diff?against=v0`)).json() as { changes: { path: string; change: string }[] };
  assert.ok(reverse.changes.some((c) => c.path === '/w/gone' && c.change === 'added'), 'diff works in either direction');
  // test-only: the body as the API documents it, which the assertions check
  const limited = (await api('GET', `${base}/checkpoints/v0/diff?against=v1&limit=2`)).json() as { changes: unknown[]; truncated: boolean; added: number; deleted: number };
  assert.equal(limited.changes.length, 2);
  assert.equal(limited.truncated, true);
  assert.ok(limited.added >= 2 && limited.deleted >= 3, 'counts cover every change even when the list is cut');
  // test-only: the body as the API documents it, which the assertions check
  assert.deepEqual(((await api('GET', `${base}/checkpoints/v1/diff?against=v1`)).json() as { changes: unknown[] }).changes, []);
  assert.deepEqual(await client.getSprite(sprite.name).then((s) => s.status), 'running');
});

test('a restore ends the sessions that run at the time', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  await shStdout(client, sprite.name, 'echo before > /f');
  ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoint`)).text);
  await shStdout(client, sprite.name, 'echo after > /f');
  const session = execCollect(client, sprite.name, ['sleep', '60']).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoints/v0/restore`)).text).at(-1)?.type, 'complete');
  const ended = await session;
  assert.ok(ended instanceof Error || ended.code !== 0, 'a session running at restore time ends');
  assert.equal(await shStdout(client, sprite.name, 'cat /f'), 'before\n');
});

test('automatic checkpoints: the five newest are kept, and never the one the sprite derives from', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const base = `/v1/sprites/${sprite.name}`;
  ndjson((await api('POST', `${base}/checkpoint`)).text);
  const restore = async (id: string) => assert.equal(ndjson((await api('POST', `${base}/checkpoints/${id}/restore`)).text).at(-1)?.type, 'complete');
  // test-only: the body as the API documents it, which the assertions check
  const autos = async () => ((await api('GET', `${base}/checkpoints?includeAuto=true`)).json() as { id: string; is_auto: boolean }[]).filter((c) => c.is_auto).map((c) => c.id);
  for (let i = 0; i < 5; i++) await restore('v0');
  assert.deepEqual(await autos(), ['auto-4', 'auto-3', 'auto-2', 'auto-1', 'auto-0']);
  await restore('auto-0');
  assert.equal((await client.getSprite(sprite.name)).current_checkpoint, 'auto-0');
  assert.deepEqual(await autos(), ['auto-5', 'auto-4', 'auto-3', 'auto-2', 'auto-1', 'auto-0'], 'the one just restored stays though it is the oldest');
  await restore('v0');
  assert.deepEqual(await autos(), ['auto-6', 'auto-5', 'auto-4', 'auto-3', 'auto-2']);
});

test('concurrent checkpoints, restores and diffs of one sprite are serialised, none lost', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const base = `/v1/sprites/${sprite.name}`;
  await shStdout(client, sprite.name, 'echo 0 > /n');
  const made = await Promise.all([1, 2, 3, 4].map(() => api('POST', `${base}/checkpoint`)));
  const ids = made.map((response) => ndjson(response.text).at(-1)).map((event) => (event?.type === 'complete' ? event.id : event?.type));
  assert.deepEqual([...ids].sort(), ['v0', 'v1', 'v2', 'v3']);
  const [restore, diff, another] = await Promise.all([
    api('POST', `${base}/checkpoints/v0/restore`),
    api('GET', `${base}/checkpoints/v1/diff?against=v2`),
    api('POST', `${base}/checkpoint`),
  ]);
  assert.equal(ndjson(restore.text).at(-1)?.type, 'complete', restore.text);
  assert.equal(diff.status, 200, diff.text);
  assert.equal(ndjson(another.text).at(-1)?.type, 'complete', another.text);
  assert.equal(await shStdout(client, sprite.name, 'cat /n'), '0\n');
  assert.equal((await client.getSprite(sprite.name)).status, 'running');
});

test('a destroy racing forks, checkpoints, restores and diffs leaves no half-made sprite or snapshot', async (t) => {
  const { client, create, forget } = spriteFixture(t, server);
  const allForks: string[] = [];
  t.after(() => Promise.all(allForks.map((name) => client.deleteSprite(name).catch(() => undefined))));
  // The destroy goes out with the others, then later and later, so it lands before, among and
  // after their steps (a fork boots in ~100 ms).
  for (const delayMs of [0, 15, 40, 90, 250]) {
    const sprite = await create();
    const base = `/v1/sprites/${sprite.name}`;
    await shStdout(client, sprite.name, 'echo source > /mark');
    assert.equal(ndjson((await api('POST', `${base}/checkpoint`)).text).at(-1)?.type, 'complete');
    const forks = [`${sprite.name}-now`, `${sprite.name}-v0`];
    allForks.push(...forks);
    const [destroyed, ...answers] = await Promise.all([
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => api('DELETE', base)),
      api('POST', '/v1/sprites', { name: forks[0], source: { sprite: sprite.name } }),
      api('POST', '/v1/sprites', { name: forks[1], source: { sprite: sprite.name, checkpoint: 'v0' } }),
      api('POST', `${base}/checkpoint`),
      api('POST', `${base}/checkpoints/v0/restore`),
      api('GET', `${base}/checkpoints/v0/diff?against=current`),
    ]);
    // A streamed answer ends with its last event's type; any other answer is its status.
    const outcomes = answers.map((answer) => (answer.text.startsWith('{"type"') ? (ndjson(answer.text).at(-1)?.type ?? '') : String(answer.status)));
    t.diagnostic(`destroy after ${delayMs} ms; fork now, fork v0, checkpoint, restore, diff: ${outcomes.join(' ')}`);
    assert.equal(destroyed.status, 204, destroyed.text);
    for (const [index, answer] of answers.entries()) {
      // Each one either happened whole (a stream that completes, or a 2xx) or was refused with a JSON reason.
      if (answer.status >= 400) {
        assert.ok([404, 409].includes(answer.status), `${answer.status}: ${answer.text}`);
        // test-only: the body as the API documents it, which the assertions check
        assert.equal(typeof (answer.json() as { error?: unknown }).error, 'string', answer.text);
      } else if (answer.text.startsWith('{"type"')) {
        assert.match(outcomes[index] ?? '', /^(complete|error)$/, answer.text);
      }
    }
    for (const [index, name] of forks.entries()) {
      const fork = await api('GET', `/v1/sprites/${name}`);
      // A fork exists exactly when its create said so.
      assert.equal(fork.status === 200, (answers[index]?.status ?? 0) < 300, `${name}: ${answers[index]?.text ?? ''} / ${fork.text}`);
      if (fork.status === 404) continue;
      // test-only: the body as the API documents it, which the assertions check
      assert.equal((fork.json() as { status?: unknown }).status, 'running', fork.text);
      assert.equal(await shStdout(client, name, 'cat /mark'), 'source\n');
      await client.deleteSprite(name);
    }
    forget(sprite.name);
    const left = execFileSync('btrfs', ['subvolume', 'list', '-o', join(server.dataDir, 'pool', 'sprites')], { encoding: 'utf8' });
    assert.doesNotMatch(left, new RegExp(`sprites/${sprite.id}/`), `subvolumes of the destroyed sprite are left:\n${left}`);
    assert.equal(existsSync(join(server.dataDir, 'pool', 'sprites', sprite.id)), false);
  }
});

test('subvolumes nested in a sprite root do not stop a restore or a destroy', async (t) => {
  const { client, create, forget } = spriteFixture(t, server);
  const sprite = await create();
  ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoint`)).text);
  // Sprites cannot make them (seccomp denies btrfs ioctls), but roots from before that, or a
  // data dir shared with other tools, can hold them; btrfs will not delete a subvolume that holds one.
  const root = join(server.dataDir, 'pool', 'sprites', sprite.id, 'root');
  execFileSync('btrfs', ['-q', 'subvolume', 'create', join(root, 'nested')]);
  execFileSync('btrfs', ['-q', 'subvolume', 'create', join(root, 'nested', 'deeper')]);
  assert.equal(ndjson((await api('POST', `/v1/sprites/${sprite.name}/checkpoints/v0/restore`)).text).at(-1)?.type, 'complete');
  assert.equal(await shStdout(client, sprite.name, 'test ! -e /nested && echo restored'), 'restored\n');
  execFileSync('btrfs', ['-q', 'subvolume', 'create', join(root, 'again')]);
  await client.deleteSprite(sprite.name);
  forget(sprite.name);
  assert.equal(existsSync(join(server.dataDir, 'pool', 'sprites', sprite.id)), false, 'destroy removed the nested subvolumes too');
});
