import { formatMoney } from '../../../shared/money.js';
import type { ServerLimitsJson, SpendLimitJson, SpendLimitReachedJson } from '../../../shared/protocol.js';
import { spentLine } from '../usage/format.js';

/** "$1.00 a day, no monthly limit", or "none". */
export function limitsLine(limits: { daily: number | null; monthly: number | null }, currency: string): string {
  if (limits.daily === null && limits.monthly === null) return 'none';
  const daily = limits.daily === null ? 'no daily limit' : `${formatMoney(limits.daily, currency)} a day`;
  const monthly = limits.monthly === null ? 'no monthly limit' : `${formatMoney(limits.monthly, currency)} a month`;
  return `${daily}, ${monthly}`;
}

/** What a reached limit means for the reader, or that nothing stops it. */
export function reachedLine(reached: SpendLimitReachedJson | null, currency: string, subject: 'sprite' | 'server'): string {
  if (reached === null) return subject === 'sprite' ? 'may run' : 'sprites may run';
  const whose = reached.scope === 'server' ? "the server's" : subject === 'sprite' ? 'its' : 'the';
  const period = reached.period === 'day' ? 'daily' : 'monthly';
  const what = subject === 'sprite' ? 'asleep, wakes refused' : 'every sprite asleep, creates and wakes refused';
  return `${what}: ${whose} ${period} limit is reached (${formatMoney(reached.spent, currency)} of ${formatMoney(reached.limit, currency)}) until it is raised or ${reached.resets_at}`;
}

function fields(rows: [string, string][]): string {
  return `${rows.map(([label, value]) => `${`${label}:`.padEnd(14)}${value}`).join('\n')}\n`;
}

export function describeSpriteLimit(name: string, limit: SpendLimitJson): string {
  return fields([
    ['For', name],
    ['Spend limit', limitsLine(limit, limit.currency)],
    ['Spent', spentLine(limit.spent, limit.currency)],
    ['Status', reachedLine(limit.reached, limit.currency, 'sprite')],
  ]);
}

export function describeServerLimits(limits: ServerLimitsJson): string {
  const { spend } = limits;
  const cap =
    limits.max_running === null
      ? `${limits.running}, no cap (hob serve --max-running)`
      : `${limits.running} of at most ${limits.max_running}; over it a create or wake waits up to ${limits.capacity_wait_seconds}s if it asked to (wait_for_capacity), else is refused (429)`;
  return fields([
    ['Spend limit', `${limitsLine(spend, spend.currency)} (all sprites together)`],
    ['Spent', spentLine(spend.spent, spend.currency)],
    ['Status', reachedLine(spend.reached, spend.currency, 'server')],
    ['Running', cap],
  ]);
}
