/** The metering part of the report: the sampler's CPU per sample, per sprite, and at 200 running sprites. */
import { SAMPLE_INTERVAL_MS, type MeteringResults } from './metering.js';
import { formatMs, type Summary } from './stats.js';

export const METERING_TARGETS = {
  /** CPU the sampler takes with 200 running sprites, as a share of one core. */
  shareOfCoreAt200: 0.01,
} as const;

/** One sample's CPU per sprite, from the slower of the two kinds of sprite (the real ones have processes behind their files). */
function perSpriteMs(m: MeteringResults): number {
  return Math.max(m.tickEmpty.medianMs / m.fakeN, m.tickReal.medianMs / m.realN);
}

/** The share of one core the sampler takes with `sprites` running sprites at the default interval, extrapolated per sprite. */
export function shareOfCore(m: MeteringResults, sprites: number): number {
  return (perSpriteMs(m) * sprites) / SAMPLE_INTERVAL_MS;
}

export function meteringRows(m: MeteringResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  const perSprite = (s: Summary, n: number): Summary => ({ ...s, medianMs: s.medianMs / n, p90Ms: s.p90Ms / n, p95Ms: s.p95Ms / n, minMs: s.minMs / n, maxMs: s.maxMs / n });
  return [
    {
      section: `(q) metering: CPU of one usage sample (cgroup ${m.cgroupVersion}), rows written`,
      rows: [
        { label: `${m.fakeN} empty cgroups (kernel files, no processes)`, summary: m.tickEmpty },
        { label: '  the same, reads only (no store)', summary: m.readsEmpty },
        { label: `${m.realN} running tiny sprites`, summary: m.tickReal },
        { label: '  per sprite, empty cgroups', summary: perSprite(m.tickEmpty, m.fakeN) },
        { label: '  per sprite, running sprites', summary: perSprite(m.tickReal, m.realN) },
        { label: 'reference: read one cgroup file (wall)', summary: m.readOneFile },
        { label: 'reference: `cat` it as a process (wall)', summary: m.spawnCat },
      ],
    },
  ];
}

export function meteringRatios(m: MeteringResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['sample per sprite ÷ one cgroup file read', ratio(perSpriteMs(m), m.readOneFile.medianMs)],
    ['one process per sprite ÷ sample per sprite', ratio(m.spawnCat.medianMs, perSpriteMs(m))],
  ];
}

export function meteringTargets(m: MeteringResults): { what: string; target: string; measured: string; met: boolean }[] {
  const share = shareOfCore(m, 200);
  return [
    {
      what: `sampler CPU, 200 running sprites, every ${SAMPLE_INTERVAL_MS / 1000} s`,
      target: `< ${METERING_TARGETS.shareOfCoreAt200 * 100} % of a core`,
      measured: `${(share * 100).toFixed(3)} %`,
      met: share < METERING_TARGETS.shareOfCoreAt200,
    },
  ];
}

export function meteringMethod(m: MeteringResults): string[] {
  return [
    `- **(q)** the server's sampler (src/server/metering/sampler.ts) run in the bench's process, ${m.ticks} samples after 3 ` +
      `untimed ones, each timed by process.cpuUsage (user + system): over ${m.fakeN} empty cgroups the bench makes in the ` +
      `host's cgroup hierarchies (the kernel's own files), and over ${m.realN} running tiny sprites of the private server. ` +
      'Each sample reads every sprite\'s CPU and memory files and its quota group\'s bytes through the pool\'s own reader ' +
      '(sysfs), and writes its rows to a SQLite file opened as the server opens its store. The 200-sprite figure is the ' +
      `slower per-sprite cost × 200 ÷ the ${SAMPLE_INTERVAL_MS / 1000} s interval; per-sprite work is a fixed handful of ` +
      'small reads and one row each, so it scales linearly (the server-wide part is one SELECT and one transaction). ' +
      `References: one read of a small cgroup file, and one \`cat\` of it as a process (${formatMs(m.spawnCat.medianMs)} ms).`,
  ];
}

export function meteringAnalysis(m: MeteringResults): string {
  const [target] = meteringTargets(m);
  const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
  return (
    `**Metering** (200 running sprites sampled every ${SAMPLE_INTERVAL_MS / 1000} s: ${target?.measured ?? ''} of one core, ` +
    `target ${target?.target ?? ''}: ${target?.met ? 'met' : 'not met'}). A sample costs ${us(m.tickReal.medianMs / m.realN)} of CPU ` +
    `per running sprite (${us(m.tickEmpty.medianMs / m.fakeN)} over empty cgroups, ${us(m.readsEmpty.medianMs / m.fakeN)} of it reading ` +
    'files): three small cgroup files, three sysfs files of its quota group, and its rows in one transaction. No process is ' +
    `started per sprite; one would cost ${formatMs(m.spawnCat.medianMs)} ms of wall time each, more than a whole sample of ${m.fakeN}.`
  );
}
