/** The bench's results as a console table and as BENCHMARKS.md. */
import type { CheckpointResults } from './checkpoints.js';
import type { CliResults } from './cli.js';
import { cliAnalysis, cliMethod, cliRatios, cliRows, cliTargets } from './cli-report.js';
import { checkpointAnalysis, checkpointMethod, checkpointRatios, checkpointRows, checkpointTargets } from './checkpoints-report.js';
import type { FilesResults } from './files.js';
import { filesAnalysis, filesMethod, filesRateRows, filesRatios } from './files-report.js';
import { longRunsSection } from './long-runs.js';
import type { MachineFacts } from './machine.js';
import type { NetworkResults } from './network.js';
import { networkAnalysis, networkMethod, networkRateRows, networkRatios, networkRows, networkTargets } from './network-report.js';
import { PHASE_LABELS, PHASES, type Phase } from './replica.js';
import type { ServicesResults } from './services.js';
import { servicesAnalysis, servicesMethod, servicesRatios, servicesRows, servicesTargets, servicesValueRows } from './services-report.js';
import { formatMs, formatRate, type RateSummary, type Summary } from './stats.js';
import type { SessionResults } from './sessions.js';
import { sessionAnalysis, sessionMethod, sessionRatios, sessionRows, sessionTargets, sessionValueRows } from './sessions-report.js';
import type { WakeResults } from './wake.js';
import type { MeteringResults } from './metering.js';
import { meteringAnalysis, meteringMethod, meteringRatios, meteringRows, meteringTargets } from './metering-report.js';
import { wakeAnalysis, wakeMemoryRows, wakeMethod, wakeRatios, wakeRows, wakeTargets } from './wake-report.js';

export interface BenchResults {
  facts: MachineFacts;
  createN: number;
  execN: number;
  /** Create → first exec with no warm spare: snapshot, runc and agent boot on the request's path. */
  createToFirstExec: Summary;
  /** Create → first exec when a warm spare is waiting (the default: `--warm-pool 2`). */
  createWarm: Summary;
  createSprite: Summary;
  /** The server's own handling time of the create request (fastify's responseTime). */
  serverCreate: Summary;
  firstExec: Summary;
  sdkExec: Summary;
  rawExec: Summary;
  agentExec: Summary;
  runcRun: Summary;
  spawnTrue: Summary;
  phases: Record<Phase, Summary>;
  /** (d)–(g): checkpoint, restore and fork, and copying the same tree. */
  checkpoints: CheckpointResults;
  /** (h): the CLI as whole processes. */
  cli: CliResults;
  /** (i)–(k): sprite URLs and egress. */
  network: NetworkResults;
  /** (l)–(n): warm and cold wakes, and what sleeping sprites hold. */
  wake: WakeResults;
  /** (o)–(p): attaching to sessions, and what idle ones cost. */
  sessions: SessionResults;
  /** (q): the usage sampler's CPU. */
  metering: MeteringResults;
  /** (r): file throughput through the fs API, cat through exec, and the host's disk. */
  files: FilesResults;
  /** (o)–(p): a service started until it serves, and what an idle one costs. */
  services: ServicesResults;
}

export const TARGETS = {
  createToFirstExecP50Ms: 150,
  execRoundTripP50Ms: 5,
} as const;

export const COMMAND = 'sudo npm run bench';

interface Row {
  label: string;
  summary: Summary;
}

/** A row of rates (requests/s, MB/s); the unit is in its section's title. */
interface RateRow {
  label: string;
  summary: RateSummary;
}

/** Values that are neither times nor rates (memory), already formatted with their units. */
interface ValueGroup {
  section: string;
  rows: [string, string][];
}

interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

