import { HobError } from '../../shared/errors.js';
import type { TaskRecord, TaskStore } from '../store/tasks.js';

/** A hostile program may create tasks in a loop; each sprite keeps this many at most. */
export const MAX_TASKS_PER_SPRITE = 64;

/** Called whenever a sprite's tasks change (made, refreshed, deleted, expired, ended with its run). */
export type TaskChangeListener = (spriteId: string, live: boolean) => void;

/**
 * What the idle logic needs to know about tasks, and nothing more: whether a live task holds a
 * sprite active, until when, and a call whenever that may have changed.
 */
export interface TaskHolds {
  /** Whether a live (unexpired) task holds the sprite active now. */
  live(spriteId: string): boolean;
  /** When the last of the sprite's live tasks runs out (unix ms), or undefined when none holds it. */
  heldUntilMs(spriteId: string): number | undefined;
  /** Subscribes to changes; returns the unsubscribe. Listeners run synchronously and must not throw. */
  onChange(listener: TaskChangeListener): () => void;
}

export interface TaskBookDeps {
  store: TaskStore;
  /** The clock, for tests. */
  nowMs?: () => number;
}

/**
 * The Tasks API of /.sprite/api.sock over the store: each sprite's holds on its own current
 * run. A timer set for the soonest expiry removes expired tasks and tells the listeners, so a
 * task that runs out releases its sprite without anyone asking.
 */
export class TaskBook implements TaskHolds {
  private readonly listeners = new Set<TaskChangeListener>();
  private readonly nowMs: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs: number | undefined;

  constructor(private readonly deps: TaskBookDeps) {
    this.nowMs = deps.nowMs ?? Date.now;
    // Tasks that ran out while the server was down go now; the rest get their timer.
    this.sweep();
  }

  live(spriteId: string): boolean {
    return this.deps.store.heldUntil(spriteId, this.nowMs()) !== undefined;
  }

  heldUntilMs(spriteId: string): number | undefined {
    return this.deps.store.heldUntil(spriteId, this.nowMs());
  }

  onChange(listener: TaskChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(spriteId: string): TaskRecord[] {
    return this.deps.store.list(spriteId, this.nowMs());
  }

  get(spriteId: string, name: string): TaskRecord {
    const task = this.deps.store.get(spriteId, name, this.nowMs());
    if (task === undefined) throw new HobError('not_found', `task ${name} not found`);
    return task;
  }

  /** A new task; a live one of that name already there is a conflict. */
  create(spriteId: string, name: string, expireMs: number): TaskRecord {
    const now = this.nowMs();
    if (this.deps.store.get(spriteId, name, now) !== undefined) throw new HobError('already_exists', `task ${name} already exists; PUT /v1/tasks/${name} refreshes it`);
    return this.write({ spriteId, name, startedAtMs: now, expiresAtMs: now + expireMs });
  }

  /** Refreshes a live task's expiry (it keeps its start), or makes it anew. */
  upsert(spriteId: string, name: string, expireMs: number): TaskRecord {
    const now = this.nowMs();
    const current = this.deps.store.get(spriteId, name, now);
    return this.write({ spriteId, name, startedAtMs: current?.startedAtMs ?? now, expiresAtMs: now + expireMs });
  }

  delete(spriteId: string, name: string): void {
    if (!this.deps.store.delete(spriteId, name, this.nowMs())) throw new HobError('not_found', `task ${name} not found`);
    this.changed(spriteId);
  }

  /**
   * The sprite's run is over (its processes stopped, or it is gone): the programs that held
   * its tasks are gone too, so are the tasks.
   */
  endRun(spriteId: string): void {
    if (this.deps.store.clear(spriteId, this.nowMs())) this.changed(spriteId);
  }

  /** Stops the expiry timer (server shutdown); the tasks stay stored. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = undefined;
  }

  private write(task: TaskRecord): TaskRecord {
    const now = this.nowMs();
    const isNew = this.deps.store.get(task.spriteId, task.name, now) === undefined;
    if (isNew && this.deps.store.count(task.spriteId, now) >= MAX_TASKS_PER_SPRITE) {
      throw new HobError('bad_request', `a sprite may hold at most ${MAX_TASKS_PER_SPRITE} tasks; delete one first`);
    }
    this.deps.store.put(task);
    this.changed(task.spriteId);
    return task;
  }

  private changed(spriteId: string): void {
    this.schedule();
    const live = this.live(spriteId);
    for (const listener of this.listeners) listener(spriteId, live);
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAtMs = undefined;
    for (const spriteId of this.deps.store.sweep(this.nowMs())) this.changed(spriteId);
    this.schedule();
  }

  /** Keeps one timer, set for the soonest expiry. */
  private schedule(): void {
    const next = this.deps.store.nextExpiry();
    if (next === this.timerAtMs) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = next;
    if (next === undefined) return;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, next - this.nowMs()));
    // A pending expiry is no reason for the process to stay up.
    this.timer.unref();
  }
}
