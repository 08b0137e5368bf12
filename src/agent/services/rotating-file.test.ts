import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { RotatingFile } from './rotating-file.js';

test('a log file is cut at its size and one older copy is kept, however much is written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-rotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'logs', 'web.log');
  const errors: unknown[] = [];
  const file = new RotatingFile(path, 1000, (error) => errors.push(error));
  for (let i = 0; i < 500; i++) file.write(Buffer.from(`line ${String(i).padStart(4, '0')}\n`));
  file.close();
  assert.deepEqual(errors, []);
  assert.ok(statSync(path).size <= 1000);
  assert.ok(statSync(`${path}.1`).size <= 1000);
  const newest = readFileSync(path, 'utf8');
  assert.ok(newest.endsWith('line 0499\n'), 'the newest output is in the file');
  assert.ok(readFileSync(`${path}.1`, 'utf8').endsWith(`line ${String(499 - newest.split('\n').length + 1).padStart(4, '0')}\n`), 'the older copy ends where the file begins');

  writeFileSync(path, 'x'.repeat(2000));
  const reopened = new RotatingFile(path, 1000, () => assert.fail('no write fails'));
  reopened.write(Buffer.from('fresh\n'));
  reopened.close();
  assert.equal(readFileSync(path, 'utf8'), 'fresh\n', 'a file over the size from an earlier run is rotated at the first write');
});

test('a write that fails is reported once, not for every chunk', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-rotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A regular file where the directory should be: every open fails.
  writeFileSync(join(dir, 'logs'), '');
  const errors: unknown[] = [];
  const file = new RotatingFile(join(dir, 'logs', 'web.log'), 1000, (error) => errors.push(error));
  for (let i = 0; i < 10; i++) file.write(Buffer.from('x\n'));
  assert.equal(errors.length, 1);
});
