import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { HobError } from '../../../src/shared/errors.js';
import type { ProgressEvent } from '../../../src/shared/protocol.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';

const server = sharedServer();

function tarball(dir: string, name: string, files: (root: string) => void): string {
  const root = join(dir, `${name}-root`);
  mkdirSync(root, { recursive: true });
  files(root);
  const out = join(dir, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', root, '.']);
  return out;
}

async function upload(path: string, name: string): Promise<{ status: number; events: ProgressEvent[] }> {
  const response = await fetch(`${server.url}/v1/images/${name}/import`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' },
    body: readFileSync(path),
  });
  const text = await response.text();
  // test-only: the events are asserted on.
  const events = response.ok ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ProgressEvent) : [];
  return { status: response.status, events };
}

test('built-in images are listed, and a build streams progress to completion', async (t) => {
  const { client } = spriteFixture(t, server);
  const images = await client.listImages();
  assert.deepEqual(images.map((i) => i.name).filter((n) => n === 'tiny' || n === 'debian'), ['debian', 'tiny']);
  assert.equal(images.find((i) => i.name === 'tiny')?.status, 'ready');
  const events: ProgressEvent[] = [];
  const last = await client.buildImage('tiny', (event) => events.push(event));
  assert.equal(last.type, 'complete');
  assert.ok(events.some((e) => e.type === 'info'), 'progress is reported while it builds');
  await assert.rejects(client.buildImage('nope', () => undefined), (error: unknown) => error instanceof HobError && error.code === 'not_found');
  await assert.rejects(client.buildImage('Bad_Name', () => undefined), (error: unknown) => error instanceof HobError && error.code === 'invalid_name');
});

test('a root filesystem tarball imports as an image sprites can be made from', async (t) => {
  const { client, create } = spriteFixture(t, server);
  const dir = mkdtempSync(join(server.runDir, 'import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const name = `${server.prefix}-img`;
  t.after(() => client.removeImage(name).catch(() => undefined));
  const path = tarball(dir, 'ok', (root) => {
    mkdirSync(join(root, 'bin'));
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    for (const applet of ['sh', 'cat', 'echo', 'id']) symlinkSync('busybox', join(root, 'bin', applet));
    mkdirSync(join(root, 'etc'));
    execFileSync('sh', ['-c', `echo imported-marker > ${join(root, 'etc', 'marker')}`]);
  });
  const result = await upload(path, name);
  assert.equal(result.status, 200);
  assert.equal(result.events.at(-1)?.type, 'complete', JSON.stringify(result.events));
  assert.equal((await client.getImage(name)).status, 'ready');

  const sprite = await create({ image: name });
  const cat = await execCollect(client, sprite.name, ['cat', '/etc/marker']);
  assert.deepEqual(cat, { stdout: 'imported-marker\n', stderr: '', code: 0 });
  assert.equal((await execCollect(client, sprite.name, ['id', '-u'])).stdout, '0\n');

  await client.removeImage(name);
  assert.equal((await execCollect(client, sprite.name, ['cat', '/etc/marker'])).code, 0, 'a sprite keeps its data when its image goes');
  await assert.rejects(create({ image: name }), (error: unknown) => error instanceof HobError && error.code === 'not_found');
});

/** Half-made subvolumes of image `name` in the pool (an import extracts into one first). */
function partials(name: string): string[] {
  return readdirSync(join(server.dataDir, 'pool', 'images')).filter((entry) => entry.startsWith(`.partial-${name}-`));
}

test('a bad tarball fails cleanly and leaves no image behind', async (t) => {
  const { client } = spriteFixture(t, server);
  const dir = mkdtempSync(join(server.runDir, 'import-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const garbage = join(dir, 'garbage.tar.gz');
  execFileSync('sh', ['-c', `head -c 4096 /dev/urandom > ${garbage}`]);
  const name = `${server.prefix}-bad`;
  t.after(() => client.removeImage(name).catch(() => undefined));
  const result = await upload(garbage, name);
  const last = result.events.at(-1);
  assert.equal(last?.type, 'error', JSON.stringify(result.events));
  assert.equal(last.code, 'bad_request', 'a bad tarball is the sender’s error');
  assert.deepEqual((await client.listImages()).filter((image) => image.name === name), [], 'no image record is left');
  await assert.rejects(client.getImage(name), (error: unknown) => error instanceof HobError && error.code === 'not_found');
  assert.deepEqual(partials(name), [], 'no partial subvolume is left');
  assert.equal((await upload(garbage, 'tiny')).status, 409, 'built-in names cannot be imported over');
});

test('a failed import over an existing image leaves that image as it was', async (t) => {
  const { client } = spriteFixture(t, server);
  const dir = mkdtempSync(join(server.runDir, 'import-over-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const name = `${server.prefix}-over`;
  t.after(() => client.removeImage(name).catch(() => undefined));
  const good = tarball(dir, 'good', (root) => {
    mkdirSync(join(root, 'bin'));
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    symlinkSync('busybox', join(root, 'bin', 'sh'));
  });
  assert.equal((await upload(good, name)).events.at(-1)?.type, 'complete');
  const before = await client.getImage(name);
  const notRootfs = tarball(dir, 'project', (root) => writeFileSync(join(root, 'README'), 'not a root filesystem\n'));
  const failed = (await upload(notRootfs, name)).events.at(-1);
  assert.equal(failed?.type, 'error');
  assert.match(failed.error, /not a root filesystem/);
  assert.deepEqual(await client.getImage(name), before, 'the older image keeps its record');
  assert.deepEqual(partials(name), [], 'no partial subvolume is left');
});
