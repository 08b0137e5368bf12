import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortEventJson } from '../../shared/protocol.js';
import type { ListeningPort } from './diff.js';
import { PortScanner } from './scan.js';
import { PortWatcher, snapshotMessage } from './watcher.js';

const INTERVAL_MS = 20;

function fakeScan(initial: ListeningPort[]) {
  const state = { ports: initial, looks: 0, fail: false };
  const scan = (): Promise<ListeningPort[]> => {
    state.looks++;
    return state.fail ? Promise.reject(new Error('no /proc')) : Promise.resolve([...state.ports]);
  };
  return { state, scan };
}

function recorder() {
  const seen: { snapshot?: readonly ListeningPort[]; events: PortEventJson[] } = { events: [] };
  return { seen, subscriber: { snapshot: (ports: readonly ListeningPort[]) => void (seen.snapshot = ports), event: (e: PortEventJson) => void seen.events.push(e) } };
}

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test('a watcher gets a snapshot, then each change; with nobody watching there is no timer and no look', async () => {
  const { state, scan } = fakeScan([{ port: 3000, address: '127.0.0.1', pid: 42 }]);
  const watcher = new PortWatcher(scan, INTERVAL_MS, (error) => assert.fail(String(error)));
  const before = timers();
  assert.equal(watcher.polling, false);
  await sleep(INTERVAL_MS * 3);
  assert.equal(state.looks, 0, 'nothing is looked at before anyone watches');

  const { seen, subscriber } = recorder();
  const stop = await watcher.subscribe(subscriber);
  assert.deepEqual(snapshotMessage(seen.snapshot ?? []), { type: 'port_list', ports: [{ type: 'port_opened', port: 3000, address: '127.0.0.1', pid: 42 }] });
  assert.equal(watcher.polling, true);
  state.ports = [{ port: 8080, address: '0.0.0.0', pid: 43 }];
  await sleep(INTERVAL_MS * 4);
  assert.deepEqual(seen.events, [
    { type: 'port_closed', port: 3000, address: '127.0.0.1', pid: 42 },
    { type: 'port_opened', port: 8080, address: '0.0.0.0', pid: 43 },
  ]);

  stop();
  assert.equal(watcher.polling, false);
  assert.equal(timers(), before, 'the poll timer is gone');
  const looks = state.looks;
  await sleep(INTERVAL_MS * 5);
  assert.equal(state.looks, looks, 'no look after the last watcher left');
});

test('a second watcher takes a fresh look; what changed goes to the first one, the new one gets it in its snapshot', async () => {
  const { state, scan } = fakeScan([]);
  const watcher = new PortWatcher(scan, 60_000, (error) => assert.fail(String(error)));
  const first = recorder();
  const stopFirst = await watcher.subscribe(first.subscriber);
  assert.deepEqual(first.seen.snapshot, []);
  state.ports = [{ port: 5432, address: '::', pid: 7 }];
  const second = recorder();
  const stopSecond = await watcher.subscribe(second.subscriber);
  assert.deepEqual(second.seen.snapshot, [{ port: 5432, address: '::', pid: 7 }]);
  assert.deepEqual(second.seen.events, []);
  assert.deepEqual(first.seen.events, [{ type: 'port_opened', port: 5432, address: '::', pid: 7 }]);
  stopFirst();
  assert.equal(watcher.polling, true, 'one watcher is still there');
  stopSecond();
  assert.equal(watcher.polling, false);
});

test('a failed look refuses a new watcher, and on the timer is reported and retried', async () => {
  const { state, scan } = fakeScan([]);
  const errors: unknown[] = [];
  const watcher = new PortWatcher(scan, INTERVAL_MS, (error) => errors.push(error));
  state.fail = true;
  await assert.rejects(watcher.subscribe(recorder().subscriber), /no \/proc/);
  assert.equal(watcher.polling, false);
  state.fail = false;
  const { seen, subscriber } = recorder();
  const stop = await watcher.subscribe(subscriber);
  state.fail = true;
  await sleep(INTERVAL_MS * 3);
  assert.ok(errors.length >= 1);
  state.fail = false;
  state.ports = [{ port: 1, address: '0.0.0.0', pid: 2 }];
  await sleep(INTERVAL_MS * 3);
  assert.deepEqual(seen.events, [{ type: 'port_opened', port: 1, address: '0.0.0.0', pid: 2 }]);
  stop();
});

async function listen(host: string): Promise<Server> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

test('the scanner finds this process’s real IPv4 and IPv6 listeners in /proc, with its pid, and leaves out an excluded pid', async (t) => {
  const v4 = await listen('127.0.0.1');
  const v6 = await listen('::1').catch(() => undefined);
  t.after(() => {
    v4.close();
    v6?.close();
  });
  const port4 = (v4.address() as AddressInfo).port; // a TCP server's address is an AddressInfo
  const ports = await new PortScanner().scan();
  assert.ok(ports.some((p) => p.port === port4 && p.address === '127.0.0.1' && p.pid === process.pid), JSON.stringify(ports));
  if (v6 !== undefined) {
    const port6 = (v6.address() as AddressInfo).port; // as above
    assert.ok(ports.some((p) => p.port === port6 && p.address === '::1' && p.pid === process.pid), JSON.stringify(ports));
  }
  const excluded = await new PortScanner({ excludePid: process.pid }).scan();
  assert.ok(!excluded.some((p) => p.pid === process.pid));

  v4.close();
  await once(v4, 'close');
  assert.ok(!(await new PortScanner().scan()).some((p) => p.port === port4 && p.address === '127.0.0.1'));
});
