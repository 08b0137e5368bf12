import type { ExecSessionJson } from '../../shared/protocol.js';
import { ENDED_SESSION_RETENTION_MS, MAX_ENDED_SESSIONS, MAX_LIVE_SESSIONS } from '../../shared/session-limits.js';
import type { ExecSession } from './exec-session.js';

export interface SessionLimits {
  maxLive: number;
  maxEnded: number;
  endedRetentionMs: number;
}

const DEFAULT_LIMITS: SessionLimits = { maxLive: MAX_LIVE_SESSIONS, maxEnded: MAX_ENDED_SESSIONS, endedRetentionMs: ENDED_SESSION_RETENTION_MS };

/**
 * The sprite's sessions, by id: running ones, and recently ended ones (bounded in number and
 * age) so a client that comes back finds the exit code and the last output. Ended sessions are
 * pruned when the registry is used, not by a timer: an idle sprite runs no code at all.
 * In memory only, as the processes themselves are: a sprite that stops has none.
 */
export class SessionRegistry {
  private readonly live = new Map<string, ExecSession>();
  /** In the order they ended, oldest first. */
  private readonly ended = new Map<string, ExecSession>();

  constructor(
    private readonly limits: SessionLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get full(): boolean {
    return this.live.size >= this.limits.maxLive;
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Keeps a started session under its id until it ends, then among the ended ones. */
  add(session: ExecSession): void {
    const id = session.id;
    if (id === undefined) throw new Error('a session is added once it has an id');
    // Ids are pids: one can come back only after its old leader has gone, so the newer session wins.
    this.live.set(id, session);
    this.ended.delete(id);
    void session.done.then(() => {
      if (this.live.get(id) !== session) return;
      this.live.delete(id);
      this.ended.set(id, session);
      this.prune();
    });
  }

  get(id: string): ExecSession | undefined {
    this.prune();
    return this.live.get(id) ?? this.ended.get(id);
  }

  list(): ExecSessionJson[] {
    this.prune();
    return [...this.live.values(), ...this.ended.values()].sort((a, b) => a.createdAtMs - b.createdAtMs).map((session) => session.toJson());
  }

  private prune(): void {
    const oldest = this.now() - this.limits.endedRetentionMs;
    for (const [id, session] of this.ended) {
      if (this.ended.size > this.limits.maxEnded || (session.endedAt ?? 0) < oldest) this.ended.delete(id);
    }
  }
}
