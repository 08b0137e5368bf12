/**
 * A parser for the btrfs send stream, version 1 (what `btrfs send` writes unless given
 * `--proto`): the layout is in btrfs-progs' common/send-stream.c and the kernel's send.h.
 *
 *   stream  = "btrfs-stream\0" le32(version) command*
 *   command = le32(payload length) le16(command id) le32(crc32c) attribute*
 *   attribute = le16(attribute id) le16(value length) value
 *
 * It is incremental: bytes arrive in chunks of any size (a pipe from `btrfs send`), and each
 * complete command is handed out as soon as its last byte arrives.
 */

export const SEND_STREAM_MAGIC = Buffer.from('btrfs-stream\0', 'latin1');
export const SEND_STREAM_VERSION = 1;

export const SEND_COMMAND = {
  SUBVOL: 1,
  SNAPSHOT: 2,
  MKFILE: 3,
  MKDIR: 4,
  MKNOD: 5,
  MKFIFO: 6,
  MKSOCK: 7,
  SYMLINK: 8,
  RENAME: 9,
  LINK: 10,
  UNLINK: 11,
  RMDIR: 12,
  SET_XATTR: 13,
  REMOVE_XATTR: 14,
  WRITE: 15,
  CLONE: 16,
  TRUNCATE: 17,
  CHMOD: 18,
  CHOWN: 19,
  UTIMES: 20,
  END: 21,
  UPDATE_EXTENT: 22,
} as const;

export const SEND_ATTR = {
  UUID: 1,
  CTRANSID: 2,
  INO: 3,
  SIZE: 4,
  MODE: 5,
  UID: 6,
  GID: 7,
  RDEV: 8,
  CTIME: 9,
  MTIME: 10,
  ATIME: 11,
  OTIME: 12,
  XATTR_NAME: 13,
  XATTR_DATA: 14,
  /** The path a command acts on, relative to the subvolume's root (no leading '/'). */
  PATH: 15,
  /** RENAME's destination. */
  PATH_TO: 16,
  /** LINK's existing name for the inode (SYMLINK's target). */
  PATH_LINK: 17,
  FILE_OFFSET: 18,
  DATA: 19,
  CLONE_UUID: 20,
  CLONE_CTRANSID: 21,
  CLONE_PATH: 22,
  CLONE_OFFSET: 23,
  CLONE_LEN: 24,
} as const;

const STREAM_HEADER_BYTES = SEND_STREAM_MAGIC.length + 4;
const COMMAND_HEADER_BYTES = 10;
const CRC_OFFSET = 6;
const ATTRIBUTE_HEADER_BYTES = 4;
// The kernel builds each v1 command in a 64 KiB buffer (BTRFS_SEND_BUF_SIZE_V1); a longer
// length means the stream is corrupt, and trusting it would buffer without bound.
const MAX_COMMAND_BYTES = 64 * 1024;

export class SendCommand {
  constructor(
    /** A value of SEND_COMMAND; kept a number because a newer kernel may send others. */
    readonly type: number,
    /** Raw attribute values by SEND_ATTR id. */
    readonly attributes: ReadonlyMap<number, Buffer>,
  ) {}

  /** A path attribute, decoded by decodePath; throws when the command lacks it. */
  path(attribute: number = SEND_ATTR.PATH): string {
    const value = this.attributes.get(attribute);
    if (value === undefined) {
      throw new Error(`btrfs send stream: command ${this.type} has no attribute ${attribute}`);
    }
    return decodePath(value);
  }
}

export class SendStreamParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private headerRead = false;
  /** The payload length of the command being buffered, once its header is here. */
  private pendingLength: number | undefined;

  /** Takes the next bytes of the stream; returns the commands they complete, in order. */
  push(chunk: Buffer): SendCommand[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const commands: SendCommand[] = [];
    if (!this.headerRead) {
      const header = this.take(STREAM_HEADER_BYTES);
      if (header === undefined) return commands;
      checkStreamHeader(header);
      this.headerRead = true;
    }
    for (;;) {
      this.pendingLength ??= this.commandLength();
      if (this.pendingLength === undefined) return commands;
      const bytes = this.take(COMMAND_HEADER_BYTES + this.pendingLength);
      if (bytes === undefined) return commands;
      this.pendingLength = undefined;
      commands.push(parseCommand(bytes));
    }
  }

  /** Call when the input ends: a stream cut short (btrfs died mid-way) is an error, not a shorter diff. */
  end(): void {
    if (!this.headerRead) throw new Error('btrfs send stream ended before its header');
    if (this.buffered > 0) throw new Error(`btrfs send stream ended inside a command (${this.buffered} bytes left over)`);
  }

  private commandLength(): number | undefined {
    const header = this.peek(COMMAND_HEADER_BYTES);
    if (header === undefined) return undefined;
    const length = header.readUInt32LE(0);
    if (COMMAND_HEADER_BYTES + length > MAX_COMMAND_BYTES) {
      throw new Error(`btrfs send stream is corrupt: a command claims ${length} bytes, more than v1's ${MAX_COMMAND_BYTES}`);
    }
    return length;
  }

  private peek(count: number): Buffer | undefined {
    // Chunks are joined only once enough bytes are here (and the command length is cached
    // meanwhile), so each command is copied once however finely the stream is split.
    if (this.buffered < count) return undefined;
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]?.subarray(0, count);
  }

  private take(count: number): Buffer | undefined {
    const bytes = this.peek(count);
    if (bytes === undefined) return undefined;
    const rest = this.chunks[0]?.subarray(count);
    this.chunks = rest === undefined || rest.length === 0 ? [] : [rest];
    this.buffered -= count;
    return bytes;
  }
}

