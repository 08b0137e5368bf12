/** The sessions part of the report: attach against a fresh exec, and what idle sessions cost. */
import type { BenchResults } from './report.js';
import type { SessionResults } from './sessions.js';
import { formatMs, type Summary } from './stats.js';

export const SESSION_TARGETS = {
  /**
   * Wake-ups per minute that each idle detached session may add to its sprite: an idle sprite
   * stays idle. Any timer of a session's own (the slowest, one a minute) adds at least 1 per
   * session; a tenth leaves room for the noise of the whole sprite's count.
   */
  addedWakeupsPerMinutePerSession: 0.1,
} as const;

const KIB = 1024;

export function sessionRows(s: SessionResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  return [
    {
      section: '(o) attach to a detached TTY session, image tiny',
      rows: [
        { label: 'bare ws: attach → first replayed byte', summary: s.attachFirstByte },
        { label: 'bare ws: new TTY exec `echo` → first byte (reference)', summary: s.execFirstByte },
        { label: 'SDK attachSession → first stdout data', summary: s.sdkAttachFirstByte },
        { label: 'SDK spawn(`echo`, tty) → first stdout data (reference)', summary: s.sdkExecFirstByte },
      ],
    },
  ];
}

export function sessionRatios(s: SessionResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['attach → first byte ÷ new exec → first byte (bare ws)', ratio(s.attachFirstByte.medianMs, s.execFirstByte.medianMs)],
    ['attach → first byte ÷ new exec → first byte (SDK)', ratio(s.sdkAttachFirstByte.medianMs, s.sdkExecFirstByte.medianMs)],
  ];
}

function perSession(before: number, after: number, sessions: number): number {
  return (after - before) / sessions;
}

function kib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / KIB).toFixed(0)} KiB` : 'n/a';
}

function rate(perMinute: number): string {
  return `${perMinute.toFixed(1)} /min`;
}

export function sessionValueRows(s: SessionResults): { section: string; rows: [string, string][] } {
  const i = s.idle;
  const seconds = i.windowMs / 1000;
  return {
    section: `(p) idle sessions, image tiny: detached TTY sessions that wait (\`exec sleep\`)`,
    rows: [
      ['agent memory (VmRSS) per idle session', kib(perSession(i.agentRssBefore, i.agentRssAfter, i.sessions))],
      ['sprite cgroup charge per idle session (all of it)', kib(perSession(i.cgroupBefore, i.cgroupAfter, i.sessions))],
      [`sprite wake-ups, no session (${seconds} s)`, rate(i.wakeupsIdle)],
      [`sprite wake-ups, ${2 * i.sessions} detached sessions`, rate(i.wakeupsDetached)],
      ['sprite wake-ups, and one client attached', rate(i.wakeupsAttached)],
      ['  of which the agent: none / detached / attached', `${rate(i.agentWakeupsIdle)} / ${rate(i.agentWakeupsDetached)} / ${rate(i.agentWakeupsAttached)}`],
    ],
  };
}

export function sessionTargets(s: SessionResults): { what: string; target: string; measured: string; met: boolean }[] {
  const sessions = 2 * s.idle.sessions;
  const addedEach = (s.idle.wakeupsDetached - s.idle.wakeupsIdle) / sessions;
  return [
    {
      what: `wake-ups each idle detached session adds (${sessions} of them)`,
      target: `≤ ${SESSION_TARGETS.addedWakeupsPerMinutePerSession} /min`,
      measured: `${addedEach.toFixed(3)} /min`,
      met: addedEach <= SESSION_TARGETS.addedWakeupsPerMinutePerSession,
    },
  ];
}

export function sessionMethod(s: SessionResults): string[] {
  return [
    `- **(o)** one tiny sprite with one detached TTY session (\`sh -c 'echo …; exec sleep …'\`, made with a bare \`ws\` exec that ` +
      `read its \`session_info\` and first line and closed); ${s.attachN} rounds after 3 untimed ones, each: a bare \`ws\` ` +
      'client opens `/exec/{id}` and is timed from the `WebSocket` constructor to the first non-empty binary frame (the replayed ' +
      'scrollback, which follows `session_info`), then closes; a bare `ws` TTY exec of `echo x`, timed the same way to its first ' +
      'output byte; then the same two through the SDK, `sprite.attachSession(id)` and `sprite.spawn("echo", ["x"], {tty: true})`, ' +
      'to their first `stdout` data.',
    `- **(p)** runs first, on the fresh sprite, which never sleeps (\`--idle-timeout 0\`), after one TTY exec (the agent loads its ` +
      'terminal module then) and 10 s of quiet. The context switches (voluntary and not, of every thread of every process in the ' +
      `sprite's cgroup, /proc/*/task/*/status) are counted over ${s.idle.windowMs / 1000} s with no session; then ${s.idle.sessions} idle ` +
      `detached TTY sessions are made, and ${s.idle.sessions} more; then they are counted again, and again with one client attached ` +
      'to one session. A context switch is a thread that woke up: a timer ticking in an idle sprite shows here. The agent\'s VmRSS ' +
      '(its pid found as the only child of the container\'s init) and the sprite\'s cgroup charge, each the median of 5 readings ' +
      `200 ms apart and 2 s after the sessions were made, are read after the first ${s.idle.sessions} and after the second; their ` +
      `difference over ${s.idle.sessions} is the cost of one session (the agent collects garbage only when it allocates, so a ` +
      'reading right after other work would count that work\'s garbage).',
  ];
}

export function sessionAnalysis(r: BenchResults): string[] {
  const s = r.sessions;
  const i = s.idle;
  const m = (x: Summary): string => `${formatMs(x.medianMs)} ms`;
  const [target] = sessionTargets(s);
  return [
    `**Attach** (o). A bare client gets the first replayed byte of a detached session ${m(s.attachFirstByte)} after it starts ` +
      `connecting, against ${m(s.execFirstByte)} for the first output of a new TTY exec; through the SDK, ` +
      `${m(s.sdkAttachFirstByte)} against ${m(s.sdkExecFirstByte)}. An attach needs no process and no terminal: the agent ` +
      'sends `session_info` and then the scrollback it holds, in the same turn of its event loop, so what remains is the two ' +
      'WebSocket handshakes (client → server → agent) that every exec pays too.',
    `**Idle sessions** (p; target ${target?.target ?? ''}: ${target?.met === true ? 'met' : 'not met'}). A detached session costs the ` +
      `agent about ${kib(perSession(i.agentRssBefore, i.agentRssAfter, i.sessions))} of memory (its terminal, its bookkeeping and the ` +
      'first block of its scrollback, which grows only with output, to 256 KiB), and the sprite ' +
      `${kib(perSession(i.cgroupBefore, i.cgroupAfter, i.sessions))} in all (the waiting process and its terminal too). The sprite ` +
      `woke ${rate(i.wakeupsIdle)} with no session and ${rate(i.wakeupsDetached)} with ${2 * i.sessions} detached ones (the agent ` +
      `alone ${rate(i.agentWakeupsIdle)} and ${rate(i.agentWakeupsDetached)}): a detached session sets no timer (its rate meter ` +
      'and the pruning of ended sessions run only when asked), so nothing ticks. Most of what remains is tini, the sprite\'s ' +
      'PID 1, which wakes once a second to reap orphans whether or not there are sessions. With a client attached the sprite ' +
      `woke ${rate(i.wakeupsAttached)}: the agent sends an empty frame every 15 s on an attached socket, which the SDK needs ` +
      'to keep it open.',
  ];
}
