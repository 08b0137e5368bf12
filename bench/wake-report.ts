/** The sleep part of the report: warm and cold wakes against a running sprite and a cold create, and what sleeping sprites hold. */
import type { BenchResults } from './report.js';
import { formatMs, spread, type Spread, type Summary } from './stats.js';
import { available, type HostMemory } from './memory.js';
import type { WakeMemory, WakeResults } from './wake.js';

export const WAKE_TARGETS = {
  /** Warm wake → exec done p50, ms. */
  warmWakeExecP50Ms: 10,
  /** Cold wake → exec done p50, ms. */
  coldWakeExecP50Ms: 250,
  /** Warm debian sprites the density run should hold on this host. */
  warmSprites: 200,
  /** Cold sprites it should hold, listed and waking. */
  coldSprites: 1000,
  /** Sleep/wake cycles of the soak. */
  soakCycles: 1000,
} as const;

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export function wakeRows(w: WakeResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  return [
    {
      section: '(l) warm wake, image tiny: one sprite, forced warm before each timed call',
      rows: [
        { label: 'warm: SDK exec("true") that wakes it', summary: w.warmExec },
        { label: 'running: the same exec (reference)', summary: w.runningExec },
        { label: 'warm: POST /wake (request → answer)', summary: w.warmWake },
        { label: '  of which server handling (its log)', summary: w.warmWakeServer },
        { label: 'running: POST /wake (nothing to do)', summary: w.runningWake },
      ],
    },
    {
      section: '(m) cold wake, image tiny: the same sprite, forced cold before each timed call',
      rows: [
        { label: 'cold: SDK exec("true") that boots it', summary: w.coldExec },
        { label: 'cold: POST /wake (request → answer)', summary: w.coldWake },
        { label: '  of which server handling (its log)', summary: w.coldWakeServer },
        { label: 'then its first exec("true")', summary: w.coldWakeFirstExec },
        { label: 'cold create + first exec, same rounds (reference)', summary: w.coldCreate },
      ],
    },
  ];
}

export function wakeRatios(w: WakeResults, coldCreateOfA: Summary, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['warm wake → exec ÷ exec on it running, p50', ratio(w.warmExec.medianMs, w.runningExec.medianMs)],
    ['warm wake → exec ÷ exec on it running, p95', ratio(w.warmExec.p95Ms, w.runningExec.p95Ms)],
    ['POST /wake, warm ÷ running', ratio(w.warmWake.medianMs, w.runningWake.medianMs)],
    ['cold wake → exec ÷ cold create, same rounds', ratio(w.coldExec.medianMs, w.coldCreate.medianMs)],
    ['cold wake → exec ÷ cold create of (a)', ratio(w.coldExec.medianMs, coldCreateOfA.medianMs)],
  ];
}

export function wakeTargets(w: WakeResults): { what: string; target: string; measured: string; met: boolean }[] {
  return [
    {
      what: 'warm wake → exec done p50',
      target: `≤ ${WAKE_TARGETS.warmWakeExecP50Ms} ms`,
      measured: `${formatMs(w.warmExec.medianMs)} ms`,
      met: w.warmExec.medianMs <= WAKE_TARGETS.warmWakeExecP50Ms,
    },
    {
      what: 'cold wake → exec done p50',
      target: `≤ ${WAKE_TARGETS.coldWakeExecP50Ms} ms`,
      measured: `${formatMs(w.coldExec.medianMs)} ms`,
      met: w.coldExec.medianMs <= WAKE_TARGETS.coldWakeExecP50Ms,
    },
  ];
}

/** Bytes as MiB, signed: a MemAvailable difference can come out below zero. */
function mib(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  return `${(bytes / MIB).toFixed(Math.abs(bytes) >= 100 * MIB ? 0 : 1)} MiB`;
}

function spreadMib(s: Spread): string {
  return `${mib(s.median)} (${mib(s.min)}–${mib(s.max)})`;
}

