import type { ServerUsageJson, SpriteUsageJson, UsageAmountsJson } from '../../../shared/protocol.js';
import { formatBytes } from '../../output.js';
import { charts } from './chart.js';
import { formatMoney } from '../../../shared/money.js';
import { limitsLine } from '../limits/describe.js';
import { formatSeconds, formatStep, spentLine, timeScale } from './format.js';

type Report = SpriteUsageJson | ServerUsageJson;

/** The API's GB. */
const GB_BYTES = 2 ** 30;

/** Left-aligned columns, two spaces apart. */
function columns(rows: string[][], indent = ''): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

function time(iso: string): string {
  return iso.replace('T', ' ').replace(/:00\.000Z$/, '').replace(/\.000Z$/, '');
}

function totalsLines(totals: UsageAmountsJson, currency: string): string[] {
  const money = (amount: number) => formatMoney(amount, currency);
  const cpu = timeScale(Math.max(totals.cpu_seconds, totals.billed_cpu_seconds));
  const memory = timeScale(Math.max(totals.memory_gb_seconds, totals.billed_memory_gb_seconds));
  const storage = timeScale(Math.max(totals.hot_storage_gb_seconds, totals.storage_gb_seconds));
  return columns(
    [
      ['running', formatSeconds(totals.running_seconds), ''],
      ['CPU', `${cpu.format(totals.cpu_seconds)} CPU-${cpu.unit} used, ${cpu.format(totals.billed_cpu_seconds)} billed`, money(totals.cost.cpu)],
      [
        'memory',
        `${memory.format(totals.memory_gb_seconds)} GB-${memory.unit} held, ${memory.format(totals.billed_memory_gb_seconds)} billed (peak ${formatBytes(totals.memory_peak_bytes)})`,
        money(totals.cost.memory),
      ],
      ['hot storage', `${storage.format(totals.hot_storage_gb_seconds)} GB-${storage.unit}`, money(totals.cost.hot_storage)],
      ['storage', `${storage.format(totals.storage_gb_seconds)} GB-${storage.unit}`, money(totals.cost.storage)],
      ['total', '', money(totals.cost.total)],
    ],
    '  ',
  );
}

type Disk = SpriteUsageJson['disk'];

/** "1.2 GiB of 10 GiB (12%)": disk use now against the sprite's storage_gb. */
export function diskLine(disk: Disk): string {
  const limit = formatBytes(disk.limit_bytes);
  if (disk.used_bytes === null) return `unknown of ${limit}`;
  return `${formatBytes(disk.used_bytes)} of ${limit} (${Math.round((100 * disk.used_bytes) / disk.limit_bytes)}%)`;
}

function shortDisk(disk: Disk | null): string {
  if (disk === null) return '-';
  return `${disk.used_bytes === null ? '?' : formatBytes(disk.used_bytes)}/${formatBytes(disk.limit_bytes)}`;
}

function spriteLines(report: ServerUsageJson): string[] {
  if (report.sprites.length === 0) return ['  (no sprite used anything in this range)'];
  const cpu = timeScale(report.totals.cpu_seconds);
  const memory = timeScale(report.totals.memory_gb_seconds);
  const rows = report.sprites.map((sprite) => [
    sprite.deleted ? `${sprite.name} (destroyed)` : sprite.name,
    formatSeconds(sprite.totals.running_seconds),
    cpu.format(sprite.totals.cpu_seconds),
    memory.format(sprite.totals.memory_gb_seconds),
    formatMoney(sprite.totals.cost.total, report.currency),
    shortDisk(sprite.disk),
  ]);
  return columns([['SPRITE', 'RUNNING', `CPU-${cpu.unit.toUpperCase()}`, `GB-${memory.unit.toUpperCase()}`, 'COST', 'DISK NOW'], ...rows], '  ');
}

/** `hob usage` as text: totals, what was spent today and this month, a line per sprite (for all of them), and charts over time. */
export function renderUsage(report: Report, chartWidth: number): string {
  const who = 'sprite' in report ? report.sprite : 'all sprites';
  const step = report.step_seconds;
  const out = [`Usage of ${who}, ${time(report.from)} to ${time(report.to)} UTC, in steps of ${formatStep(step)}`, '', ...totalsLines(report.totals, report.currency), ''];
  out.push(`  spent ${spentLine(report.to_date, report.currency)}`, `  spend limit ${limitsLine(report.spend_limit, report.currency)}${'sprites' in report ? ' (all sprites together)' : ''}`);
  if (!('sprites' in report)) out.push(`  disk now ${diskLine(report.disk)}`);
  out.push('');
  if ('sprites' in report) out.push(...spriteLines(report), '');
  out.push(
    charts(
      [
        { title: 'CPU (average CPUs used)', values: report.points.map((p) => p.cpu_seconds / step), merge: 'average', format: (v) => v.toFixed(2) },
        { title: 'memory (average held)', values: report.points.map((p) => (p.memory_gb_seconds * GB_BYTES) / step), merge: 'average', format: formatBytes },
        { title: `cost (${report.currency})`, values: report.points.map((p) => p.cost.total), merge: 'sum', format: (v) => formatMoney(v, report.currency) },
      ],
      { width: chartWidth, stepSeconds: step },
    ),
  );
  return `${out.join('\n')}\n`;
}
