import assert from 'node:assert/strict';
import { test } from 'node:test';

import { detectArchiveFormat } from './archive-format.js';

test('archive formats are told apart by their first bytes', () => {
  assert.equal(detectArchiveFormat(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0])), 'gzip');
  assert.equal(detectArchiveFormat(Buffer.from('bin/\0\0\0\0')), 'tar');
  assert.throws(() => detectArchiveFormat(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), /xz-compressed/);
  assert.throws(() => detectArchiveFormat(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), /zstd-compressed/);
  assert.throws(() => detectArchiveFormat(Buffer.alloc(0)), /empty/);
});
