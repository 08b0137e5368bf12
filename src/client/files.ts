import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { formatMode } from '../shared/fs-request.js';
import type { FsListJson, FsWriteResultJson } from '../shared/protocol.js';
import type { HobClient } from './client.js';

/** Whom a file operation acts as: the image's user unless one of these says otherwise. */
export interface Acting {
  asRoot?: boolean;
  user?: string;
}

/** One sprite's files through the filesystem API (what `hob cp` is built on); bodies stream both ways. */
export class SpriteFiles {
  private readonly base: string;

  constructor(
    private readonly client: HobClient,
    sprite: string,
    private readonly acting: Acting = {},
  ) {
    this.base = `/v1/sprites/${encodeURIComponent(sprite)}/fs`;
  }

  /** A directory's entries, or any other path's own entry. */
  list(path: string, options: { recursive?: boolean } = {}): Promise<FsListJson> {
    const url = this.url('list', { path, ...(options.recursive === true ? { recursive: 'true' } : {}) });
    return this.client.call('fsList', url);
  }

  /** A file's bytes, unread: Content-Length is its size when it has one. */
  read(path: string): Promise<IncomingMessage> {
    return this.client.request('GET', this.url('read', { path }));
  }

  /** Replaces a file with `body`; `mode` is set exactly, missing parents are made. */
  async write(path: string, body: Readable, options: { mode?: number; sizeBytes?: number } = {}): Promise<FsWriteResultJson> {
    const url = this.url('write', { path, mkdirParents: 'true', ...(options.mode === undefined ? {} : { mode: formatMode(options.mode) }) });
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ...(options.sizeBytes === undefined ? {} : { 'Content-Length': String(options.sizeBytes) }) };
    return this.client.answer('fsWrite', url, await this.client.request('PUT', url, { body, headers }));
  }

  /** A directory's contents as a tar stream, unread; X-Hob-Total-Bytes says what its files hold. */
  pack(path: string): Promise<IncomingMessage> {
    return this.client.request('GET', this.url('archive', { path }));
  }

  /** Unpacks a tar stream into a directory, made if missing. */
  async unpack(path: string, tar: Readable): Promise<{ path: string; count: number }> {
    const url = this.url('archive', { path });
    return this.client.answer('fsUnpack', url, await this.client.request('PUT', url, { body: tar, headers: { 'Content-Type': 'application/octet-stream' } }));
  }

  private url(route: string, query: Record<string, string>): string {
    const acting = { ...(this.acting.asRoot === true ? { asRoot: 'true' } : {}), ...(this.acting.user === undefined ? {} : { user: this.acting.user }) };
    return `${this.base}/${route}?${new URLSearchParams({ ...query, ...acting }).toString()}`;
  }
}
