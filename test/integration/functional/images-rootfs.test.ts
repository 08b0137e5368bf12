import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync, linkSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { ensureSpriteBaseFiles } from '../../../src/server/images/base-files.js';
import { importRootfsTar } from '../../../src/server/images/import.js';
import { shiftOwnership } from '../../../src/server/images/ownership.js';
import type { BuildProgress } from '../../../src/server/images/progress.js';
import { buildTinyRootfs } from '../../../src/server/images/tiny.js';

// Building images needs root (chroot, chown to other users), like the server itself.
const skip = process.getuid?.() !== 0 ? 'needs root' : false;
const OFFSET = 100_000;

const tempDirs: string[] = [];
function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `hobtest-${label}-`));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const events: BuildProgress[] = [];
const progress = (p: BuildProgress): void => {
  events.push(p);
};

function chrootSh(root: string, script: string): string {
  return execFileSync('chroot', [root, '/bin/sh', '-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } });
}

describe('image root filesystems', { skip }, () => {
  let tiny = '';
  let tinyTarGz = '';

  before(async () => {
    tiny = tempDir('tiny');
    const started = performance.now();
    await buildTinyRootfs(tiny, progress);
    const ms = performance.now() - started;
    // The brief is "about a second"; a generous bound keeps slow CI from flaking.
    assert.ok(ms < 5000, `tiny build took ${ms.toFixed(0)} ms`);
    // Archive it before any ownership shift so the import test sees in-sprite ids.
    tinyTarGz = path.join(tempDir('archives'), 'tiny.tar.gz');
    execFileSync('tar', ['--numeric-owner', '-C', tiny, '-czf', tinyTarGz, '.']);
  });

  test('tiny runs a shell with root and the sprite user in place', () => {
    assert.equal(chrootSh(tiny, 'echo ok; id -u; ls /home'), 'ok\n0\nsprite\n');
    assert.equal(chrootSh(tiny, '/usr/bin/env echo env-ok'), 'env-ok\n');
    assert.match(readFileSync(path.join(tiny, 'etc/passwd'), 'utf8'), /^sprite:x:1000:1000::\/home\/sprite:\/bin\/sh$/m);
    assert.match(readFileSync(path.join(tiny, 'etc/os-release'), 'utf8'), /^NAME="Hob tiny \(busybox\)"$/m);
    assert.equal(statSync(path.join(tiny, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(statSync(path.join(tiny, 'var/tmp')).mode & 0o7777, 0o1777);
    assert.equal(statSync(path.join(tiny, 'root')).mode & 0o7777, 0o700);
    assert.equal(statSync(path.join(tiny, 'home/sprite')).uid, 1000);
    assert.deepEqual(readdirSync(path.join(tiny, '.hob')), []);
    assert.equal(lstatSync(path.join(tiny, 'bin/sh')).isSymbolicLink(), true);
  });

  test('ensureSpriteBaseFiles is idempotent', async () => {
    const files = ['etc/passwd', 'etc/group', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];
    const before = files.map((f) => readFileSync(path.join(tiny, f), 'utf8'));
    await ensureSpriteBaseFiles(tiny);
    assert.deepEqual(files.map((f) => readFileSync(path.join(tiny, f), 'utf8')), before);
  });

  test('shiftOwnership moves ids into the sprite range, keeps setuid, never follows symlinks', async () => {
    const suid = path.join(tiny, 'bin/suid-test');
    writeFileSync(suid, '');
    chmodSync(suid, 0o4755);
    const sgidSprite = path.join(tiny, 'home/sprite/sgid-test');
    writeFileSync(sgidSprite, '');
    chownSync(sgidSprite, 1000, 1000);
    chmodSync(sgidSprite, 0o2755);
    linkSync(sgidSprite, path.join(tiny, 'home/sprite/hardlink'));
    const hostBusyboxUid = statSync('/bin/busybox').uid;

    await shiftOwnership(tiny, OFFSET, progress);

    assert.equal(statSync(tiny).uid, OFFSET);
    assert.equal(statSync(path.join(tiny, 'etc/passwd')).uid, OFFSET);
    assert.equal(statSync(path.join(tiny, 'home/sprite')).uid, OFFSET + 1000);
    assert.equal(statSync(path.join(tiny, 'home/sprite')).gid, OFFSET + 1000);
    assert.equal(statSync(suid).mode & 0o7777, 0o4755);
    assert.equal(statSync(suid).uid, OFFSET);
    assert.equal(statSync(sgidSprite).mode & 0o7777, 0o2755);
    assert.equal(statSync(sgidSprite).gid, OFFSET + 1000);
    // bin/sh -> /bin/busybox is absolute: the link itself moves, the host's busybox must not.
    assert.equal(lstatSync(path.join(tiny, 'bin/sh')).uid, OFFSET);
    assert.equal(statSync('/bin/busybox').uid, hostBusyboxUid);

    const ctimeBefore = statSync(suid).ctimeMs;
    await shiftOwnership(tiny, OFFSET, progress);
    assert.equal(statSync(tiny).uid, OFFSET, 'a second run must not shift again');
    assert.equal(statSync(path.join(tiny, 'home/sprite')).uid, OFFSET + 1000);
    assert.equal(statSync(suid).ctimeMs, ctimeBefore, 'a second run must not touch shifted inodes');
  });

  test('importRootfsTar extracts a tar.gz of tiny into a working root', async () => {
    const root = tempDir('import-gz');
    await importRootfsTar(root, createReadStream(tinyTarGz), progress);
    assert.equal(chrootSh(root, 'echo ok; id -u; ls /home'), 'ok\n0\nsprite\n');
    assert.equal(statSync(path.join(root, 'home/sprite')).uid, 1000, 'ownership is kept as archived');
    assert.equal(statSync(root).mode & 0o7777, 0o755);
  });

  test('importRootfsTar takes a plain tar too', async () => {
    const root = tempDir('import-tar');
    const tar = execFileSync('tar', ['--numeric-owner', '-C', tiny, '-cf', '-', '.'], { maxBuffer: 64 << 20 });
    await importRootfsTar(root, Readable.from([tar]), progress);
    assert.equal(chrootSh(root, 'echo ok'), 'ok\n');
  });

  test('importRootfsTar refuses ".." members and writes nothing outside the root', async () => {
    const parent = tempDir('import-dotdot');
    const root = path.join(parent, 'root');
    execFileSync('mkdir', [root]);
    const archive = tarArchive([
      { name: 'bin/', type: '5', mode: 0o755 },
      { name: 'bin/sh', data: '#!/bin/sh\n', mode: 0o755 },
      { name: '../evil', data: 'pwned' },
      { name: 'bin/../../evil2', data: 'pwned' },
    ]);
    await assert.rejects(importRootfsTar(root, Readable.from([archive]), progress), /Member name contains '\.\.'/);
    assert.deepEqual(readdirSync(parent), ['root']);
  });

  test('importRootfsTar does not write through a symlink that leaves the root', async () => {
    const outside = tempDir('outside');
    const root = tempDir('import-symlink');
    const archive = tarArchive([
      { name: 'bin/', type: '5', mode: 0o755 },
      { name: 'bin/sh', data: '#!/bin/sh\n', mode: 0o755 },
      { name: 'esc', type: '2', linkname: outside },
      { name: 'esc/evil', data: 'pwned' },
    ]);
    await assert.rejects(importRootfsTar(root, Readable.from([archive]), progress), /extracting the archive failed[\s\S]*Not a directory/);
    assert.deepEqual(readdirSync(outside), []);
  });

  test('an image whose /etc is an absolute symlink out of the root gets its files inside the root', async () => {
    const outside = tempDir('outside-etc');
    const root = tempDir('import-etc');
    const archive = tarArchive([
      { name: 'bin/', type: '5', mode: 0o755 },
      { name: 'bin/sh', data: '#!/bin/sh\n', mode: 0o755 },
      { name: 'etc', type: '2', linkname: outside },
      { name: 'dev/', type: '5', mode: 0o755 },
      { name: 'dev/sda', type: '4', devmajor: 8, devminor: 0 },
    ]);
    await importRootfsTar(root, Readable.from([gzip(archive)]), progress);
    assert.deepEqual(readdirSync(outside), [], 'nothing may be written to the host path');
    assert.match(readFileSync(path.join(root, outside, 'passwd'), 'utf8'), /^sprite:/m);
    assert.equal(existsSync(path.join(root, 'dev/sda')), false, 'device nodes are removed');
  });

  test('importRootfsTar rejects an archive that is not a root filesystem', async () => {
    const root = tempDir('import-notroot');
    const archive = tarArchive([
      { name: 'project/', type: '5', mode: 0o755 },
      { name: 'project/README', data: 'hi' },
    ]);
    await assert.rejects(importRootfsTar(root, Readable.from([archive]), progress), /not a root filesystem.*top level: project/);
  });

  test('importRootfsTar reports a corrupt gzip stream as such', async () => {
    const root = tempDir('import-corrupt');
    const bad = Buffer.concat([gzip(tarArchive([{ name: 'bin/sh', data: 'x', mode: 0o755 }])).subarray(0, 20), Buffer.alloc(100, 7)]);
    await assert.rejects(importRootfsTar(root, Readable.from([bad]), progress), /reading the archive failed/);
  });
});

interface TarMember {
  name: string;
  /** ustar type flag: '0' file, '2' symlink, '4' char device, '5' directory */
  type?: string;
  data?: string;
  mode?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** Hand-built ustar archives: GNU tar will not write the hostile ones these tests need. */
function tarArchive(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const data = Buffer.from(member.data ?? '');
    const header = Buffer.alloc(512);
    header.write(member.name, 0, 100);
    octal(header, 100, 8, member.mode ?? 0o644);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, data.length);
    octal(header, 136, 12, 1_700_000_000);
    header.fill(' ', 148, 156);
    header.write(member.type ?? '0', 156);
    header.write(member.linkname ?? '', 157, 100);
    header.write('ustar\0', 257);
    header.write('00', 263);
    octal(header, 329, 8, member.devmajor ?? 0);
    octal(header, 337, 8, member.devminor ?? 0);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset);
}

function gzip(data: Buffer): Buffer {
  return execFileSync('gzip', ['-c'], { input: data });
}
