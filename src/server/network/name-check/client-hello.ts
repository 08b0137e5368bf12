/** What the first bytes of a TLS connection say about the name it is for. */
export type HelloReading =
  | { kind: 'incomplete' }
  | { kind: 'name'; name: string }
  /** A well-formed ClientHello without a host name (an IP address, or no SNI at all). */
  | { kind: 'no_name' }
  | { kind: 'not_tls' };

const RECORD_HEADER_BYTES = 5;
const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;
/** Far above any real ClientHello (post-quantum key shares included); more is not a greeting. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

/**
 * Reads the server name (SNI) from the ClientHello at the start of `bytes`, which may still be
 * arriving: the handshake message is put together from as many records as it spans.
 */
export function readClientHello(bytes: Buffer): HelloReading {
  const handshake = handshakeBytes(bytes);
  if (handshake === 'not_tls' || handshake === 'incomplete') return { kind: handshake };
  try {
    return serverName(handshake);
  } catch {
    return { kind: 'not_tls' };
  }
}

/** The first handshake message, joined from its records, once all of it is here. */
function handshakeBytes(bytes: Buffer): Buffer | 'incomplete' | 'not_tls' {
  const fragments: Buffer[] = [];
  let have = 0;
  let offset = 0;
  for (;;) {
    if (bytes.length < offset + RECORD_HEADER_BYTES) return 'incomplete';
    if (bytes[offset] !== CONTENT_HANDSHAKE || bytes[offset + 1] !== 0x03) return 'not_tls';
    const length = bytes.readUInt16BE(offset + 3);
    if (length === 0) return 'not_tls';
    const end = offset + RECORD_HEADER_BYTES + length;
    fragments.push(bytes.subarray(offset + RECORD_HEADER_BYTES, Math.min(end, bytes.length)));
    have += fragments.at(-1)?.length ?? 0;
    const joined = Buffer.concat(fragments, have);
    if (joined.length >= 4) {
      if (joined[0] !== HANDSHAKE_CLIENT_HELLO) return 'not_tls';
      const wanted = 4 + joined.readUIntBE(1, 3);
      if (wanted > MAX_CLIENT_HELLO_BYTES) return 'not_tls';
      if (joined.length >= wanted) return joined.subarray(4, wanted);
    }
    if (bytes.length < end) return 'incomplete';
    offset = end;
  }
}

/** Walks a ClientHello body to its server_name extension; a short read throws (RangeError). */
function serverName(hello: Buffer): HelloReading {
  let at = 2 + 32; // legacy version, random
  at += 1 + byte(hello, at); // session id
  at += 2 + hello.readUInt16BE(at); // cipher suites
  at += 1 + byte(hello, at); // compression methods
  if (at === hello.length) return { kind: 'no_name' };
  const extensionsEnd = at + 2 + hello.readUInt16BE(at);
  if (extensionsEnd > hello.length) return { kind: 'not_tls' };
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    at += 4;
    if (at + length > extensionsEnd) return { kind: 'not_tls' };
    if (type === EXTENSION_SERVER_NAME) return hostName(hello.subarray(at, at + length));
    at += length;
  }
  return { kind: 'no_name' };
}

function hostName(extension: Buffer): HelloReading {
  const listEnd = 2 + extension.readUInt16BE(0);
  let at = 2;
  while (at + 3 <= Math.min(listEnd, extension.length)) {
    const type = byte(extension, at);
    const length = extension.readUInt16BE(at + 1);
    at += 3;
    if (at + length > extension.length) return { kind: 'not_tls' };
    if (type === NAME_TYPE_HOST) {
      const name = extension.subarray(at, at + length).toString('latin1');
      // RFC 6066: a host name is ASCII letters, digits, hyphens and dots; anything else is a lie.
      return /^[a-z0-9.-]+$/i.test(name) ? { kind: 'name', name } : { kind: 'not_tls' };
    }
    at += length;
  }
  return { kind: 'no_name' };
}

function byte(buffer: Buffer, at: number): number {
  const value = buffer[at];
  if (value === undefined) throw new RangeError('short ClientHello');
  return value;
}