function rows(r: BenchResults): { section: string; rows: Row[] }[] {
  return [
    {
      section: '(a) create → first exec, image tiny, its network included',
      rows: [
        { label: 'warm: SDK createSprite + first exec (spare waiting)', summary: r.createWarm },
        { label: 'cold: SDK createSprite + first exec("true")', summary: r.createToFirstExec },
        { label: '  of which createSprite (request → 201)', summary: r.createSprite },
        { label: '    of which server handling (its log)', summary: r.serverCreate },
        { label: '  of which first exec("true")', summary: r.firstExec },
      ],
    },
    {
      section: '(b) exec `true` round trip on a running sprite',
      rows: [
        { label: 'SDK sprite.exec("true")', summary: r.sdkExec },
        { label: 'raw `ws` client through the server', summary: r.rawExec },
        { label: 'raw `ws` client on the agent socket (no server)', summary: r.agentExec },
      ],
    },
    {
      section: '(c) references',
      rows: [
        { label: '`runc run` /bin/true, same spec (foreground)', summary: r.runcRun },
        { label: 'local child_process.spawn("true")', summary: r.spawnTrue },
      ],
    },
    {
      section: 'profile: the server\'s create steps replayed by hand',
      rows: PHASES.map((phase) => ({ label: PHASE_LABELS[phase], summary: r.phases[phase] })),
    },
    ...checkpointRows(r.checkpoints),
    ...cliRows(r.cli),
    ...networkRows(r.network),
    ...wakeRows(r.wake),
    ...sessionRows(r.sessions),
    ...meteringRows(r.metering),
    ...servicesRows(r.services),
  ];
}

function rateRows(r: BenchResults): { section: string; rows: RateRow[] }[] {
  return [...networkRateRows(r.network), ...filesRateRows(r.files)];
}

export function ratio(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a)) return 'n/a';
  // Below 1, two significant digits: a checkpoint is a small fraction of a copy.
  return a / b >= 1 ? `${(a / b).toFixed(1)}×` : `${(a / b).toPrecision(2)}×`;
}

function ratios(r: BenchResults): [string, string][] {
  const reference = r.runcRun.medianMs + r.spawnTrue.medianMs;
  return [
    ['warm create → first exec ÷ (runc run + spawn)', ratio(r.createWarm.medianMs, reference)],
    ['cold create → first exec ÷ (runc run + spawn)', ratio(r.createToFirstExec.medianMs, reference)],
    ['SDK exec ÷ raw ws through the server', ratio(r.sdkExec.medianMs, r.rawExec.medianMs)],
    ['raw ws through the server ÷ agent socket', ratio(r.rawExec.medianMs, r.agentExec.medianMs)],
    ['SDK exec ÷ local spawn', ratio(r.sdkExec.medianMs, r.spawnTrue.medianMs)],
    ...checkpointRatios(r.checkpoints, ratio),
    ...cliRatios(r.cli, ratio),
    ...networkRatios(r.network, ratio),
    ...wakeRatios(r.wake, r.createToFirstExec, ratio),
    ...sessionRatios(r.sessions, ratio),
    ...meteringRatios(r.metering, ratio),
    ...filesRatios(r.files, ratio),
    ...servicesRatios(r.services, ratio),
  ];
}

function targets(r: BenchResults): Target[] {
  return [
    {
      what: 'create → first exec p50 (warm pool, the default)',
      target: `≤ ${TARGETS.createToFirstExecP50Ms} ms`,
      measured: `${formatMs(r.createWarm.medianMs)} ms`,
      met: r.createWarm.medianMs <= TARGETS.createToFirstExecP50Ms,
    },
    {
      what: 'create → first exec p50 (cold, no spare)',
      target: `≤ ${TARGETS.createToFirstExecP50Ms} ms`,
      measured: `${formatMs(r.createToFirstExec.medianMs)} ms`,
      met: r.createToFirstExec.medianMs <= TARGETS.createToFirstExecP50Ms,
    },
    {
      what: 'exec round trip p50 (SDK)',
      target: `≤ ${TARGETS.execRoundTripP50Ms} ms`,
      measured: `${formatMs(r.sdkExec.medianMs)} ms`,
      met: r.sdkExec.medianMs <= TARGETS.execRoundTripP50Ms,
    },
    ...checkpointTargets(r.checkpoints),
    ...cliTargets(r.cli),
    ...networkTargets(r.network),
    ...wakeTargets(r.wake),
    ...sessionTargets(r.sessions),
    ...meteringTargets(r.metering),
    ...servicesTargets(r.services),
  ];
}