/**
 * Host figures per sprite, from the free memory readings, each a difference between readings
 * seconds apart: what going cold gave back (one per cycle; also by MemAvailable alone), what
 * deleting the cold sprites gave back, their sum (a warm sprite), and how far the readings
 * before and after the whole part moved apart.
 */
export function perSprite(m: WakeMemory) {
  const per = (from: HostMemory | undefined, to: HostMemory | undefined, read: (h: HostMemory) => number = available) =>
    from === undefined || to === undefined ? Number.NaN : (read(to) - read(from)) / m.sprites;
  const givenBack = spread(m.cold.map((cold, k) => per(m.warm[k], cold)));
  const givenBackMemAvailable = spread(m.cold.map((cold, k) => per(m.warm[k], cold, (h) => h.memAvailable)));
  const cold = per(m.cold.at(-1), m.after);
  return { givenBack, givenBackMemAvailable, cold, warm: givenBack.median + cold, drift: per(m.after, m.before) };
}

export function wakeMemoryRows(w: WakeResults): { section: string; rows: [string, string][] } {
  const m = w.memory;
  const host = perSprite(m);
  const fits = (bytes: number) => (bytes > 0 ? String(Math.floor(m.memTotalBytes / bytes)) : 'n/a');
  return {
    section: `(n) memory, ${m.sprites} tiny sprites after one exec each; per sprite`,
    rows: [
      ['warm: cgroup charge, median (min–max)', spreadMib(m.warmCgroup.usageBytes)],
      ['  of which anonymous (process memory)', spreadMib(m.warmCgroup.anonBytes)],
      ['  of which page cache', spreadMib(m.warmCgroup.fileBytes)],
      ['  of which kernel (page tables, slab, sockets)', spreadMib(m.warmCgroup.kernelBytes)],
      ['warm: host memory taken (the two below)', mib(host.warm)],
      [`  given back going cold, median of ${m.cycles} (min–max)`, spreadMib(host.givenBack)],
      ['    the same by MemAvailable alone', spreadMib(host.givenBackMemAvailable)],
      ['  given back when the cold ones were deleted', mib(host.cold)],
      ['drift: first − last reading (noise)', mib(host.drift)],
      ['cgroups left after going cold', `${m.coldCgroupsLeft} of ${m.sprites * m.cycles}`],
      [`warm sprites in ${(m.memTotalBytes / GIB).toFixed(1)} GiB, host figure`, fits(host.warm)],
      [`warm sprites in ${(m.memTotalBytes / GIB).toFixed(1)} GiB, cgroup figure`, fits(m.warmCgroup.usageBytes.median)],
    ],
  };
}

export function wakeMethod(w: WakeResults): string[] {
  return [
    '- **(l)–(n)** run on the server of (a) cold (no warm pool), after (k), on sprites of their own (image `tiny`). Like every ' +
      'test server it runs with `--idle-timeout 0`, so no sprite sleeps unless the bench asks: it forces sleep with ' +
      '`POST /v1/sprites/{name}/sleep` (`{}` for warm, `{"cold":true}` for cold), which answers once the sprite is asleep, ' +
      'and checks the answer\'s `status` before each timed call.',
    `- **(l)** one sprite, ${w.warmN} rounds after 3 untimed ones; each round: sleep warm, \`sprite.exec("true")\` through the SDK ` +
      '(its request wakes the sprite), the same exec again on the now running sprite; sleep warm again, `POST /wake` ' +
      '(HobClient, until its JSON answer), and `POST /wake` again on the running sprite, which has nothing to do: the API ' +
      'round trip alone. Server handling is the `responseTime` its log gives each wake request.',
    `- **(m)** the same sprite, ${w.coldN} rounds after 2 untimed ones; each round: sleep cold, \`sprite.exec("true")\` (it ` +
      'boots the sprite); sleep cold again, `POST /wake`, then the first exec on the fresh agent; then `createSprite` + first ' +
      'exec of a new sprite (the reference; deleted after, not timed).',
    `- **(n)** the host's free memory is read before ${w.memory.sprites} sprites are created one by one. Then, ` +
      `${w.memory.cycles} times: each is given one \`exec("true")\` (which boots it again after the first time), all are forced ` +
      'warm, each frozen sprite\'s cgroup is read (`memory.usage_in_bytes`, split by `memory.stat` `total_rss` and ' +
      '`total_cache`, the rest being kernel memory charged to it; `memory.current` and `memory.stat` on cgroup v2), and the ' +
      'host\'s free memory; all are forced cold (their cgroups checked gone), and after 300 ms the free memory is read again. ' +
      'At the end all are deleted and, after 300 ms, it is read a last time. A reading is the median of 5, 100 ms apart, of ' +
      '`MemAvailable` (/proc/meminfo) plus the free pages on the kernel\'s per-CPU lists (the `count` lines of ' +
      '/proc/zoneinfo), which MemAvailable leaves out: a process\'s freed pages go there first, and with the list sizes ' +
      'this kernel tunes itself they hold tens to hundreds of MiB, so MemAvailable alone shows only part of what was freed ' +
      '(the table gives it too). A per-sprite figure is the difference between two readings divided by the number of ' +
      'sprites. The last reading should be back at the first; what it is not is drift from everything else on the host.',
  ];
}

