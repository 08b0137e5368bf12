/**
 * Escape attempts through every route of the filesystem API: `..`, absolute symlinks that
 * name host paths, /proc roots, the host directory bind-mounted at /.hob/run, tar entries that
 * climb, and a symlink swapped while operations run. A marker file on the host, in the test's
 * run dir, must never be read, written, moved, removed or re-moded: every path is resolved by
 * the agent inside the sprite's own mount namespace, where the host path names nothing (or
 * the sprite's own file of that name).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { clientFor, sharedServer } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { sh, shStdout } from '../../helpers/shell.js';

const server = sharedServer();
const hob = clientFor(server);
const name = `${server.prefix}-fsescape`;
const auth = { authorization: `Bearer ${server.token}` };
const tag = randomBytes(6).toString('hex');
const hostDir = join(server.runDir, `fs-escape-${tag}`);
const marker = join(hostDir, 'marker');
const secret = `HOST-ONLY-${randomBytes(8).toString('hex')}`;

before(async () => {
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(marker, secret, { mode: 0o644 });
  await ensureImage(hob, 'tiny');
  await hob.createSprite({ name, image: 'tiny', labels: ['test:fs-escape'] });
  // Links that name the host's marker and its directory, the way a hostile program would make them.
  await shStdout(hob, name, [
    'mkdir -p /tmp/esc',
    `ln -s ${marker} /tmp/esc/abs-file`,
    `ln -s ${hostDir} /tmp/esc/abs-dir`,
    `ln -s ../../../../../../../../..${marker} /tmp/esc/rel-file`,
    `ln -s ${marker} /.hob/run/esc-file`,
    `ln -s /proc/1/root${marker} /tmp/esc/proc-root`,
  ].join(' && '));
});

after(async () => {
  await hob.deleteSprite(name);
  rmSync(hostDir, { recursive: true, force: true });
});

/** The marker as it must stay, and its directory holding nothing else. */
function assertHostUntouched(): void {
  assert.equal(readFileSync(marker, 'utf8'), secret, 'the host marker is unchanged');
  assert.equal(statSync(marker).mode & 0o7777, 0o644, 'and so is its mode');
  assert.equal(statSync(marker).uid, 0, 'and its owner');
  assert.deepEqual(readdirSync(hostDir), ['marker'], 'nothing was made beside it');
}

interface Answer {
  status: number;
  text: string;
}

async function call(method: string, route: string, query: Record<string, string>, body?: string | Buffer | Record<string, unknown>): Promise<Answer> {
  const json = typeof body === 'object' && !Buffer.isBuffer(body);
  const response = await fetch(`${server.url}/v1/sprites/${name}/fs/${route}?${new URLSearchParams(query).toString()}`, {
    method,
    headers: { ...auth, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : typeof body === 'string' ? body : new Uint8Array(body) }),
  });
  return { status: response.status, text: Buffer.from(await response.arrayBuffer()).toString('latin1') };
}

/** Every way of naming the host marker from the API. */
const MARKER_PATHS: [string, Record<string, string>][] = [
  ['dotdot from a working dir', { path: `../../../../../../..${marker}`, workingDir: '/tmp/esc' }],
  ['dotdot absolute', { path: `/../../../..${marker}` }],
  ['absolute symlink', { path: '/tmp/esc/abs-file' }],
  ['relative symlink climbing', { path: '/tmp/esc/rel-file' }],
  ['symlinked directory', { path: '/tmp/esc/abs-dir/marker' }],
  ['symlink in the host-backed /.hob/run', { path: '/.hob/run/esc-file' }],
  ['/proc/1/root', { path: `/proc/1/root${marker}` }],
  ['/proc/self/root', { path: `/proc/self/root${marker}` }],
  ['/proc/1/cwd', { path: `/proc/1/cwd/../../../..${marker}` }],
  ['symlink to /proc/1/root', { path: '/tmp/esc/proc-root' }],
];