/** A warning when other work competed for the CPUs while the bench ran. */
function busyNote(r: BenchResults): string | undefined {
  const load = Math.max(r.facts.loadBefore, r.facts.loadAfter);
  if (load < r.facts.nproc * 0.75) return undefined;
  return `The host was busy (load average up to ${load} on ${r.facts.nproc} CPUs): other work competed for the CPUs, so every number is inflated. Rerun on an idle machine.`;
}

export function renderConsole(r: BenchResults): string {
  return renderTables(rows(r), ratios(r), targets(r), busyNote(r), rateRows(r), [wakeMemoryRows(r.wake), sessionValueRows(r.sessions), servicesValueRows(r.services)]);
}

/** The console form of any part of the results: tables, ratios, an optional warning, targets. */
export function renderTables(
  groups: { section: string; rows: Row[] }[],
  ratioList: [string, string][],
  targetList: Target[],
  busy?: string,
  rateGroups: { section: string; rows: RateRow[] }[] = [],
  valueGroups: ValueGroup[] = [],
): string {
  const lines: string[] = [];
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (ms: number): string => formatMs(ms).padStart(8);
  lines.push(`${pad('', 52)}${'n'.padStart(4)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}   (ms)`);
  for (const group of groups) {
    lines.push(group.section);
    for (const row of group.rows) {
      const s = row.summary;
      lines.push(`  ${pad(row.label, 50)}${String(s.n).padStart(4)}${num(s.medianMs)}${num(s.p90Ms)}${num(s.minMs)}${num(s.maxMs)}`);
    }
  }
  if (rateGroups.length > 0) {
    const rate = (value: number): string => formatRate(value).padStart(8);
    lines.push(`${pad('', 52)}${'n'.padStart(4)}${'median'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}   (per second)`);
    for (const group of rateGroups) {
      lines.push(group.section);
      for (const row of group.rows) {
        const s = row.summary;
        lines.push(`  ${pad(row.label, 50)}${String(s.n).padStart(4)}${rate(s.median)}${rate(s.min)}${rate(s.max)}`);
      }
    }
  }
  for (const group of valueGroups) {
    lines.push(group.section);
    for (const [label, value] of group.rows) lines.push(`  ${pad(label, 50)}${value.padStart(32)}`);
  }
  lines.push('ratios of medians');
  for (const [label, value] of ratioList) lines.push(`  ${pad(label, 50)}${value.padStart(8)}`);
  if (busy !== undefined) lines.push(busy);
  lines.push('targets');
  for (const t of targetList) lines.push(`  ${pad(`${t.what} ${t.target}`, 50)}${t.measured.padStart(10)}  ${t.met ? 'met' : 'NOT met'}`);
  return `${lines.join('\n')}\n`;
}

