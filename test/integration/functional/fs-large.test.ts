/**
 * A 1 GiB file through the filesystem API and back, checked by sha256 on all three sides
 * (sent, in the sprite, read back), within a time bound, and streamed: the sprite has 128 MiB
 * of memory, so an agent that held the file would be killed, and the server's peak resident
 * memory may not grow by anything near the file's size.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();
const CHUNK_BYTES = 1024 * 1024;
const CHUNKS = 1024;
const TOTAL_BYTES = CHUNK_BYTES * CHUNKS;
/** Each way, on a busy two-core machine; a healthy run takes a fraction of it. */
const BOUND_MS = 150_000;
/** What the server's peak memory may grow by while a gigabyte passes through it. */
const MAX_SERVER_GROWTH_BYTES = 256 * 1024 * 1024;

/** The peak resident memory of the process listening on the server's port. */
function serverPeakRssBytes(): number {
  const port = new URL(server.url).port;
  const line = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(line)?.[1];
  assert.ok(pid !== undefined, `no process listens on ${port}: ${line}`);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(hwm) * 1024;
}

/** A gigabyte of varied bytes, made as it is read, hashed on the way. */
function source(hash: ReturnType<typeof createHash>): Readable {
  const block = randomBytes(CHUNK_BYTES);
  let index = 0;
  return new Readable({
    read() {
      if (index === CHUNKS) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(index++, 0);
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

function send(method: string, path: string, body?: Readable): Promise<IncomingMessage> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/octet-stream' }) } }, resolve);
    req.on('error', reject);
    if (body === undefined) req.end();
    else void pipeline(body, req).catch(reject);
  });
}

async function text(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer); // an IncomingMessage yields Buffers
  return Buffer.concat(chunks).toString();
}

test('a 1 GiB file streams in and out of a 128 MiB sprite, the same by sha256 everywhere', { timeout: 2 * BOUND_MS + 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create({ config: { ram_mb: 128 } });
  const peakBefore = serverPeakRssBytes();
  const path = `/v1/sprites/${sprite.name}/fs/write?path=/big.bin`;

  const sent = createHash('sha256');
  let started = Date.now();
  const put = await send('PUT', path, source(sent));
  const putBody = await text(put);
  const uploadMs = Date.now() - started;
  assert.equal(put.statusCode, 200, putBody);
  assert.deepEqual(JSON.parse(putBody), { path: '/big.bin', size: TOTAL_BYTES, mode: '0644' });
  assert.ok(uploadMs < BOUND_MS, `upload took ${uploadMs} ms`);
  const digest = sent.digest('hex');

  const inside = await shStdout(client, sprite.name, 'sha256sum /big.bin');
  assert.equal(inside.split(' ')[0], digest, 'the sprite holds exactly what was sent');

  started = Date.now();
  const get = await send('GET', `/v1/sprites/${sprite.name}/fs/read?path=/big.bin`);
  assert.equal(get.statusCode, 200);
  assert.equal(get.headers['content-length'], String(TOTAL_BYTES));
  const received = createHash('sha256');
  let bytes = 0;
  for await (const chunk of get) {
    received.update(chunk as Buffer); // an IncomingMessage yields Buffers
    bytes += (chunk as Buffer).length; // as above
  }
  const downloadMs = Date.now() - started;
  assert.equal(bytes, TOTAL_BYTES);
  assert.equal(received.digest('hex'), digest, 'read back exactly');
  assert.ok(downloadMs < BOUND_MS, `download took ${downloadMs} ms`);

  const growth = serverPeakRssBytes() - peakBefore;
  assert.ok(growth < MAX_SERVER_GROWTH_BYTES, `the server's peak memory grew by ${Math.round(growth / 1048576)} MiB`);
  t.diagnostic(`upload ${uploadMs} ms (${Math.round(TOTAL_BYTES / 1048576 / (uploadMs / 1000))} MiB/s), download ${downloadMs} ms (${Math.round(TOTAL_BYTES / 1048576 / (downloadMs / 1000))} MiB/s), server peak +${Math.round(growth / 1048576)} MiB`);
});

test('a write past the sprite\'s storage limit is a 507 with its POSIX code, and the sprite lives on', { timeout: BOUND_MS + 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create({ config: { storage_gb: 1 } });
  const put = await send('PUT', `/v1/sprites/${sprite.name}/fs/write?path=/too-big.bin`, source(createHash('sha256')));
  const body = JSON.parse(await text(put)) as { error: string; code: string; path: string }; // test-only: asserted on at once
  assert.equal(put.statusCode, 507, JSON.stringify(body));
  assert.ok(['EDQUOT', 'ENOSPC'].includes(body.code), body.code);
  assert.equal(body.path, '/too-big.bin');
  await shStdout(client, sprite.name, 'rm /too-big.bin');
  assert.equal(await shStdout(client, sprite.name, 'echo fine > /after && cat /after'), 'fine\n');
});
