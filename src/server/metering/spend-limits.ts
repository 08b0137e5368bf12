import { HobError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import type { SpendLimitJson, SpendLimitReachedJson } from '../../shared/protocol.js';
import type { SpendLimitStore, SpendLimitValues } from '../store/spend-limits.js';
import { costToDateJson, type SpentSoFar, type UsageReports } from './reports.js';

export interface SpendLimitsDeps {
  store: SpendLimitStore;
  reports: Pick<UsageReports, 'spentSoFar'>;
  currency: string;
  /** Wall-clock milliseconds; tests drive time themselves. */
  now?: () => number;
}

/** What the enforcer must put to sleep: every running sprite, or those by id. */
export interface OverLimit {
  all: SpendLimitReachedJson | undefined;
  sprites: Map<string, SpendLimitReachedJson>;
}

function monthEndMs(monthStartMs: number): number {
  const start = new Date(monthStartMs);
  return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
}

/** The first limit of `limits` that `spent` has reached, day before month. */
function firstReached(scope: SpendLimitReachedJson['scope'], limits: SpendLimitValues, spent: SpentSoFar): SpendLimitReachedJson | undefined {
  if (limits.daily !== null && spent.today >= limits.daily) {
    return { scope, period: 'day', limit: limits.daily, spent: spent.today, resets_at: new Date(spent.dayStartMs + 86_400_000).toISOString() };
  }
  if (limits.monthly !== null && spent.month >= limits.monthly) {
    return { scope, period: 'month', limit: limits.monthly, spent: spent.month, resets_at: new Date(monthEndMs(spent.monthStartMs)).toISOString() };
  }
  return undefined;
}

function hasLimit(limits: SpendLimitValues): boolean {
  return limits.daily !== null || limits.monthly !== null;
}

/**
 * Spend limits, per sprite and over the whole server, per UTC day and month. What was spent
 * comes from the usage store's daily rows, which each usage sample adds to, so a limit is seen
 * reached at the first sample past it: a sprite overspends by at most one sample interval's cost.
 */
export class SpendLimits {
  constructor(private readonly deps: SpendLimitsDeps) {}

  private get nowMs(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The limit that stops a sprite (its own first, then the server's), or, with no sprite, the server's; undefined if none does. */
  reached(spriteId?: string, nowMs = this.nowMs): SpendLimitReachedJson | undefined {
    if (spriteId !== undefined) {
      const own = this.deps.store.forSprite(spriteId);
      const reached = hasLimit(own) ? firstReached('sprite', own, this.deps.reports.spentSoFar(spriteId, nowMs)) : undefined;
      if (reached !== undefined) return reached;
    }
    const server = this.deps.store.forServer();
    return hasLimit(server) ? firstReached('server', server, this.deps.reports.spentSoFar(undefined, nowMs)) : undefined;
  }

  /** Refuses to let a sprite run (wake, boot, be created) while a limit stops it; `name` undefined is a create, which only the server's limit stops. */
  assertMayRun(sprite: { id: string; name: string } | undefined): void {
    const reached = this.reached(sprite?.id);
    if (reached !== undefined) throw this.refusal(reached, sprite?.name);
  }

  /** Which running sprites must be put to sleep now: all of them, or those whose own limit is reached. */
  overLimit(nowMs = this.nowMs): OverLimit {
    const all = this.reached(undefined, nowMs);
    const sprites = new Map<string, SpendLimitReachedJson>();
    if (all === undefined) {
      for (const [spriteId, limits] of this.deps.store.sprites()) {
        const reached = firstReached('sprite', limits, this.deps.reports.spentSoFar(spriteId, nowMs));
        if (reached !== undefined) sprites.set(spriteId, reached);
      }
    }
    return { all, sprites };
  }

  /** A sprite's limit (or the server's, with no sprite), what was spent against it, and what stops it now. */
  describe(spriteId?: string): SpendLimitJson {
    const nowMs = this.nowMs;
    const spent = this.deps.reports.spentSoFar(spriteId, nowMs);
    return { ...this.limitsOf(spriteId), currency: this.deps.currency, spent: costToDateJson(spent), reached: this.reached(spriteId, nowMs) ?? null };
  }

  /** A sprite's own limit, or with no sprite the server's. */
  limitsOf(spriteId?: string): SpendLimitValues {
    return spriteId === undefined ? this.deps.store.forServer() : this.deps.store.forSprite(spriteId);
  }

  set(spriteId: string | undefined, limits: Partial<SpendLimitValues> | undefined): SpendLimitJson {
    const values = limits === undefined ? undefined : { daily: limits.daily ?? null, monthly: limits.monthly ?? null };
    if (spriteId === undefined) this.deps.store.setForServer(values);
    else this.deps.store.setForSprite(spriteId, values);
    return this.describe(spriteId);
  }

  /** The error a refused wake or create answers with: which limit, how much was spent, when it lifts, and how to raise it. */
  refusal(reached: SpendLimitReachedJson, spriteName: string | undefined): HobError {
    const money = (amount: number) => formatMoney(amount, this.deps.currency);
    const period = reached.period === 'day' ? 'daily' : 'monthly';
    const flag = reached.period === 'day' ? '--daily' : '--monthly';
    const spentIn = reached.period === 'day' ? 'today' : 'this month';
    const whose =
      reached.scope === 'sprite'
        ? `sprite ${spriteName ?? ''} has reached its ${period} spend limit: ${money(reached.spent)} spent ${spentIn} of ${money(reached.limit)}; it may not run until the limit is raised (hob limits set ${spriteName ?? 'NAME'} ${flag} AMOUNT)`
        : `the server's ${period} spend limit is reached: all sprites together spent ${money(reached.spent)} ${spentIn} of ${money(reached.limit)}; no sprite may run until it is raised (hob limits set --server ${flag} AMOUNT)`;
    return new HobError('spend_limit_reached', `${whose} or the ${reached.period} ends at ${reached.resets_at}`, {
      details: { ...reached, currency: this.deps.currency, ...(spriteName === undefined ? {} : { sprite: spriteName }) },
    });
  }
}
