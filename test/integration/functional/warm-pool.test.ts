import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import Database from 'better-sqlite3';
import { clientFor, execCollect, sharedServer } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix } from '../../helpers/server.js';

const shared = sharedServer();

/** Spares the server has recorded as booted (and so may hand out), read from its store. */
function readySpares(dataDir: string, prefix: string): string[] {
  const db = new Database(join(dataDir, 'hob.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT id FROM sprites WHERE state = 'spare'`).all() as { id: string }[]; // shape fixed by the query
    return rows.map((row) => `${prefix}-${row.id}`);
  } finally {
    db.close();
  }
}

function containers(dataDir: string): string[] {
  return execFileSync('runc', ['--root', join(dataDir, 'runc'), 'list', '-q']).toString().split('\n').filter(Boolean).sort();
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a warm spare is handed over with the sprite’s name and limits, and replaced', { timeout: 180_000 }, async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `warm-${prefix}`);
  let server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '1'] });
  // Stop the server first: a running one could boot a spare while the cleanup runs.
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  let client = clientFor(server);

  await waitFor('a spare to boot', () => readySpares(dataDir, prefix).length === 1);
  const spareContainer = readySpares(dataDir, prefix)[0] ?? assert.fail('the booted spare is gone');
  assert.deepEqual(containers(dataDir), [spareContainer]);
  assert.deepEqual((await client.listSprites()).sprites, [], 'spares are not sprites anyone can see');

  const sprite = await client.createSprite({ name: 'handed', image: 'tiny', config: { ram_mb: 300, pids_max: 100 } });
  assert.equal(`${prefix}-${sprite.id}`, spareContainer, 'the create took the spare');
  assert.equal((await execCollect(client, 'handed', ['hostname'])).stdout, 'handed\n');
  assert.match((await execCollect(client, 'handed', ['cat', '/etc/hosts'])).stdout, /\shanded$/m);
  const cgroup = (controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${spareContainer}/${file}`, 'utf8').trim();
  assert.equal(cgroup('memory', 'memory.limit_in_bytes'), String(300 * 1024 * 1024));
  assert.equal(cgroup('pids', 'pids.max'), '100');

  await waitFor('the pool to refill', () => readySpares(dataDir, prefix).length === 1 && containers(dataDir).length === 2);
  // A taken name is refused without using up the spare.
  await assert.rejects(client.createSprite({ name: 'handed', image: 'tiny' }), /already exists/);
  assert.equal(containers(dataDir).length, 2);

  // After a crash the spare is replaced by a fresh one; the sprite keeps running.
  const spareBefore = containers(dataDir).find((id) => id !== spareContainer);
  await server.kill();
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '1'] });
  client = clientFor(server);
  await waitFor('a new spare', () => containers(dataDir).length === 2 && !containers(dataDir).includes(spareBefore ?? ''));
  assert.equal((await execCollect(client, 'handed', ['hostname'])).stdout, 'handed\n');
  await client.deleteSprite('handed');
  await waitFor('only the spare to be left', () => containers(dataDir).length === 1);
});
