import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ServiceOutput, type ServiceEvent } from './output.js';

function output(t: test.TestContext): { out: ServiceOutput; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hob-output-'));
  const out = new ServiceOutput(dir, 'web', () => undefined);
  t.after(() => {
    out.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { out, dir };
}

const lines = (events: ServiceEvent[]) => events.map((event) => `${event.type}:${event.data ?? ''}`);

test('output goes to the combined log and its stream’s log, and the last lines keep their stream', (t) => {
  const { out, dir } = output(t);
  out.write('stdout', Buffer.from('one\ntw'));
  out.write('stderr', Buffer.from('oops\n'));
  out.write('stdout', Buffer.from('o\nthree\npartial'));
  assert.equal(readFileSync(join(dir, 'web.log'), 'utf8'), 'one\ntwoops\no\nthree\npartial');
  assert.equal(readFileSync(join(dir, 'web.stdout.log'), 'utf8'), 'one\ntwo\nthree\npartial');
  assert.equal(readFileSync(join(dir, 'web.stderr.log'), 'utf8'), 'oops\n');
  assert.deepEqual(lines(out.tail(10)), ['stdout:one\n', 'stderr:oops\n', 'stdout:two\n', 'stdout:three\n', 'stdout:partial']);
  assert.deepEqual(lines(out.tail(2)), ['stdout:three\n', 'stdout:partial']);
  assert.deepEqual(out.tail(0), []);
  assert.deepEqual(out.logFiles, { combined: join(dir, 'web.log'), stdout: join(dir, 'web.stdout.log'), stderr: join(dir, 'web.stderr.log') });
});

test('followers get output and events while subscribed; memory holds a bounded window', (t) => {
  const { out } = output(t);
  const seen: ServiceEvent[] = [];
  const unsubscribe = out.subscribe((event) => seen.push(event));
  // A multi-byte character split across two reads arrives whole.
  const euro = Buffer.from('€\n');
  out.write('stdout', euro.subarray(0, 1));
  out.write('stdout', euro.subarray(1));
  out.emit({ type: 'started', timestamp: 1 });
  unsubscribe();
  out.write('stdout', Buffer.from('unseen\n'));
  assert.deepEqual(lines(seen), ['stdout:', 'stdout:€\n', 'started:']);

  for (let i = 0; i < 100_000; i++) out.write('stdout', Buffer.from(`${i}\n`));
  const tail = out.tail(10_000);
  assert.equal(tail.length, 10_000);
  assert.equal(tail.at(-1)?.data, '99999\n');
});