export function wakeAnalysis(r: BenchResults): string[] {
  const w = r.wake;
  const p = r.phases;
  const m = (s: Summary): string => `${formatMs(s.medianMs)} ms`;
  const [warmTarget, coldTarget] = wakeTargets(w);
  const mem = w.memory;
  const host = perSprite(mem);
  const totalGiB = mem.memTotalBytes / GIB;
  const boot = p.runcRun.medianMs + p.agentBoot.medianMs;
  const paragraphs: string[] = [];

  paragraphs.push(
    `**Warm wake** (exec that wakes the sprite p50 ${m(w.warmExec)}, target ${warmTarget?.target ?? ''}: ${warmTarget?.met ? 'met' : 'not met'}; ` +
      `p95 ${formatMs(w.warmExec.p95Ms)} ms). The same exec on the sprite running takes ${m(w.runningExec)} ` +
      `(p95 ${formatMs(w.runningExec.p95Ms)} ms), so waking adds ${formatMs(w.warmExec.medianMs - w.runningExec.medianMs)} ms. ` +
      'A warm wake is the sprite\'s state recorded in SQLite under its lock and one write of `THAWED` to its freezer; its ' +
      'processes, the agent included, carry on where they stopped, and the agent\'s listening socket was open all along. ' +
      `Asked for on its own, \`POST /wake\` of a warm sprite takes ${m(w.warmWake)} (the server handling it ${m(w.warmWakeServer)}) ` +
      `against ${m(w.runningWake)} for the same request when there is nothing to wake: the wake itself is ` +
      `${formatMs(w.warmWake.medianMs - w.runningWake.medianMs)} ms, the rest of a waking exec is the exec.`,
  );
  paragraphs.push(
    `**Cold wake** (exec that boots the sprite p50 ${m(w.coldExec)}, target ${coldTarget?.target ?? ''}: ${coldTarget?.met ? 'met' : 'not met'}; ` +
      `p95 ${formatMs(w.coldExec.p95Ms)} ms). A cold wake is a boot: \`runc run -d\` and the agent's start, which the profile above ` +
      `puts at ${formatMs(boot)} ms (${m(p.runcRun)} + ${m(p.agentBoot)}), then the first exec on a fresh agent. ` +
      `Split, \`POST /wake\` of a cold sprite takes ${m(w.coldWake)} (the server ${m(w.coldWakeServer)}) and the first exec after it ` +
      `${m(w.coldWakeFirstExec)}, against ${m(w.runningExec)} for an exec on an agent that has run a few: the first probably pays for ` +
      'lazy loading and a cold JIT on the exec path, as after a create. A cold create → first exec takes ' +
      `${m(w.coldCreate)} in the same rounds (${m(r.createToFirstExec)} in (a)); a cold wake skips what a create does besides ` +
      'booting (the root\'s snapshot, the network, which a cold sprite keeps, and the records).' +
      (coldTarget?.met === false
        ? ' What would cut it is what would cut a cold create\'s boot: a startup snapshot of the agent, or crun in place of runc.'
        : ''),
  );

  const cg = mem.warmCgroup;
  const pinned = cg.anonBytes.median + cg.kernelBytes.median;
  const noise = Math.max(Math.abs(host.drift), host.givenBack.max - host.givenBack.min);
  const apart = host.warm - pinned;
  paragraphs.push(
    `**Memory asleep** (n). Each frozen tiny sprite's cgroup is charged ${mib(cg.usageBytes.median)} ` +
      `(median of ${cg.usageBytes.n}): ${mib(cg.anonBytes.median)} the processes' own memory (the agent's Node and tini, its PID 1), ` +
      `${mib(cg.fileBytes.median)} page cache and ${mib(cg.kernelBytes.median)} kernel memory. Freezing keeps all of it: it ` +
      'takes the CPU away, not the memory. ' +
      `Seen from the host, going cold gave back ${mib(host.givenBack.median)} per sprite ` +
      `(${mib(host.givenBack.min)} to ${mib(host.givenBack.max)} over ${mem.cycles} cycles); MemAvailable alone shows only ` +
      `${mib(host.givenBackMemAvailable.median)}, because freed pages wait on the kernel's per-CPU lists at first. Deleting the ` +
      `cold sprites gave back ${mib(host.cold)} more, so a warm sprite takes about ${mib(host.warm)} of the host's memory. ` +
      'The kernel counts page cache as available (it can drop it), so what compares is the charge\'s processes and kernel ' +
      `parts, ${mib(pinned)}: ` +
      (Math.abs(apart) <= noise
        ? `the two agree within the noise (${mib(noise)} per sprite, below). `
        : apart > 0
          ? `the host figure is ${mib(apart)} above it, more than the noise: what the sprite holds outside its cgroup (its ` +
            'network, its share of the server). '
          : `the host figure is ${mib(-apart)} below it, more than the noise (${mib(noise)} per sprite): something else on the ` +
            'host took memory back meanwhile; plan with the cgroup figure. ') +
      `A cold sprite has no processes and no cgroup (${mem.coldCgroupsLeft} of ${mem.sprites * mem.cycles} left after going cold); ` +
      'it keeps its user and network namespaces (two bind mounts), its veth pair, its entries in Hob\'s nftables sets, its ' +
      'root on disk and its row in SQLite, which deleting gives back together with its root\'s cached pages: the ' +
      `${mib(host.cold)} above` +
      (Math.abs(host.cold) <= noise ? ', within the noise, so what a cold sprite holds is not measurable at this count. ' : '. ') +
      'Everything else on the host moves these readings too: between the first and the last, tens of seconds apart, they ' +
      `drifted by ${mib(host.drift)} per sprite, and the cycles spread over ${mib(host.givenBack.max - host.givenBack.min)}. ` +
      'The cgroup figure is exact.',
  );
  const perWarm = Math.max(host.warm, mem.warmCgroup.usageBytes.median);
  paragraphs.push(
    '**Density and soak** are runs of their own (`npm run density`, `npm run soak`); their latest results are under ' +
      `[Long runs](#long-runs). At ${mib(perWarm)} per warm sprite (the larger of the two figures ` +
      `above), this host's ${totalGiB.toFixed(1)} GiB would hold about ${Math.floor(mem.memTotalBytes / perWarm)} warm tiny ` +
      'sprites before anything else is counted (the server, the host, page cache); the target of ' +
      `${WAKE_TARGETS.warmSprites} warm sprites leaves ${mib(mem.memTotalBytes / WAKE_TARGETS.warmSprites)} each. They are not part of ` +
      'this bench, for time: the density run first builds the debian image in its private pool (debootstrap, a few minutes), ' +
      `and then ${WAKE_TARGETS.coldSprites} creates at the cold create p50 of (a) alone take ` +
      `${Math.round((WAKE_TARGETS.coldSprites * r.createToFirstExec.medianMs) / 1000)} s, before their deletes and wakes. ` +
      'This bench stays within a few minutes, so that it can be run on every change.',
  );
  return paragraphs;
}
