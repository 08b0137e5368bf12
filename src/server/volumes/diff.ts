import { spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { DiffChange, DiffEntryJson } from '../../shared/protocol.js';
import { CommandError, lastLines } from '../util/command.js';
import { encodePath, parseSendStream, SEND_ATTR, SEND_COMMAND, type SendCommand } from './send-stream.js';

/**
 * What changed between two read-only snapshots of one subvolume, from btrfs's own change
 * tracking: `btrfs send --no-data -p from to` lists only what differs (metadata, no file
 * contents), so the cost follows the size of the change, not of the tree.
 *
 * Semantics, path by path:
 * - A new inode is `added` at its final path (send creates it under an orphan name such as
 *   `o258-13-0` and renames it into place); so is each new child of a new directory.
 * - A name that is gone is `deleted`; a directory deleted with its contents lists each entry.
 * - A renamed (or moved) entry is `deleted` at its old path and `added` at its new one. The
 *   entries inside a renamed directory are not listed (send does not mention them, and listing
 *   them would walk the tree); the ones that also changed are listed at their new path.
 * - Content, size, mode, owner or xattr changes make a path `modified`. Timestamps alone do
 *   not: send touches the times of every directory whose entries changed.
 * - A path deleted and then re-created (or replaced by a rename) is one `modified` entry, so
 *   each path appears once. A path created and deleted within the stream is not listed.
 * - Type and size are the `to` side's (the `from` side's for a deleted path), from one lstat
 *   per listed path.
 */

export interface SubvolumeDiff {
  changes: DiffEntryJson[];
  added: number;
  modified: number;
  deleted: number;
  truncated: boolean;
}

export interface DiffOptions {
  /** At most this many entries in `changes` (the first ones by path); the counts cover all. */
  limit: number;
  /** Aborting kills `btrfs send` and rejects with the signal's reason. */
  signal?: AbortSignal;
}

const STAT_CONCURRENCY = 32;
const MAX_STDERR_CHARS = 64 * 1024;
const ERROR_TAIL_LINES = 15;

export async function diffSubvolumes(from: string, to: string, options: DiffOptions): Promise<SubvolumeDiff> {
  const tracker = new ChangeTracker();
  await streamSendCommands(from, to, options.signal, (command) => tracker.apply(command));
  const changed = [...tracker.changes()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const counts = { added: 0, modified: 0, deleted: 0 };
  for (const [, change] of changed) counts[change] += 1;
  const kept = changed.slice(0, Math.max(0, options.limit));
  const changes = await mapConcurrently(kept, STAT_CONCURRENCY, async ([path, change]) => {
    options.signal?.throwIfAborted();
    const stats = await lstatIn(change === 'deleted' ? from : to, path);
    return { path: `/${path}`, change, type: entryType(stats), size: stats.size };
  });
  return { changes, ...counts, truncated: kept.length < changed.length };
}

/** Where an entry now in the tree came from. */
type Origin = { readonly kind: 'existing'; readonly path: string } | { readonly kind: 'new' };

const NEW: Origin = { kind: 'new' };

/**
 * A name the stream has touched, in the tree as it is being rebuilt from `from` into `to`.
 * Untouched names are not stored: a path resolves through its deepest stored ancestor.
 */
class Entry {
  readonly children = new Map<string, Entry>();
  parent: Entry | undefined;
  name = '';
  /** Unset on a directory that is only here because a name below it was touched. */
  origin: Origin | undefined;
  modified = false;

  constructor(origin: Origin | undefined) {
    this.origin = origin;
  }
}

/**
 * Replays send's commands on a map of the names they touch. Paths are '/'-joined components
 * relative to the subvolume root ('' is the root); send's commands use the names as renamed
 * so far, and the map turns each back into the path it had in `from`.
 */
class ChangeTracker {
  private readonly root = new Entry({ kind: 'existing', path: '' });
  /** Paths in `from` whose entry is gone from there. */
  private readonly deleted = new Set<string>();

  apply(command: SendCommand): void {
    switch (command.type) {
      // Each makes a path that did not exist before; LINK too, since a new name for an inode,
      // hard link or not, is such a path.
      case SEND_COMMAND.MKFILE:
      case SEND_COMMAND.MKDIR:
      case SEND_COMMAND.MKNOD:
      case SEND_COMMAND.MKFIFO:
      case SEND_COMMAND.MKSOCK:
      case SEND_COMMAND.SYMLINK:
      case SEND_COMMAND.LINK:
        this.attach(split(command.path()), new Entry(NEW));
        return;
      case SEND_COMMAND.RENAME:
        this.attach(split(command.path(SEND_ATTR.PATH_TO)), this.detach(split(command.path())));
        return;
      case SEND_COMMAND.UNLINK:
      case SEND_COMMAND.RMDIR:
        this.remove(split(command.path()));
        return;
      case SEND_COMMAND.WRITE:
      case SEND_COMMAND.UPDATE_EXTENT:
      case SEND_COMMAND.TRUNCATE:
      case SEND_COMMAND.CLONE:
      case SEND_COMMAND.CHMOD:
      case SEND_COMMAND.CHOWN:
      case SEND_COMMAND.SET_XATTR:
      case SEND_COMMAND.REMOVE_XATTR:
        this.entryAt(split(command.path())).modified = true;
        return;
      default:
        // SUBVOL/SNAPSHOT name the stream, END closes it, UTIMES is noise (see above).
        return;
    }
  }

  /** Each changed path (relative, '' for the root) once, with how it changed. */
  changes(): Map<string, DiffChange> {
    const added = new Set<string>();
    const modified = new Set<string>();
    const deleted = new Set(this.deleted);
    this.collect(this.root, [], { kind: 'existing', path: '' }, { added, modified, deleted });
    const changes = new Map<string, DiffChange>();
    for (const path of added) changes.set(path, 'added');
    for (const path of modified) changes.set(path, 'modified');
    for (const path of deleted) changes.set(path, changes.has(path) ? 'modified' : 'deleted');
    return changes;
  }

  private collect(
    entry: Entry,
    components: string[],
    parentOrigin: Origin,
    found: { added: Set<string>; modified: Set<string>; deleted: Set<string> },
  ): void {
    const origin = entry.origin ?? childOrigin(parentOrigin, entry.name);
    const path = components.join('/');
    if (entry.origin?.kind === 'new') {
      found.added.add(path);
    } else if (entry.origin !== undefined && entry !== this.root && !stayedInPlace(entry, parentOrigin)) {
      found.deleted.add(entry.origin.path);
      found.added.add(path);
    } else if (entry.modified) {
      found.modified.add(path);
    }
    for (const [name, child] of entry.children) this.collect(child, [...components, name], origin, found);
  }

  /** The `from` path of whatever is at `components` now (new if it is inside a new entry). */
  private resolve(components: readonly string[]): Origin {
    let origin: Origin = { kind: 'existing', path: '' };
    let entry: Entry | undefined = this.root;
    for (const name of components) {
      entry = entry?.children.get(name);
      // An entry without an origin, and everything below the stored ones, is where it was.
      origin = entry?.origin ?? childOrigin(origin, name);
    }
    return origin;
  }

  /** The stored entry at `components`, storing it (and the directories above it) if needed. */
  private entryAt(components: readonly string[]): Entry {
    const origin = this.resolve(components);
    let entry = this.root;
    for (const name of components) {
      let child = entry.children.get(name);
      if (child === undefined) {
        child = new Entry(undefined);
        child.parent = entry;
        child.name = name;
        entry.children.set(name, child);
      }
      entry = child;
    }
    entry.origin ??= origin;
    return entry;
  }

  private detach(components: readonly string[]): Entry {
    const entry = this.entryAt(components);
    if (entry === this.root) throw new Error('btrfs send stream renames the subvolume root');
    entry.parent?.children.delete(entry.name);
    return entry;
  }

  private attach(components: readonly string[], entry: Entry): void {
    const name = components.at(-1);
    if (name === undefined) throw new Error('btrfs send stream puts an entry at the subvolume root');
    // rename(2) replaces an existing destination; send avoids that, but the result would be the same.
    if (this.find(components) !== undefined) this.remove(components);
    const parent = this.entryAt(components.slice(0, -1));
    entry.parent = parent;
    entry.name = name;
    parent.children.set(name, entry);
  }

  private remove(components: readonly string[]): void {
    const origin = this.resolve(components);
    if (origin.kind === 'existing') this.deleted.add(origin.path);
    const entry = this.find(components);
    if (entry !== undefined) entry.parent?.children.delete(entry.name);
  }

  private find(components: readonly string[]): Entry | undefined {
    let entry: Entry | undefined = this.root;
    for (const name of components) entry = entry?.children.get(name);
    return entry;
  }
}

function split(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

function childOrigin(parent: Origin, name: string): Origin {
  if (parent.kind === 'new') return NEW;
  return { kind: 'existing', path: parent.path === '' ? name : `${parent.path}/${name}` };
}

/**
 * True when an existing entry ends up under the same directory and name it had, even if it
 * went through an orphan name on the way (send does that to break rename cycles) or its
 * directory was renamed.
 */
function stayedInPlace(entry: Entry, parentOrigin: Origin): boolean {
  const expected = childOrigin(parentOrigin, entry.name);
  return entry.origin?.kind === 'existing' && expected.kind === 'existing' && expected.path === entry.origin.path;
}

/**
 * Runs `btrfs send` and hands each command to `onCommand` as it arrives, so memory stays
 * bounded by the largest command, not the stream. Spawned here rather than through
 * runCommand, which collects stdout.
 */
async function streamSendCommands(
  from: string,
  to: string,
  signal: AbortSignal | undefined,
  onCommand: (command: SendCommand) => void,
): Promise<void> {
  signal?.throwIfAborted();
  const args = ['send', '--no-data', '-q', '-p', from, to];
  const child = spawn('btrfs', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-MAX_STDERR_CHARS);
  });
  // Resolves (never rejects) so that it can wait unobserved while stdout is read.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>((resolve) => {
    child.on('error', (error) => resolve({ error }));
    child.on('close', (code, exitSignal) => resolve({ code, signal: exitSignal }));
  });
  let killed = false;
  const kill = (): void => {
    killed = true;
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });
  // Boxed: whatever was thrown, even undefined, is thrown again below.
  let parseFailure: { error: unknown } | undefined;
  try {
    for await (const command of parseSendStream(child.stdout)) onCommand(command);
  } catch (error) {
    parseFailure = { error };
    kill();
  } finally {
    signal?.removeEventListener('abort', kill);
  }
  const exit = await closed;
  signal?.throwIfAborted();
  if ('error' in exit) throw new Error(`cannot run btrfs: ${exit.error.message}`, { cause: exit.error });
  // A failing btrfs also cuts the stream short; its own message is the one that explains why.
  // It may exit before the parser notices and kill() runs, so only a signal is ours.
  const failedOnItsOwn = exit.code === null ? !killed : exit.code !== 0;
  if (failedOnItsOwn) {
    const how = exit.code === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with status ${exit.code}`;
    const tail = lastLines(stderr, ERROR_TAIL_LINES);
    throw new CommandError(`btrfs ${args.join(' ')} ${how}${tail === '' ? '' : `:\n${tail}`}`, exit.code, stderr);
  }
  if (parseFailure !== undefined) throw parseFailure.error;
}

function lstatIn(subvolume: string, path: string): Promise<Stats> {
  // Bytes, not a string: a name that is not valid UTF-8 must reach the kernel unchanged.
  const target = path === '' ? Buffer.from(subvolume) : Buffer.concat([Buffer.from(`${subvolume}/`), encodePath(path)]);
  return lstat(target);
}

function entryType(stats: Stats): DiffEntryJson['type'] {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFile()) return 'file';
  return 'other';
}

/** Like Promise.all over items.map(fn), with at most `concurrency` calls in flight. */
async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One iterator shared by all workers: each item is taken by exactly one of them.
  const queue = items.entries();
  const worker = async (): Promise<void> => {
    for (const [index, item] of queue) results[index] = await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
