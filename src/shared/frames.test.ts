import assert from 'node:assert/strict';
import test from 'node:test';
import { StreamId, decodeFrame, encodeExitFrame, encodeFrame, exitCodeFromCloseCode, ttyCloseCode } from './frames.js';

test('a frame is its stream id followed by the payload', () => {
  assert.deepEqual([...encodeFrame(StreamId.Stdout, Buffer.from('hi'))], [1, 104, 105]);
  assert.deepEqual([...encodeFrame(StreamId.StdinEof)], [4]);
});

test('decoding round-trips every data stream', () => {
  for (const stream of [StreamId.Stdin, StreamId.Stdout, StreamId.Stderr] as const) {
    const frame = decodeFrame(encodeFrame(stream, Buffer.from('payload')));
    assert.equal(frame.stream, stream);
    assert.ok('data' in frame);
    assert.equal(frame.data.toString(), 'payload');
  }
});

test('exit frames carry one byte, truncated like a shell', () => {
  assert.deepEqual([...encodeExitFrame(3)], [3, 3]);
  assert.deepEqual([...encodeExitFrame(256 + 7)], [3, 7]);
  assert.deepEqual(decodeFrame(Buffer.from([3, 42])), { stream: StreamId.Exit, code: 42 });
  assert.deepEqual(decodeFrame(Buffer.from([3])), { stream: StreamId.Exit, code: 0 }, 'an empty exit payload means 0');
  assert.deepEqual(decodeFrame(Buffer.from([3, 1, 0, 0, 0])), { stream: StreamId.Exit, code: 1 }, 'extra bytes are ignored');
});

test('empty and unknown frames are recognised, not misread', () => {
  assert.deepEqual(decodeFrame(Buffer.alloc(0)), { stream: 'empty' });
  assert.deepEqual(decodeFrame(Buffer.from('{"type":"x"}')), { stream: 'unknown', id: 0x7b });
});

test('TTY close codes carry the exit status', () => {
  assert.equal(ttyCloseCode(0), 1000);
  assert.equal(ttyCloseCode(2), 4002);
  assert.equal(exitCodeFromCloseCode(1000), 0);
  assert.equal(exitCodeFromCloseCode(4130), 130);
  assert.equal(exitCodeFromCloseCode(1006), undefined);
});
