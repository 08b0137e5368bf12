import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { DiffEntryJson } from '../../shared/protocol.js';
import { CommandError, runCommand } from '../util/command.js';
import { diffSubvolumes } from './diff.js';
import { isMountPoint } from './pool.js';
import { decodePath, encodePath, SEND_ATTR, SEND_COMMAND, SendStreamParser, type SendCommand } from './send-stream.js';

const skip = process.getuid?.() !== 0 ? 'needs root (mounts a loop btrfs)' : false;

/** btrfs gives a directory the total length of its entries' names, counted twice (two indexes). */
function dirSize(...names: string[]): number {
  return 2 * names.reduce((total, name) => total + Buffer.byteLength(name), 0);
}

function parseAll(stream: Buffer, chunkBytes: number): SendCommand[] {
  const parser = new SendStreamParser();
  const commands: SendCommand[] = [];
  for (let offset = 0; offset < stream.length; offset += chunkBytes) {
    commands.push(...parser.push(stream.subarray(offset, offset + chunkBytes)));
  }
  parser.end();
  return commands;
}

function streamHeader(version: number): Buffer {
  const header = Buffer.alloc(17);
  header.write('btrfs-stream\0', 'latin1');
  header.writeUInt32LE(version, 13);
  return header;
}

describe('send stream parser', () => {
  test('rejects a stream with the wrong magic', () => {
    const stream = Buffer.from('btrfs-strean\0\x01\0\0\0', 'latin1');
    assert.throws(() => new SendStreamParser().push(stream), /not a btrfs send stream/);
  });

  test('rejects an unsupported version', () => {
    assert.throws(() => new SendStreamParser().push(streamHeader(2)), /version 2 is not supported/);
  });

  test('a stream cut inside a command fails at the end instead of looking shorter', () => {
    const parser = new SendStreamParser();
    assert.deepEqual(parser.push(Buffer.concat([streamHeader(1), Buffer.from([4, 0, 0])])), []);
    assert.throws(() => parser.end(), /ended inside a command \(3 bytes left over\)/);
    assert.throws(() => new SendStreamParser().end(), /ended before its header/);
  });

  test('names that are not UTF-8 decode to distinct strings and encode back to their bytes', () => {
    const names = [Buffer.from('plain é\n'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0x61, 0xfe, 0x62]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80])];
    const decoded = names.map(decodePath);
    assert.equal(decoded[0], 'plain é\n');
    assert.equal(decoded[1], 'a\udcffb');
    assert.equal(new Set(decoded).size, names.length);
    decoded.forEach((name, index) => assert.deepEqual(encodePath(name), names[index]));
    assert.deepEqual(encodePath('😀'), Buffer.from('😀'));
  });
});

