import assert from 'node:assert/strict';
import test from 'node:test';
import { StreamId } from '../../shared/frames.js';
import { Scrollback } from './scrollback.js';

const text = (scrollback: Scrollback): string => Buffer.concat(scrollback.chunks().map((c) => c.data)).toString();

test('keeps the newest capacity bytes, oldest dropped first', () => {
  const scrollback = new Scrollback(10);
  scrollback.append(StreamId.Stdout, Buffer.from('abcdef'));
  scrollback.append(StreamId.Stdout, Buffer.from('ghijkl'));
  assert.equal(text(scrollback), 'cdefghijkl');
  assert.equal(scrollback.sizeBytes, 10);
  scrollback.append(StreamId.Stdout, Buffer.from('0123456789ABC'));
  assert.equal(text(scrollback), '3456789ABC', 'a chunk larger than the capacity keeps its own tail');
});

test('keeps which stream each piece came from, in order', () => {
  const scrollback = new Scrollback(1024);
  scrollback.append(StreamId.Stdout, Buffer.from('out1 '));
  scrollback.append(StreamId.Stderr, Buffer.from('err '));
  scrollback.append(StreamId.Stdout, Buffer.from('out2'));
  assert.deepEqual(scrollback.chunks().map((c) => [c.stream, c.data.toString()]), [[StreamId.Stdout, 'out1 '], [StreamId.Stderr, 'err '], [StreamId.Stdout, 'out2']]);
});

test('copies what it keeps: the caller may reuse its buffer', () => {
  const scrollback = new Scrollback(1024);
  const buf = Buffer.from('first');
  scrollback.append('tty', buf);
  buf.write('XXXXX');
  assert.equal(text(scrollback), 'first');
});

test('a trimmed terminal replay starts at a line when one begins near', () => {
  const scrollback = new Scrollback(20);
  scrollback.append('tty', Buffer.from('line one\r\nline two\r\nline three\r\n'));
  assert.equal(text(scrollback), 'line three\r\n');
});

test('capacity 0 keeps nothing; many small writes stay bounded', () => {
  const none = new Scrollback(0);
  none.append('tty', Buffer.from('x'));
  assert.deepEqual(none.chunks(), []);
  const scrollback = new Scrollback(64 * 1024);
  for (let i = 0; i < 100_000; i++) scrollback.append(StreamId.Stdout, Buffer.from(`${i}\n`));
  assert.equal(scrollback.sizeBytes, 64 * 1024);
  assert.ok(text(scrollback).endsWith('99998\n99999\n'));
  assert.ok(scrollback.chunks().length <= 5, 'kept in a few blocks, not a chunk per write');
});
