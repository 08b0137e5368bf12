import { EventEmitter, once } from 'node:events';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { HobError } from '../shared/errors.js';
import { errorFromBody } from './errors.js';
import { RandomPool } from './random-pool.js';
import { sha1 } from './sha1.js';

/**
 * The client end of one WebSocket (RFC 6455) on a plain TCP or TLS socket: what an exec
 * stream needs and no more (text and binary messages, fragmented or not, ping/pong and the
 * close handshake; no extensions). The CLI runs one exec per process, and loading `ws` with
 * the http, https, tls and zlib modules it pulls in took longer than the exec itself; for the
 * same reason it needs no node:crypto (./random-pool.ts, ./sha1.ts).
 *
 * Events follow `ws`: `open`, `message` (data, isBinary), `error` and then always `close` (code).
 * Unlike `ws`, this side does not wait for the other's part of a close: it answers the server's
 * close frame, or sends its own, ends the TCP connection and reports `close` at once. Every
 * caller closes once it has what it came for (an exit status, a detach), and the CLI exits as
 * soon as it has it; the TCP close then finishes without holding up the process.
 */
export class ExecSocket extends EventEmitter<ExecSocketEvents> {
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private fragments: { binary: boolean; parts: Buffer[]; bytes: number } | undefined;
  private closeCode = 1006;
  private closeReported = false;

