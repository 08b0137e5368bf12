import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import test from 'node:test';
import { connect } from 'node:tls';
import { readClientHello } from './client-hello.js';

/** The first bytes a real TLS client (node's, OpenSSL underneath) sends. */
async function helloOf(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        bytes = Buffer.concat([bytes, data]);
        const reading = readClientHello(bytes);
        if (reading.kind !== 'incomplete') {
          resolve(bytes);
          socket.destroy();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(servername === undefined ? {} : { servername }) }); // a listening TCP server
  client.on('error', () => undefined);
  try {
    return await got;
  } finally {
    client.destroy();
    server.close();
  }
}

/** The same handshake message cut into records of at most `size` bytes, as a TLS stack may send it. */
function refragment(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const part = body.subarray(at, at + size);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  return Buffer.concat(records);
}

test('reads the server name a real client sends, at any split', async () => {
  const hello = await helloOf('Mirror.Example.test');
  assert.deepEqual(readClientHello(hello), { kind: 'name', name: 'Mirror.Example.test' });
  for (let cut = 0; cut < hello.length; cut++) assert.deepEqual(readClientHello(hello.subarray(0, cut)), { kind: 'incomplete' }, `cut at ${cut}`);
  for (const size of [1, 7, 100]) assert.deepEqual(readClientHello(refragment(hello, size)), { kind: 'name', name: 'Mirror.Example.test' }, `records of ${size}`);
});

test('a ClientHello without a name, and bytes that are not TLS', async () => {
  assert.deepEqual(readClientHello(await helloOf(undefined)), { kind: 'no_name' });
  assert.deepEqual(readClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')), { kind: 'not_tls' });
  assert.deepEqual(readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0])), { kind: 'not_tls' }, 'a handshake that is not a ClientHello');
  assert.deepEqual(readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0xff, 0xff, 0xff, 0])), { kind: 'not_tls' }, 'a ClientHello longer than any real one');
  const hello = await helloOf('a.example.test');
  const lying = Buffer.from(hello);
  const at = lying.indexOf('a.example.test');
  lying[at] = 0x00;
  assert.deepEqual(readClientHello(lying), { kind: 'not_tls' }, 'a name with a NUL in it');
  // Truncate the extensions while keeping the lengths: the walk must stop, not read past the end.
  const short = Buffer.from(hello.subarray(0, at));
  short.writeUInt16BE(short.length - 5, 3);
  short.writeUIntBE(short.length - 9, 6, 3);
  assert.notEqual(readClientHello(short).kind, 'name');
});