test('reads, listings and archives through .., symlinks and /proc never reach the host', { timeout: 120_000 }, async () => {
  for (const [how, where] of MARKER_PATHS) {
    const read = await call('GET', 'read', where);
    assert.ok(!read.text.includes(secret), `read via ${how} returned the host's marker`);
    assert.equal(read.status, 404, `read via ${how}: ${read.text}`);
    // A symlink lists as itself (its own entry); nothing behind it shows.
    const list = await call('GET', 'list', where);
    assert.ok(!list.text.includes(secret), `list via ${how}`);
    assert.ok(list.status === 404 || (list.status === 200 && list.text.includes('"type":"symlink"')), `list via ${how}: ${list.text}`);
  }
  const dir = await call('GET', 'list', { path: '/tmp/esc/abs-dir' });
  assert.equal(dir.status, 200, dir.text);
  const entries = (JSON.parse(dir.text) as { entries: { type: string }[] }).entries; // test-only: asserted on at once
  assert.deepEqual(entries.map((e) => e.type), ['symlink'], 'a symlink to the host directory is only itself: there is no such directory in the sprite');
  const archive = await call('GET', 'archive', { path: '/tmp/esc' });
  assert.equal(archive.status, 200);
  assert.ok(!archive.text.includes(secret), 'the archive holds the links, not what the host has at their targets');
  assert.ok(archive.text.includes(marker), 'the links themselves are in it');
  assertHostUntouched();
});

test('writes, deletes, renames, copies, chmod and chown through the same paths stay in the sprite', { timeout: 120_000 }, async () => {
  for (const [, where] of MARKER_PATHS) {
    await call('PUT', 'write', { ...where, mkdirParents: 'true' }, 'OVERWRITTEN');
    await call('POST', 'chmod', {}, { ...where, mode: '0777' });
    await call('POST', 'chown', {}, { ...where, uid: 1000 });
    await call('POST', 'copy', {}, { source: where.path ?? '', ...(where.workingDir === undefined ? {} : { workingDir: where.workingDir }), dest: '/tmp/copied' });
    assertHostUntouched();
  }
  // What the writes made, they made in the sprite: at the host path's name in the sprite's own tree.
  assert.equal(await shStdout(hob, name, `cat ${marker}`), 'OVERWRITTEN');
  assert.equal((await call('GET', 'read', { path: '/tmp/esc/abs-file' })).text, 'OVERWRITTEN', 'the link now leads to the sprite\'s own file');
  for (const [, where] of MARKER_PATHS) {
    await call('POST', 'rename', {}, { source: where.path ?? '', ...(where.workingDir === undefined ? {} : { workingDir: where.workingDir }), dest: `/tmp/moved-${randomBytes(3).toString('hex')}` });
    await call('DELETE', 'delete', { ...where, recursive: 'true' });
    assertHostUntouched();
  }
  await call('DELETE', 'delete', { path: '/tmp/esc/abs-dir', recursive: 'true' });
  assertHostUntouched();
});