  constructor(
    private readonly socket: Socket,
    private readonly expectedAccept: string,
    private readonly maxMessageBytes: number,
    private readonly random: RandomPool,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.reportClose());
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends a text (string) or binary message; ignored unless the socket is open, as the exec stream expects. */
  send(data: string | Uint8Array): void {
    if (this.state !== 'open') return;
    this.writeFrame(typeof data === 'string' ? Opcode.Text : Opcode.Binary, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Sends a close frame and ends the connection; `close` follows at once. */
  close(code = 1000): void {
    if (this.state === 'connecting') {
      this.socket.destroy();
      return;
    }
    if (this.state !== 'open') return;
    this.closeCode = code;
    this.sendClose(code);
    this.end();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.state === 'connecting') this.readHandshake();
    else this.readFrames();
  }

  private readHandshake(): void {
    const head = this.peek(this.bufferedBytes);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.bufferedBytes > MAX_HEAD_BYTES) this.fail(new Error('the server sent an oversized HTTP response head'));
      return;
    }
    const [statusLine = '', ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
    const headers = new Map<string, string>();
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
    if (status === null) { this.fail(new Error(`the server sent no HTTP response: ${JSON.stringify(statusLine.slice(0, 100))}`)); return; }
    const code = Number(status[1]);
    if (code !== 101) { this.readRefusal(code, status[2] ?? '', headers, end + 4); return; }
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket' || headers.get('sec-websocket-accept') !== this.expectedAccept) {
      this.fail(new Error('the server answered the upgrade with an invalid WebSocket handshake')); return;
    }
    this.consume(end + 4);
    this.state = 'open';
    this.emit('open');
    this.readFrames();
  }

  /** A refused upgrade: waits for the body (the API's JSON error) and fails with its code. */
  private readRefusal(status: number, statusText: string, headers: Map<string, string>, bodyStart: number): void {
    const length = Math.min(Number(headers.get('content-length') ?? 0) || 0, MAX_REFUSAL_BODY_BYTES);
    if (this.bufferedBytes < bodyStart + length) return;
    const body = this.peek(bodyStart + length).subarray(bodyStart, bodyStart + length).toString();
    this.fail(errorFromBody(status, statusText, body));
  }

  private readFrames(): void {
    while (this.state === 'open') {
      if (this.bufferedBytes < 2) return;
      const head = this.peek(Math.min(this.bufferedBytes, 10));
      const [b0 = 0, b1 = 0] = head;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) { this.protocolError('reserved bits set'); return; }
      if ((b1 & 0x80) !== 0) { this.protocolError('a masked frame from the server'); return; }
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (head.length < 4) return;
        length = head.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (head.length < 10) return;
        const long = head.readBigUInt64BE(2);
        if (long > BigInt(this.maxMessageBytes)) { this.tooBig(); return; }
        length = Number(long);
        offset = 10;
      }
      if (length > this.maxMessageBytes) { this.tooBig(); return; }
      if (this.bufferedBytes < offset + length) return;
      this.consume(offset);
      this.onFrame(fin, opcode, this.consume(length));
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) { this.protocolError('a fragmented or oversized control frame'); return; }
      if (opcode === Opcode.Close) { this.onClose(payload); return; }
      if (opcode === Opcode.Ping) {
        if (this.state === 'open') this.writeFrame(Opcode.Pong, payload);
        return;
      }
      if (opcode === Opcode.Pong) return;
      this.protocolError(`unknown opcode ${opcode}`); return;
    }
    if (opcode === Opcode.Continuation) {
      if (this.fragments === undefined) { this.protocolError('a continuation frame with nothing to continue'); return; }
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (this.fragments !== undefined) { this.protocolError('a new message inside a fragmented one'); return; }
      this.fragments = { binary: opcode === Opcode.Binary, parts: [], bytes: 0 };
    } else {
      this.protocolError(`unknown opcode ${opcode}`); return;
    }
    const message = this.fragments;
    message.parts.push(payload);
    message.bytes += payload.length;
    if (message.bytes > this.maxMessageBytes) { this.tooBig(); return; }
    if (!fin) return;
    this.fragments = undefined;
    this.emit('message', message.parts.length === 1 ? payload : Buffer.concat(message.parts), message.binary);
  }

  private onClose(payload: Buffer): void {
    if (payload.length === 1) { this.protocolError('a close frame with a one-byte body'); return; }
    this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : NO_STATUS_CODE;
    // Echo the code, or send an empty close.
    this.sendClose(payload.length >= 2 ? this.closeCode : undefined);
    this.end();
  }

  /** Ends the TCP connection without holding up the process, and reports the close. */
  private end(): void {
    this.socket.end();
    this.socket.unref();
    this.reportClose();
  }

  private reportClose(): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.state = 'closed';
    this.emit('close', this.closeCode);
  }

  private protocolError(reason: string): void {
    this.fail(new Error(`WebSocket protocol error from the server: ${reason}`), 1002);
  }

  private tooBig(): void {
    this.fail(new Error(`the server sent a message over ${this.maxMessageBytes} bytes`), 1009);
  }

  /** Ends the connection: tells the server why when it can, reports the error, then `close` follows. */
  private fail(error: Error, code?: number): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (code !== undefined) {
      this.closeCode = code;
      if (wasOpen) this.sendClose(code);
    }
    this.socket.destroy();
    this.emit('error', error);
  }

  /** Sent once: every caller leaves the open state right after. */
  private sendClose(code: number | undefined): void {
    const payload = Buffer.alloc(code === undefined ? 0 : 2);
    if (code !== undefined) payload.writeUInt16BE(code, 0);
    this.writeFrame(Opcode.Close, payload);
  }

  /** One frame, masked as every client frame must be. */
  private writeFrame(opcode: number, payload: Uint8Array): void {
    const length = payload.length;
    const lengthBytes = length < 126 ? 0 : length <= 0xffff ? 2 : 8;
    const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
    if (lengthBytes === 2) frame.writeUInt16BE(length, 2);
    else if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(length), 2);
    const maskAt = 2 + lengthBytes;
    this.random.take(4).copy(frame, maskAt);
    for (let i = 0; i < length; i++) frame[maskAt + 4 + i] = (payload[i] ?? 0) ^ (frame[maskAt + (i & 3)] ?? 0);
    this.socket.write(frame);
  }

  /** The first `n` buffered bytes as one buffer, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const merged = Buffer.concat(this.chunks);
    this.chunks.splice(0, this.chunks.length, merged);
    return merged.subarray(0, n);
  }

  private consume(n: number): Buffer {
    const out = this.peek(n);
    const first = this.chunks[0];
    if (first !== undefined) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    }
    this.bufferedBytes -= n;
    return out;
  }
}

interface ExecSocketEvents {
  open: [];
  message: [data: Buffer, isBinary: boolean];
  error: [error: Error];
  close: [code: number];
}

const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

/** The close code reported when the server's close frame carries none (RFC 6455 §7.1.5). */
const NO_STATUS_CODE = 1005;
const MAX_HEAD_BYTES = 16 * 1024;
const MAX_REFUSAL_BODY_BYTES = 64 * 1024;
/** Larger than any frame the exec stream sends, as `ws`'s default (100 MiB) is. */
export const DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Opens a WebSocket to a `ws:`/`wss:` (or `http:`/`https:`) URL; listen for `open` or `error`.
 * Resolves once the upgrade request is sent, so that what the caller sets up next (the terminal,
 * stdin) runs while the server answers; a server that cannot be reached rejects it.
 */
export async function openExecSocket(
  url: URL,
  headers: Record<string, string>,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<ExecSocket> {
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') throw new HobError('bad_request', `cannot open a WebSocket to ${url.protocol} URLs`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  const random = await RandomPool.open();
  const key = random.take(16).toString('base64');
  // TLS is loaded only for a server behind https.
  const socket = secure
    ? (await import('node:tls')).connect({ host, port, servername: isIP(host) === 0 ? host : undefined })
    : connectTcp({ host, port });
  socket.setNoDelay(true);
  try {
    await once(socket, secure ? 'secureConnect' : 'connect');
  } catch (error) {
    socket.destroy();
    throw new HobError('sprite_unavailable', `cannot reach the Hob server at ${url.host} (${error instanceof Error ? error.message : String(error)}); is \`hob serve\` running?`);
  }
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new ExecSocket(socket, sha1(Buffer.from(key + ACCEPT_GUID)).toString('base64'), maxMessageBytes, random);
}
