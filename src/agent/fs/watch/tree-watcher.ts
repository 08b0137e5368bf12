import { watch, type FSWatcher, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsWatchMessageJson } from '../../../shared/protocol.js';
import { toFsError } from '../errors.js';
import { walk } from '../ops/walk.js';

/** Changes to one path within this long are reported once (a large write is many inotify events). */
export const WATCH_SETTLE_MS = 50;
/** Directories one watch follows at most; inotify watches are a per-user kernel resource. */
export const MAX_WATCHED_DIRECTORIES = 8192;

interface Known {
  isDir: boolean;
  mode: number;
  size: number;
  mtimeMs: number;
}

type Send = (message: FsWatchMessageJson) => void;

function known(stats: Stats): Known {
  return { isDir: stats.isDirectory(), mode: stats.mode, size: stats.size, mtimeMs: stats.mtimeMs };
}

/**
 * Watches files and directories (and, recursively, directories made later) with inotify,
 * one watch per directory, and reports what changed in the Sprites shape. inotify says only
 * "renamed" (created, deleted, moved) or "changed" (written, attributes), so each change is
 * looked at: a name that appeared is `create`, one that vanished `remove`, a change that left
 * size and mtime alone but not the mode `chmod`, anything else `write`.
 */
export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly seen = new Map<string, Known>();
  private readonly pending = new Map<string, 'rename' | 'change'>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warnedFull = false;

  constructor(
    private readonly recursive: boolean,
    private readonly send: Send,
  ) {}

  /** Starts watching each path; one that cannot be watched gets an `error` message. */
  async add(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      try {
        const stats = await lstat(path);
        this.seen.set(path, known(stats));
        if (!stats.isDirectory()) this.watchOne(path, false);
        else await this.watchTree(path);
      } catch (error) {
        this.send({ type: 'error', message: toFsError(error, path).message, path });
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private async watchTree(dir: string): Promise<void> {
    this.watchOne(dir, true);
    for await (const entry of walk(dir, { deep: this.recursive, skipUnreadable: true })) {
      this.seen.set(entry.path, known(entry.stats));
      if (this.recursive && entry.stats.isDirectory()) this.watchOne(entry.path, true);
    }
  }

  private watchOne(path: string, isDir: boolean): void {
    if (this.closed || this.watchers.has(path)) return;
    if (isDir && this.watchers.size >= MAX_WATCHED_DIRECTORIES) {
      if (!this.warnedFull) this.send({ type: 'error', message: `watching at most ${MAX_WATCHED_DIRECTORIES} directories; ${path} and others are not watched`, path });
      this.warnedFull = true;
      return;
    }
    const watcher = watch(path, { persistent: false }, (kind, name) => {
      if (!isDir) this.note(path, kind);
      else if (typeof name === 'string' && name !== '') this.note(join(path, name), kind);
    });
    // The directory went away (or became unreadable): its parent's watch reports that.
    watcher.on('error', () => this.unwatch(path));
    this.watchers.set(path, watcher);
  }

  private unwatch(path: string): void {
    this.watchers.get(path)?.close();
    this.watchers.delete(path);
  }

  private note(path: string, kind: 'rename' | 'change'): void {
    if (this.closed) return;
    // A rename is what tells a name appeared or went; it outweighs a change in the same moment.
    if (this.pending.get(path) !== 'rename') this.pending.set(path, kind);
    this.timer ??= setTimeout(() => void this.flush(), WATCH_SETTLE_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [path, kind] of batch) {
      if (this.closed) return;
      await this.report(path, kind);
    }
  }

  private async report(path: string, kind: 'rename' | 'change'): Promise<void> {
    const before = this.seen.get(path);
    const stats = await lstat(path).catch(() => undefined);
    const timestamp = new Date().toISOString();
    if (stats === undefined) {
      if (before === undefined && kind !== 'rename') return;
      this.seen.delete(path);
      for (const dir of this.watchers.keys()) if (dir === path || dir.startsWith(`${path}/`)) this.unwatch(dir);
      this.send({ type: 'event', path, event: 'remove', timestamp, size: 0, isDir: before?.isDir ?? false });
      return;
    }
    const now = known(stats);
    this.seen.set(path, now);
    let event: 'create' | 'write' | 'chmod';
    if (before === undefined || kind === 'rename') event = 'create';
    else if (before.mode !== now.mode && before.size === now.size && before.mtimeMs === now.mtimeMs) event = 'chmod';
    else event = 'write';
    this.send({ type: 'event', path, event, timestamp, size: stats.size, isDir: now.isDir });
    if (event === 'create' && now.isDir && this.recursive) await this.watchTree(path).catch(() => undefined);
  }
}