/** A tar archive, in plain ustar, of the given entries. */
function tarOf(entries: { path: string; type: '0' | '2' | '5'; body?: string; link?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(512);
    const body = Buffer.from(entry.body ?? '');
    header.write(entry.path, 0, 100);
    header.write(entry.type === '5' ? '0000755\0' : '0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    header.write('        ', 148);
    header.write(entry.type, 156);
    if (entry.link !== undefined) header.write(entry.link, 157, 100);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test('archives whose entries climb out, are absolute or write through a symlink are refused', { timeout: 120_000 }, async () => {
  const attempts: [string, Buffer][] = [
    ['a .. entry', tarOf([{ path: `../../../../../../..${marker}`, type: '0', body: 'CLIMBED' }])],
    ['an absolute entry', tarOf([{ path: marker, type: '0', body: 'ABSOLUTE' }])],
    ['a symlink, then a file through it', tarOf([{ path: 'out', type: '2', link: hostDir }, { path: 'out/marker', type: '0', body: 'THROUGH' }])],
    ['a symlink to the marker, then the same name as a file', tarOf([{ path: 'm', type: '2', link: marker }, { path: 'm', type: '0', body: 'REPLACED' }])],
  ];
  for (const [how, archive] of attempts) {
    const target = `/tmp/unpack-${randomBytes(3).toString('hex')}`;
    const answer = await call('PUT', 'archive', { path: target }, archive);
    assertHostUntouched();
    const outside = await sh(hob, name, `cat ${marker} 2>/dev/null; ls ${dirname(target)} | grep -c unpack`);
    assert.ok(!outside.stdout.includes('CLIMBED') && !outside.stdout.includes('THROUGH'), `${how}: wrote outside ${target} in the sprite`);
    if (answer.status === 200) continue;
    assert.equal(answer.status, 400, `${how}: ${answer.text}`);
    assert.match(answer.text, /"code":"EINVAL"/, how);
  }
});

test('a symlink swapped between a sprite file and the host marker while reads and writes run never reaches the host', { timeout: 180_000 }, async () => {
  await shStdout(hob, name, 'echo sprite-content > /tmp/real');
  // The swapper runs in the sprite until the test kills it.
  const ws = await hob.openExec(name, {
    cmd: ['sh', '-c', `while :; do ln -sfn ${marker} /tmp/race; ln -sfn /tmp/real /tmp/race; ln -sfn ${hostDir} /tmp/racedir; ln -sfn /tmp /tmp/racedir; done`],
    env: {},
    dir: undefined,
    tty: false,
    rows: 24,
    cols: 80,
    stdin: false,
  });
  try {
    let sawSprite = 0;
    for (let i = 0; i < 150; i++) {
      const read = await call('GET', 'read', { path: '/tmp/race' });
      assert.ok(!read.text.includes(secret), 'a read during the swap returned the host marker');
      // The link leads to the sprite's file, or to the sprite's own file at the host path's name (the writes below, earlier tests), or nowhere.
      if (read.status === 200) {
        assert.ok(['sprite-content\n', 'RACE-WRITE', 'OVERWRITTEN'].includes(read.text), read.text);
        if (read.text === 'sprite-content\n') sawSprite++;
      } else assert.equal(read.status, 404, read.text);
      if (i % 5 === 0) {
        await call('PUT', 'write', { path: '/tmp/racedir/marker' }, 'RACE-WRITE');
        await call('POST', 'chmod', {}, { path: '/tmp/race', mode: '0600' });
      }
    }
    assert.ok(sawSprite > 0, 'the race was run: some reads found the sprite file');
    assertHostUntouched();
  } finally {
    ws.close();
    await sh(hob, name, 'pkill -f "ln -sfn" ; true');
  }
  assertHostUntouched();
});

test('a watch on a host path watches the sprite\'s own path of that name, and nothing of the host', { timeout: 60_000 }, async () => {
  await shStdout(hob, name, `mkdir -p ${hostDir}`);
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/sprites/${name}/fs/watch`, { headers: auth });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>)); // test-only: fields are asserted on
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'subscribe', paths: [hostDir, `/proc/1/root${hostDir}`, '/tmp/esc/abs-dir/'], recursive: true }));
  const waitFor = async (predicate: (m: Record<string, unknown>) => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!messages.some(predicate)) {
      if (Date.now() > deadline) assert.fail(`not seen; got ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await waitFor((m) => m.type === 'subscribed');
  writeFileSync(join(hostDir, 'host-side'), secret);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await shStdout(hob, name, `touch ${hostDir}/sprite-side`);
  await waitFor((m) => m.type === 'event' && m.path === `${hostDir}/sprite-side`);
  ws.close();
  rmSync(join(hostDir, 'host-side'));
  assert.ok(!messages.some((m) => String(m.path).includes('host-side')), `a host change was reported: ${JSON.stringify(messages)}`);
  assertHostUntouched();
});
