import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAddress, formatCidr, overlaps, parseAddress, parseCidr, subnets } from './ipv4.js';

test('addresses and prefixes parse and print back', () => {
  assert.equal(parseAddress('10.208.0.1'), 0x0ad00001);
  assert.equal(formatAddress(0x0ad00001), '10.208.0.1');
  assert.equal(parseAddress('256.1.1.1'), undefined);
  assert.equal(parseAddress('1.2.3'), undefined);
  assert.deepEqual(parseCidr('10.208.0.0/12'), { base: 0x0ad00000, prefixLength: 12 });
  assert.equal(parseCidr('10.208.0.1/12'), undefined, 'host bits set');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(formatCidr({ base: 0xc0000200, prefixLength: 24 }), '192.0.2.0/24');
});

test('a range splits into blocks, and blocks that share addresses overlap', () => {
  const range = parseCidr('10.208.0.0/12');
  assert.ok(range !== undefined);
  const blocks = [...subnets(range, 20)];
  assert.equal(blocks.length, 256);
  assert.equal(formatCidr(blocks[1] ?? range), '10.208.16.0/20');
  assert.ok(overlaps(range, { base: 0x0ad01005, prefixLength: 32 }));
  assert.ok(!overlaps(blocks[0] ?? range, blocks[1] ?? range));
  assert.deepEqual([...subnets(blocks[0] ?? range, 12)], [], 'no block larger than its range');
});