/** A table cell's text: a `|`, even inside backticks, would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(r: BenchResults): string {
  const f = r.facts;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `This file is rewritten by every run of the bench; it always holds the latest results. Run it as root ` +
      `(\`${COMMAND}\`, or \`npm run bench\` in a root shell) on a machine where \`npm test\` passes. ` +
      'It starts a private Hob server (own data dir, btrfs pool and container prefix), builds the ' +
      '`tiny` image through the API, measures, and removes everything it made.',
    '',
  );
  out.push('## Machine', '');
  out.push(`| | |`, `|---|---|`);
  out.push(`| date | ${f.date} |`);
  out.push(`| nproc | ${f.nproc} |`);
  out.push(`| CPU | ${f.cpuModel} |`);
  out.push(`| memory | ${f.memoryGiB} GiB |`);
  out.push(`| kernel | ${f.kernel} |`);
  out.push(`| node | ${f.node} |`);
  out.push(`| runc | ${f.runc} |`);
  out.push(`| btrfs | ${f.btrfs} |`);
  out.push(`| pool | ${f.pool} |`);
  out.push(`| load average (1 min) at start / end | ${f.loadBefore} / ${f.loadAfter} |`, '');
  const busy = busyNote(r);
  if (busy !== undefined) out.push(`**${busy}**`, '');

  out.push('## Targets', '');
  out.push('| | target | measured | |', '|---|---|---|---|');
  for (const t of targets(r)) out.push(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'met' : '**not met**'} |`);
  out.push('');

  out.push('## Results', '');
  out.push(
    `Milliseconds. (a), (c) runc and the profile: ${r.createN} runs each; exec round trips: ${r.execN} runs each; ` +
      `(d)–(f) and the snapshot floor: ${r.checkpoints.n} runs each; copies in (g): ${r.checkpoints.copyN} runs each; ` +
      `CLI processes in (h): ${r.cli.n} runs each; requests in (i): ${r.network.urlN} each; warm wakes in (l): ${r.wake.warmN} ` +
      `rounds; cold wakes in (m): ${r.wake.coldN} rounds; attaches in (o): ${r.sessions.attachN} rounds; service starts in (s): ${r.services.n} rounds; ` +
      'warm-up runs are not counted.',
    '',
  );
  out.push('| | n | p50 | p90 | min | max |', '|---|---:|---:|---:|---:|---:|');
  for (const group of rows(r)) {
    out.push(`| **${group.section}** | | | | | |`);
    for (const row of group.rows) {
      const s = row.summary;
      const indent = row.label.length - row.label.trimStart().length;
      const label = `${'&nbsp;'.repeat(indent)}${cell(row.label.trim())}`;
      out.push(`| ${label} | ${s.n} | ${formatMs(s.medianMs)} | ${formatMs(s.p90Ms)} | ${formatMs(s.minMs)} | ${formatMs(s.maxMs)} |`);
    }
  }
  out.push('');
  out.push('Rates, per second; rounds, not requests, are counted in n.', '');
  out.push('| | n | median | min | max |', '|---|---:|---:|---:|---:|');
  for (const group of rateRows(r)) {
    out.push(`| **${cell(group.section)}** | | | | |`);
    for (const row of group.rows) {
      const s = row.summary;
      out.push(`| ${cell(row.label)} | ${s.n} | ${formatRate(s.median)} | ${formatRate(s.min)} | ${formatRate(s.max)} |`);
    }
  }
  out.push('');
  for (const values of [wakeMemoryRows(r.wake), sessionValueRows(r.sessions), servicesValueRows(r.services)]) {
    out.push(`| ${cell(values.section)} | |`, '|---|---:|');
    for (const [label, value] of values.rows) {
      const indent = label.length - label.trimStart().length;
      out.push(`| ${'&nbsp;'.repeat(indent)}${cell(label.trim())} | ${value} |`);
    }
    out.push('');
  }
  out.push('| ratio of medians | |', '|---|---:|');
  for (const [label, value] of ratios(r)) out.push(`| ${cell(label)} | ${value} |`);
  out.push('');

  out.push('## What is measured', '');
  out.push(
    '- **(a)** `SpritesClient.createSprite(name)` (image `tiny`, the server default) and then `sprite.exec("true")`, ' +
      'timed from the create request until the exec\'s exit frame arrives; the sprite is destroyed after each run (not timed). ' +
      'Every sprite is online: a cold create makes its network (namespace, veth link, nftables entries, DNS forwarder socket) ' +
      'on the request\'s path, and a warm spare was given its network when it booted.',
    '- **(b)** on one running sprite: `sprite.exec("true")` through the SDK; the same exec with a bare `ws` client ' +
      'through the server (`GET /v1/sprites/{name}/exec?cmd=true`, Bearer token, until the exit frame); and the ' +
      'same `ws` exec straight on the sprite\'s agent unix socket, which is what the server relays to.',
    '- **(c)** `runc run` in the foreground (create, start, wait, delete) of `/bin/true` with the OCI config the ' +
      'server generated for a real sprite (same user namespace, cgroup limits, seccomp, capabilities and mounts), ' +
      'copied with a new id, cgroup path and run dir and `args: ["/bin/true"]`, on a btrfs snapshot of the tiny ' +
      'image; and a local `child_process.spawn("true")` with piped stdio, to its `close` event.',
    '- **profile**: the steps of `SpriteService.create` replayed by hand with the server\'s own artefacts (image ' +
      'subvolume, agent runtime dir, generated config.json), each timed: snapshot, `runc run -d`, polling the agent ' +
      'until `/health` answers (1 ms steps), and the first and second exec on the agent socket; then the stop, by the ' +
      'server\'s own `RuncRuntime.destroy` (`runc kill KILL`, polling /proc until init has exited, `runc delete`, removing ' +
      'the bundle), which every restore and destroy pays. The replayed sprites join the network namespace of a running sprite, ' +
      'so the profile has no network step: making a network is part of the server\'s own work below. No timing code is added to `src/`.',
    '- **warm**: the server restarted on the same data dir with `--warm-pool 1`; before each create the bench waits ' +
      'until the server has recorded a booted spare, then times create → first exec as in (a).',
    '- The measurements take turns: each run of (a) is followed by one replay and one `runc run`, and the clients of (b) ' +
      'and the local spawn alternate, so load from elsewhere on the host falls on all of them alike.',
    '- **server handling** is the `responseTime` the server itself logs for each create request (fastify\'s request log).',
    ...checkpointMethod(r.checkpoints),
    ...cliMethod(r.cli),
    ...networkMethod(r.network),
    ...wakeMethod(r.wake),
    ...sessionMethod(r.sessions),
    ...meteringMethod(r.metering),
    ...filesMethod(r.files),
    ...servicesMethod(r.services),
    '',
  );

  out.push('## Where the time goes', '');
  out.push(...analysis(r), '');
  const longRuns = longRunsSection();
  if (longRuns !== '') out.push('', longRuns.trimEnd());
  return `${out.join('\n')}\n`;
}

/** The phases on the path of a create (the second exec and the stop are measured for comparison). */
type CreatePhase = Exclude<Phase, 'secondExec' | 'stop'>;

