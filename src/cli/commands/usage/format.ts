import type { CostToDate } from '../../../shared/schemas/usage.js';
import type { Static } from '@sinclair/typebox';
import { formatMoney } from '../../../shared/money.js';

/** A duration for people: 45s, 12m 5s, 3h 12m, 2d 4h. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 === 0 ? '' : ` ${s % 60}s`}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) === 0 ? '' : ` ${Math.floor((s % 3600) / 60)}m`}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) === 0 ? '' : ` ${Math.floor((s % 86_400) / 3600)}h`}`;
}

/** A step for people: 15m, 1h, 1d. */
export function formatStep(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${seconds / 60}m`;
}

/** A scale of time for amounts like CPU-seconds and GB-seconds: the largest unit in which `largestSeconds` is at least 1. */
export interface TimeScale {
  unit: 'seconds' | 'minutes' | 'hours';
  /** An amount in that unit, to three significant digits; "<0.001" for a trace. */
  format(seconds: number): string;
}

export function timeScale(largestSeconds: number): TimeScale {
  const [unit, divisor] = largestSeconds >= 3600 ? (['hours', 3600] as const) : largestSeconds >= 60 ? (['minutes', 60] as const) : (['seconds', 1] as const);
  return {
    unit,
    format(seconds) {
      const amount = seconds / divisor;
      if (amount === 0) return '0';
      if (amount < 0.001) return '<0.001';
      return amount >= 100 ? amount.toFixed(0) : String(Number(amount.toPrecision(3)));
    },
  };
}

/** "spent today $0.19, this month $3.42 (UTC days)": what `hob info` and `hob usage` show. */
export function spentLine(toDate: Static<typeof CostToDate>, currency: string): string {
  return `${formatMoney(toDate.today, currency)} today, ${formatMoney(toDate.month, currency)} this month (UTC)`;
}