describe('diffSubvolumes on a real btrfs', { skip }, () => {
  let dir = '';
  let mnt = '';

  before(async () => {
    dir = await mkdtemp('/tmp/hobdiff-');
    const image = join(dir, 'pool.img');
    await writeFile(image, '');
    await truncate(image, 1024 ** 3);
    await runCommand('mkfs.btrfs', ['-q', image]);
    mnt = join(dir, 'mnt');
    await mkdir(mnt);
    await runCommand('mount', ['-o', 'loop', image, mnt]);
  });

  after(async () => {
    if (mnt !== '' && isMountPoint(mnt)) await runCommand('umount', [mnt]);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** A subvolume made by `populate`, snapshotted read-only before and after `change`. */
  async function snapshots(name: string, populate: (root: string) => void, change: (root: string) => void): Promise<{ from: string; to: string }> {
    const volume = join(mnt, name);
    await runCommand('btrfs', ['-q', 'subvolume', 'create', volume]);
    populate(volume);
    const from = `${volume}-before`;
    await runCommand('btrfs', ['-q', 'subvolume', 'snapshot', '-r', volume, from]);
    change(volume);
    const to = `${volume}-after`;
    await runCommand('btrfs', ['-q', 'subvolume', 'snapshot', '-r', volume, to]);
    return { from, to };
  }

  const ODD_NAME = 'with space\nnewline é.txt';

  function populateCommon(root: string): void {
    writeFileSync(join(root, 'mod.txt'), 'hello\n');
    writeFileSync(join(root, 'chmod.txt'), 'mode\n');
    writeFileSync(join(root, 'gone.txt'), 'bye\n');
    mkdirSync(join(root, 'gone-dir/sub'), { recursive: true });
    writeFileSync(join(root, 'gone-dir/y.txt'), 'y\n');
    writeFileSync(join(root, 'gone-dir/sub/x.txt'), 'xx\n');
    writeFileSync(join(root, 'old-name.txt'), 'rename me\n');
    mkdirSync(join(root, 'old-dir'));
    writeFileSync(join(root, 'old-dir/a.txt'), 'a\n');
    writeFileSync(join(root, 'old-dir/b.txt'), 'b\n');
    writeFileSync(join(root, 'linked.txt'), 'shared\n');
    writeFileSync(join(root, 'untouched.txt'), 'same\n');
    writeFileSync(join(root, 'touched.txt'), 'times only\n');
  }

  function changeCommon(root: string): void {
    appendFileSync(join(root, 'mod.txt'), 'world\n');
    chmodSync(join(root, 'chmod.txt'), 0o600);
    rmSync(join(root, 'gone.txt'));
    rmSync(join(root, 'gone-dir'), { recursive: true });
    renameSync(join(root, 'old-name.txt'), join(root, 'new-name.txt'));
    renameSync(join(root, 'old-dir'), join(root, 'new-dir'));
    linkSync(join(root, 'linked.txt'), join(root, 'hardlink.txt'));
    utimesSync(join(root, 'touched.txt'), new Date(0), new Date(0));
    writeFileSync(join(root, 'added.txt'), 'new file\n');
    mkdirSync(join(root, 'added-dir/nested'), { recursive: true });
    writeFileSync(join(root, 'added-dir/one.txt'), '1\n');
    writeFileSync(join(root, 'added-dir/nested/two.txt'), '22\n');
    symlinkSync('added.txt', join(root, 'link-to-added'));
    writeFileSync(join(root, 'temp.txt'), 'short-lived\n');
    rmSync(join(root, 'temp.txt'));
    writeFileSync(join(root, ODD_NAME), 'odd\n');
  }

  const COMMON_CHANGES: DiffEntryJson[] = [
    { path: '/added-dir', change: 'added', type: 'dir', size: dirSize('nested', 'one.txt') },
    { path: '/added-dir/nested', change: 'added', type: 'dir', size: dirSize('two.txt') },
    { path: '/added-dir/nested/two.txt', change: 'added', type: 'file', size: 3 },
    { path: '/added-dir/one.txt', change: 'added', type: 'file', size: 2 },
    { path: '/added.txt', change: 'added', type: 'file', size: 9 },
    { path: '/chmod.txt', change: 'modified', type: 'file', size: 5 },
    { path: '/gone-dir', change: 'deleted', type: 'dir', size: dirSize('sub', 'y.txt') },
    { path: '/gone-dir/sub', change: 'deleted', type: 'dir', size: dirSize('x.txt') },
    { path: '/gone-dir/sub/x.txt', change: 'deleted', type: 'file', size: 3 },
    { path: '/gone-dir/y.txt', change: 'deleted', type: 'file', size: 2 },
    { path: '/gone.txt', change: 'deleted', type: 'file', size: 4 },
    { path: '/hardlink.txt', change: 'added', type: 'file', size: 7 },
    { path: '/link-to-added', change: 'added', type: 'symlink', size: 'added.txt'.length },
    { path: '/mod.txt', change: 'modified', type: 'file', size: 12 },
    { path: '/new-dir', change: 'added', type: 'dir', size: dirSize('a.txt', 'b.txt') },
    { path: '/new-name.txt', change: 'added', type: 'file', size: 10 },
    { path: '/old-dir', change: 'deleted', type: 'dir', size: dirSize('a.txt', 'b.txt') },
    { path: '/old-name.txt', change: 'deleted', type: 'file', size: 10 },
    { path: `/${ODD_NAME}`, change: 'added', type: 'file', size: 4 },
  ];

  test('reports additions, modifications, deletions, renames and links, sorted by path', async () => {
    const { from, to } = await snapshots('common', populateCommon, changeCommon);
    const diff = await diffSubvolumes(from, to, { limit: 1000 });
    assert.deepEqual(diff, { changes: COMMON_CHANGES, added: 10, modified: 2, deleted: 7, truncated: false });
    const paths = diff.changes.map((entry) => entry.path);
    assert.deepEqual(paths, [...paths].sort());
  });

  test('keeps the first `limit` entries and still counts them all', async () => {
    const { from, to } = await snapshots('limited', populateCommon, changeCommon);
    assert.deepEqual(await diffSubvolumes(from, to, { limit: 3 }), {
      changes: COMMON_CHANGES.slice(0, 3),
      added: 10,
      modified: 2,
      deleted: 7,
      truncated: true,
    });
    const exact = await diffSubvolumes(from, to, { limit: COMMON_CHANGES.length });
    assert.equal(exact.truncated, false);
    assert.equal(exact.changes.length, COMMON_CHANGES.length);
  });

  test('follows renames through orphan names, replaced paths and moved directories', async () => {
    const badName = (root: string, lead: string): Buffer => Buffer.concat([Buffer.from(`${root}/${lead}`), Buffer.of(0xff), Buffer.from('.txt')]);
    const { from, to } = await snapshots(
      'orphans',
      (root) => {
        writeFileSync(join(root, 'a.txt'), 'a\n');
        writeFileSync(join(root, 'b.txt'), 'bbb\n');
        mkdirSync(join(root, 'x'));
        writeFileSync(join(root, 'x/in-x'), '');
        mkdirSync(join(root, 'y'));
        mkdirSync(join(root, 'm'));
        writeFileSync(join(root, 'm/k.txt'), 'k\n');
        writeFileSync(join(root, 'rep'), 'a file\n');
        mkdirSync(join(root, 'deep/d2'), { recursive: true });
        writeFileSync(join(root, 'deep/d2/z.txt'), 'z\n');
        writeFileSync(badName(root, 'bad'), 'w\n');
      },
      (root) => {
        // Swapping names makes send break the cycle through an orphan name.
        renameSync(join(root, 'a.txt'), join(root, 'tmp'));
        renameSync(join(root, 'b.txt'), join(root, 'a.txt'));
        renameSync(join(root, 'tmp'), join(root, 'b.txt'));
        renameSync(join(root, 'x'), join(root, 'tmp'));
        renameSync(join(root, 'y'), join(root, 'x'));
        renameSync(join(root, 'tmp'), join(root, 'y'));
        renameSync(join(root, 'm'), join(root, 'm2'));
        appendFileSync(join(root, 'm2/k.txt'), 'more\n');
        rmSync(join(root, 'rep'));
        mkdirSync(join(root, 'rep'));
        writeFileSync(join(root, 'rep/f'), 'in\n');
        mkdirSync(join(root, 'newd'));
        renameSync(join(root, 'deep'), join(root, 'newd/deep'));
        renameSync(join(root, 'newd/deep/d2'), join(root, 'd2moved'));
        chmodSync(badName(root, 'bad'), 0o600);
        writeFileSync(badName(root, 'new'), 'n');
      },
    );
    const diff = await diffSubvolumes(from, to, { limit: 1000 });
    assert.deepEqual(diff.changes, [
      { path: '/a.txt', change: 'modified', type: 'file', size: 4 },
      { path: '/b.txt', change: 'modified', type: 'file', size: 2 },
      { path: '/bad\udcff.txt', change: 'modified', type: 'file', size: 2 },
      { path: '/d2moved', change: 'added', type: 'dir', size: dirSize('z.txt') },
      { path: '/deep', change: 'deleted', type: 'dir', size: dirSize('d2') },
      { path: '/deep/d2', change: 'deleted', type: 'dir', size: dirSize('z.txt') },
      { path: '/m', change: 'deleted', type: 'dir', size: dirSize('k.txt') },
      { path: '/m2', change: 'added', type: 'dir', size: dirSize('k.txt') },
      { path: '/m2/k.txt', change: 'modified', type: 'file', size: 7 },
      { path: '/newd', change: 'added', type: 'dir', size: dirSize('deep') },
      { path: '/newd/deep', change: 'added', type: 'dir', size: 0 },
      // Sorted by UTF-16 code unit: the escaped byte 0xff sorts after every ASCII name.
      { path: '/new\udcff.txt', change: 'added', type: 'file', size: 1 },
      { path: '/rep', change: 'modified', type: 'dir', size: dirSize('f') },
      { path: '/rep/f', change: 'added', type: 'file', size: 3 },
      { path: '/x', change: 'modified', type: 'dir', size: 0 },
      { path: '/y', change: 'modified', type: 'dir', size: dirSize('in-x') },
    ]);
    assert.deepEqual([diff.added, diff.modified, diff.deleted], [6, 7, 3]);
  });

  test('parses a real stream the same when it arrives one byte at a time', async () => {
    const { from, to } = await snapshots('bytes', populateCommon, changeCommon);
    const file = join(dir, 'stream');
    await runCommand('btrfs', ['send', '--no-data', '-q', '-f', file, '-p', from, to]);
    const stream = readFileSync(file);
    const whole = parseAll(stream, stream.length);
    assert.deepEqual(parseAll(stream, 1), whole);
    assert.equal(whole[0]?.type, SEND_COMMAND.SNAPSHOT);
    assert.equal(whole.at(-1)?.type, SEND_COMMAND.END);
    const renamedTo = whole.filter((c) => c.type === SEND_COMMAND.RENAME).map((c) => c.path(SEND_ATTR.PATH_TO));
    assert.ok(renamedTo.includes(ODD_NAME), `no rename to ${JSON.stringify(ODD_NAME)} in ${JSON.stringify(renamedTo)}`);

    const corrupt = Buffer.from(stream);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 20) ^ 0xff, corrupt.length - 20);
    assert.throws(() => parseAll(corrupt, 4096), /btrfs send stream is corrupt: .* crc/);
    assert.throws(() => parseAll(stream.subarray(0, stream.length - 1), 4096), /ended inside a command/);
  });

  test('a btrfs failure rejects with its stderr', async () => {
    const { to } = await snapshots('fails', () => undefined, () => undefined);
    await assert.rejects(diffSubvolumes(join(mnt, 'missing'), to, { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof CommandError);
      assert.match(error.message, /^btrfs send .* exited with status 1/);
      assert.notEqual(error.stderr, '');
      return true;
    });
  });

  test('aborting stops the diff, before btrfs starts or while it streams', async () => {
    const { from, to } = await snapshots('aborted', populateCommon, changeCommon);
    await assert.rejects(diffSubvolumes(from, to, { limit: 10, signal: AbortSignal.abort() }), { name: 'AbortError' });
    const controller = new AbortController();
    const diff = diffSubvolumes(from, to, { limit: 10, signal: controller.signal });
    // diffSubvolumes has spawned btrfs by the time it first yields.
    controller.abort();
    await assert.rejects(diff, { name: 'AbortError' });
  });
});