/** What would cut each phase of create, named when that phase is among the largest. */
const REMEDIES: Record<CreatePhase, string> = {
  snapshot: 'a btrfs snapshot commits a transaction; snapshotting ahead of time (a small pool of ready roots per image) takes it off the path',
  runcRun:
    '`runc run -d` is runc\'s Go start-up plus its re-exec\'d init setting up seven namespaces (user included), mounts, cgroup limits and seccomp; ' +
    'crun does the same work in C and typically starts a container in about half the time, and `runc create` ahead of time (a warm pool of created-not-started sprites) leaves only `runc start` on the path',
  agentBoot:
    'the agent is Node, so boot is V8 start-up and module loading inside the sprite (its bundle already compiles from V8\'s code cache); ' +
    'a startup snapshot (`node --build-snapshot`, which in Node 20 cannot yet hold the agent\'s http server), ' +
    'or a small static agent, or again a warm pool whose agents are already up, would remove most of it',
  firstExec:
    'the first exec on a fresh agent probably pays for lazy loading and a cold JIT on the exec path (compare the "second exec" row), ' +
    'which a startup snapshot of the agent would also cover',
};

function analysis(r: BenchResults): string[] {
  const p = r.phases;
  const m = (s: Summary): string => `${formatMs(s.medianMs)} ms`;
  const createPhases = PHASES.filter((x): x is CreatePhase => x !== 'secondExec' && x !== 'stop');
  const replayed = createPhases.reduce((sum, x) => sum + p[x].medianMs, 0);
  const bootReplayed = replayed - p.firstExec.medianMs;
  const serverOwn = r.serverCreate.medianMs - bootReplayed;
  const [warmTarget, createTarget, execTarget] = targets(r);
  const paragraphs: string[] = [];

  paragraphs.push(
    `**Warm create → first exec** (p50 ${m(r.createWarm)}, target ${warmTarget?.target ?? ''}: ${warmTarget?.met ? 'met' : 'not met'}). ` +
      'The server keeps spares of the default image booted (`--warm-pool`, default 2); a create claims one in one SQLite ' +
      'update, renames its host (nsenter into its UTS namespace) and, if the sprite asked for other limits, applies them ' +
      'with `runc update`. What is left is the HTTP request and the first exec. When creates come faster than spares boot ' +
      '(about one every few hundred milliseconds), the next ones are cold:',
  );
  paragraphs.push(
    `**Cold create → first exec** (p50 ${m(r.createToFirstExec)}, target ${createTarget?.target ?? ''}: ${createTarget?.met ? 'met' : 'not met'}). ` +
      `createSprite takes ${m(r.createSprite)} at the client, of which the server spends ${m(r.serverCreate)} handling the request; ` +
      `the first exec takes ${m(r.firstExec)}. Replayed by hand, the server's create steps take ${formatMs(bootReplayed)} ms: ` +
      `snapshot ${m(p.snapshot)}, \`runc run -d\` ${m(p.runcRun)} (runc compiles the seccomp filter at every start, for x86_64 and i386), ` +
      `agent boot ${m(p.agentBoot)} (Node's start-up and the agent bundle, compiled from the V8 code cache the server made when it assembled /.hob); ` +
      `the first exec on the fresh agent's socket adds ${m(p.firstExec)}. ` +
      (serverOwn >= 1
        ? `That leaves about ${formatMs(serverOwn)} ms of the server's own work: SQLite writes and directory set-up; the sprite's ` +
          'network (namespaces, veth link, fence entries), its run dir and its in-sprite API socket, made side by side with the ' +
          'snapshot and its quota group, each a few short processes on the same CPUs; writing config.json; waiting for the agent\'s ' +
          'socket to appear (watched, not polled) and for its first /health answer; and whatever else ran on the host meanwhile. The rest is '
        : 'The server adds nothing measurable of its own around them; the rest is ') +
      `HTTP and the SDK's WebSocket set-up. For scale, a bare foreground \`runc run\` of /bin/true with the same spec takes ${m(r.runcRun)} ` +
      `and a local spawn ${m(r.spawnTrue)}.`,
  );
  if (createTarget?.met === false) {
    const largest = [...createPhases].sort((a, b) => p[b].medianMs - p[a].medianMs).slice(0, 3);
    paragraphs.push(
      `The largest steps are ${largest.map((x) => `${PHASE_LABELS[x]} (${m(p[x])})`).join(', ')}. What would cut them: ` +
        `${largest.map((x) => REMEDIES[x]).join('; ')}. The warm pool above takes container start and agent boot off the path ` +
        'whenever a spare is waiting.',
    );
  }

  paragraphs.push(
    `**Exec round trip** (SDK p50 ${m(r.sdkExec)}, target ${execTarget?.target ?? ''}: ${execTarget?.met ? 'met' : 'not met'}). ` +
      `A local \`spawn("true")\` alone takes ${m(r.spawnTrue)} on this machine. The agent, reached directly on its unix socket, answers in ` +
      `${m(r.agentExec)} (WebSocket handshake, spawn inside the sprite, exit frame). Through the server a bare \`ws\` client needs ` +
      `${m(r.rawExec)}: ${formatMs(r.rawExec.medianMs - r.agentExec.medianMs)} ms more for TCP, the HTTP upgrade, the token and sprite ` +
      `lookups (SHA-256 and SQLite, both sub-millisecond) and the second upgrade, to the agent. ` +
      (r.sdkExec.medianMs - r.rawExec.medianMs >= 1
        ? `The SDK adds ${formatMs(r.sdkExec.medianMs - r.rawExec.medianMs)} ms on top (its WebSocket wrapper and stream plumbing).`
        : 'The SDK adds nothing measurable on top.'),
  );
  if (execTarget?.met === false) {
    paragraphs.push(
      r.spawnTrue.medianMs >= r.sdkExec.medianMs / 2
        ? `Most of the round trip is creating a process, which costs ${m(r.spawnTrue)} here even without Hob; no exec design that forks ` +
            'per command gets under that. The per-exec cost Hob adds could shrink by keeping the server↔agent connection open ' +
            '(one multiplexed socket per sprite instead of a second WebSocket handshake per exec), but the ' +
            `target of ${TARGETS.execRoundTripP50Ms} ms needs a machine where fork+exec costs well under a millisecond.`
        : 'Most of the round trip is Hob\'s own: the two WebSocket handshakes per exec (client→server, server→agent). Keeping one ' +
            'multiplexed server↔agent connection per sprite would take out the second handshake.',
    );
  }
  paragraphs.push(...checkpointAnalysis(r));
  paragraphs.push(cliAnalysis(r));
  paragraphs.push(...networkAnalysis(r));
  paragraphs.push(...wakeAnalysis(r));
  paragraphs.push(...sessionAnalysis(r));
  paragraphs.push(meteringAnalysis(r.metering));
  paragraphs.push(...filesAnalysis(r.files));
  paragraphs.push(...servicesAnalysis(r.services));
  return paragraphs.flatMap((para) => [para, '']).slice(0, -1);
}
