import assert from 'node:assert/strict';
import test from 'node:test';
import { diffPorts } from './diff.js';

test('snapshots become closes, then opens, in port order', () => {
  const before = [
    { port: 8080, address: '0.0.0.0', pid: 10 },
    { port: 3000, address: '127.0.0.1', pid: 11 },
    { port: 22, address: '::', pid: 12 },
  ];
  const after = [
    { port: 22, address: '::', pid: 12 },
    { port: 5432, address: '127.0.0.1', pid: 20 },
    { port: 3001, address: '0.0.0.0', pid: 21 },
  ];
  assert.deepEqual(diffPorts(before, after), [
    { type: 'port_closed', port: 3000, address: '127.0.0.1', pid: 11 },
    { type: 'port_closed', port: 8080, address: '0.0.0.0', pid: 10 },
    { type: 'port_opened', port: 3001, address: '0.0.0.0', pid: 21 },
    { type: 'port_opened', port: 5432, address: '127.0.0.1', pid: 20 },
  ]);
});

test('the same port on IPv4 and IPv6 is two sockets; a new pid on an open port is a close and an open', () => {
  const before = [{ port: 80, address: '0.0.0.0', pid: 5 }];
  const after = [
    { port: 80, address: '0.0.0.0', pid: 6 },
    { port: 80, address: '::', pid: 6 },
  ];
  assert.deepEqual(diffPorts(before, after), [
    { type: 'port_closed', port: 80, address: '0.0.0.0', pid: 5 },
    { type: 'port_opened', port: 80, address: '0.0.0.0', pid: 6 },
    { type: 'port_opened', port: 80, address: '::', pid: 6 },
  ]);
  assert.deepEqual(diffPorts(after, after), []);
  assert.deepEqual(diffPorts([], []), []);
});