/** Parses a whole stream from an async source of chunks (a child's stdout), command by command. */
export async function* parseSendStream(source: AsyncIterable<Buffer>): AsyncGenerator<SendCommand> {
  const parser = new SendStreamParser();
  for await (const chunk of source) yield* parser.push(chunk);
  parser.end();
}

function checkStreamHeader(header: Buffer): void {
  if (!header.subarray(0, SEND_STREAM_MAGIC.length).equals(SEND_STREAM_MAGIC)) {
    throw new Error('not a btrfs send stream: it does not start with "btrfs-stream"');
  }
  const version = header.readUInt32LE(SEND_STREAM_MAGIC.length);
  if (version !== SEND_STREAM_VERSION) {
    throw new Error(`btrfs send stream version ${version} is not supported (only ${SEND_STREAM_VERSION}; do not pass --proto to btrfs send)`);
  }
}

function parseCommand(bytes: Buffer): SendCommand {
  const type = bytes.readUInt16LE(4);
  const expected = bytes.readUInt32LE(CRC_OFFSET);
  // The checksum covers the header with its own field zeroed, then the payload.
  const zeroed = Buffer.from(bytes.subarray(0, COMMAND_HEADER_BYTES));
  zeroed.writeUInt32LE(0, CRC_OFFSET);
  const actual = crc32c(crc32c(0, zeroed), bytes.subarray(COMMAND_HEADER_BYTES));
  if (actual !== expected) {
    throw new Error(`btrfs send stream is corrupt: command ${type} has crc ${hex(actual)}, expected ${hex(expected)}`);
  }
  return new SendCommand(type, parseAttributes(type, bytes.subarray(COMMAND_HEADER_BYTES)));
}

function parseAttributes(type: number, payload: Buffer): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  let offset = 0;
  while (offset < payload.length) {
    if (offset + ATTRIBUTE_HEADER_BYTES > payload.length) {
      throw new Error(`btrfs send stream is corrupt: command ${type} ends inside an attribute header`);
    }
    const id = payload.readUInt16LE(offset);
    const length = payload.readUInt16LE(offset + 2);
    const start = offset + ATTRIBUTE_HEADER_BYTES;
    if (start + length > payload.length) {
      throw new Error(`btrfs send stream is corrupt: attribute ${id} of command ${type} runs past the command`);
    }
    attributes.set(id, payload.subarray(start, start + length));
    offset = start + length;
  }
  return attributes;
}

const CRC32C_TABLE = makeCrc32cTable();

function makeCrc32cTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Castagnoli CRC as btrfs uses it: seed 0 and no final inversion (the kernel's raw crc32c). */
function crc32c(seed: number, data: Buffer): number {
  let crc = seed;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return crc >>> 0;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/**
 * Names on Linux are bytes; Hob's API speaks JSON strings. Names are decoded as UTF-8, which
 * is exact for every valid name (spaces, newlines and non-ASCII included, no escaping). So
 * that a name that is not valid UTF-8 still maps to itself, and two such names never collide
 * on U+FFFD, each byte of an invalid sequence becomes the lone surrogate U+DC80..U+DCFF
 * (Python's "surrogateescape"), which valid UTF-8 never yields; encodePath reverses this.
 */
export function decodePath(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // Node replaces each invalid sequence with U+FFFD, so without one the bytes were valid.
  if (!text.includes('\uFFFD')) return text;
  let decoded = '';
  let offset = 0;
  while (offset < bytes.length) {
    const length = utf8SequenceLength(bytes, offset);
    if (length === 0) {
      decoded += String.fromCharCode(0xdc00 + bytes.readUInt8(offset));
      offset += 1;
    } else {
      decoded += bytes.toString('utf8', offset, offset + length);
      offset += length;
    }
  }
  return decoded;
}

/** The bytes of a name decoded by decodePath, e.g. to lstat it. */
export function encodePath(path: string): Buffer {
  const escaped = /([\udc80-\udcff])/u;
  if (!escaped.test(path)) return Buffer.from(path, 'utf8');
  // With a capturing group, split puts each escaped byte at an odd index.
  const parts = path.split(escaped).map((part, index) =>
    index % 2 === 1 ? Buffer.of(part.charCodeAt(0) - 0xdc00) : Buffer.from(part, 'utf8'),
  );
  return Buffer.concat(parts);
}

/** Length of the well-formed UTF-8 sequence at offset (Unicode table 3-7), or 0 if there is none. */
function utf8SequenceLength(bytes: Buffer, offset: number): number {
  const lead = bytes.readUInt8(offset);
  if (lead < 0x80) return 1;
  let length: number;
  let secondLow = 0x80;
  let secondHigh = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) secondLow = 0xa0; // overlong
    if (lead === 0xed) secondHigh = 0x9f; // UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) secondLow = 0x90; // overlong
    if (lead === 0xf4) secondHigh = 0x8f; // above U+10FFFF
  } else {
    return 0;
  }
  if (offset + length > bytes.length) return 0;
  const second = bytes.readUInt8(offset + 1);
  if (second < secondLow || second > secondHigh) return 0;
  for (let i = 2; i < length; i++) {
    const next = bytes.readUInt8(offset + i);
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}
