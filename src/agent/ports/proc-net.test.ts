import assert from 'node:assert/strict';
import test from 'node:test';
import { formatIPv6, parseProcNetTcp } from './proc-net.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

test('IPv4 listeners: little-endian hex addresses, hex ports, only state 0A', () => {
  const text = [
    HEADER,
    '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1579 1 000000008ab0b651 100 0 0 10 0',
    '   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 58377 1 000000000bdb6e4e 100 0 0 10 0',
    // An established connection and a TIME_WAIT one on the same port are not listeners.
    '   2: 0100007F:0BB8 0100007F:9192 01 00000000:00000000 00:00000000 00000000     0        0 99 3 00000000515840fe',
    '   3: 0100007F:0BB8 0100007F:9186 06 00000000:00000000 03:00000000 00000000     0        0 0 3 00000000c1c4c3e3',
    '   4: 0202A8C0:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
    '',
  ].join('\n');
  assert.deepEqual(parseProcNetTcp(text, 'LE'), [
    { address: '0.0.0.0', port: 2024, inode: 1579 },
    { address: '127.0.0.1', port: 3000, inode: 58377 },
    { address: '192.168.2.2', port: 8080, inode: 777 },
  ]);
});

test('big-endian hosts print the address bytes in order', () => {
  const line = '   0: 7F000001:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0';
  assert.deepEqual(parseProcNetTcp(line, 'BE'), [{ address: '127.0.0.1', port: 3000, inode: 5 }]);
});

test('IPv6 listeners: any, loopback, IPv4-mapped and a global address, each word byte-swapped', () => {
  const row = (address: string, port: string, inode: number): string =>
    `   0: ${address}:${port} 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
  const text = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    row('00000000000000000000000000000000', '1F90', 10),
    row('00000000000000000000000001000000', '0BB8', 11),
    row('0000000000000000FFFF00000100007F', '0016', 12),
    // 2001:db8::1:2 — words 20010db8 0 0 00010002, each printed little-endian.
    row('B80D0120000000000000000002000100', '01BB', 13),
    // fe80::1 with a zone, as a link-local listener shows.
    row('000080FE000000000000000001000000', '0035', 14),
  ].join('\n');
  assert.deepEqual(parseProcNetTcp(text, 'LE'), [
    { address: '::', port: 8080, inode: 10 },
    { address: '::1', port: 3000, inode: 11 },
    { address: '::ffff:127.0.0.1', port: 22, inode: 12 },
    { address: '2001:db8::1:2', port: 443, inode: 13 },
    { address: 'fe80::1', port: 53, inode: 14 },
  ]);
});

test('malformed lines are skipped, the rest still read', () => {
  const good = '   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1 0 100 0 0 10 0';
  const text = [
    'garbage',
    '   0: 0100007F:ZZZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41 1',
    '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 notanumber 1',
    '   0: 01007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 43 1',
    '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1',
    good,
  ].join('\n');
  assert.deepEqual(parseProcNetTcp(text, 'LE'), [{ address: '127.0.0.1', port: 3000, inode: 42 }]);
});

test('IPv6 text follows RFC 5952: the longest zero run, the first of equals, no lone :: for one group', () => {
  const v6 = (hex: string): string => formatIPv6(Buffer.from(hex, 'hex'));
  assert.equal(v6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(v6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(v6('20010db8000100010001000100010001'), '2001:db8:1:1:1:1:1:1');
  assert.equal(v6('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1');
  assert.equal(v6('00010000000000000000000000000000'), '1::');
});
