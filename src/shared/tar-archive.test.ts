import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'node:test';
import { create } from 'tar';
import { packDirectory, unpackTar } from './tar-archive.js';

function scratch(t: test.TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'hob-tar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mode = (path: string): number => lstatSync(path).mode & 0o7777;

test('a directory packs and unpacks with exact modes, and symlinks as they were, absolute ones too', async (t) => {
  const dir = scratch(t);
  const source = join(dir, 'src');
  mkdirSync(join(source, 'locked'), { recursive: true });
  writeFileSync(join(source, 'locked', 'f'), 'f');
  writeFileSync(join(source, 'setuid'), 's');
  symlinkSync('/etc/passwd', join(source, 'abs'));
  symlinkSync('../outside', join(source, 'up'));
  chmodSync(join(source, 'setuid'), 0o4755);
  chmodSync(join(source, 'locked', 'f'), 0o600);
  chmodSync(join(source, 'locked'), 0o500);
  chmodSync(source, 0o751);
  const out = join(dir, 'out');
  await unpackTar(packDirectory(source), out, { stripSetId: false });
  assert.deepEqual([mode(out), mode(join(out, 'locked')), mode(join(out, 'locked', 'f')), mode(join(out, 'setuid'))], [0o751, 0o500, 0o600, 0o4755]);
  assert.equal(readlinkSync(join(out, 'abs')), '/etc/passwd');
  assert.equal(readlinkSync(join(out, 'up')), '../outside');
  assert.equal(readFileSync(join(out, 'locked', 'f'), 'utf8'), 'f');
  const stripped = join(dir, 'stripped');
  await unpackTar(packDirectory(source), stripped, { stripSetId: true });
  assert.equal(mode(join(stripped, 'setuid')), 0o755);
  // So that the scratch directory can be removed without root.
  for (const tree of [source, out, stripped]) chmodSync(join(tree, 'locked'), 0o700);
});

test('entries that climb out, and writes through a symlink in the archive, never leave the directory', async (t) => {
  const dir = scratch(t);
  const victim = join(dir, 'victim');
  mkdirSync(victim);
  const evil = join(dir, 'evil');
  mkdirSync(evil);
  // A symlink to the victim, then a directory of the same name holding a file: as GNU tar would pack a tree that changed under it.
  symlinkSync(victim, join(evil, 'link'));
  const first = await create({ cwd: evil, portable: true }, ['link']).concat();
  rmSync(join(evil, 'link'));
  mkdirSync(join(evil, 'link'));
  writeFileSync(join(evil, 'link', 'planted'), 'x');
  const second = await create({ cwd: evil, portable: true }, ['link/planted']).concat();
  const archive = Buffer.concat([first.subarray(0, first.length - 1024), second]);
  const target = join(dir, 'target');
  await unpackTar(Readable.from([archive]), target, { stripSetId: true }).catch(() => undefined);
  assert.equal(existsSync(join(victim, 'planted')), false, 'nothing was written through the symlink');

  const climbing = await create({ cwd: dir, portable: true, preservePaths: true }, [`../${basename(dir)}/victim`]).concat();
  await assert.rejects(unpackTar(Readable.from([climbing]), join(dir, 'target2'), { stripSetId: true }), /'\.\.'/);
});
