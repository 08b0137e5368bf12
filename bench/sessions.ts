/**
 * The sessions bench, each figure next to a reference from the same run: (o) attach to a
 * detached TTY session → the first byte of its replayed scrollback, against a fresh TTY exec →
 * its first byte of output, both through a bare `ws` client and through the SDK; (p) what an idle
 * session costs the sprite: the agent's memory and the sprite's cgroup charge per detached
 * session, and the wake-ups (context switches) of every thread in the sprite per minute with no
 * session, with many detached ones, and with one client attached. (p) runs first, on the fresh
 * sprite, so the work of (o) does not show in its counts. The server runs with
 * `--idle-timeout 0`, so the sprite stays running throughout. cleanup() removes its sprite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpriteCommand, SpritesClient } from '@fly/sprites';
import WebSocket from 'ws';
import type { HobClient } from '../src/client/client.js';
import { cgroupMemory } from './memory.js';
import { spread, summarize, type Summary } from './stats.js';

const ATTACH_WARMUP = 3;
const MEMORY_SAMPLES = 5;
const MEMORY_SAMPLE_GAP_MS = 200;
/** After idle sessions are made, before anything is read: their start-up work has settled by then. */
const SETTLE_MS = 2000;
/** Before the idle sprite's wake-ups are counted: the background work of its start-up (JIT, GC) is over by then. */
const IDLE_SETTLE_MS = 10_000;
const SCROLLBACK_LINE = 'scrollback-line';

export interface SessionResults {
  attachN: number;
  /** (o) bare `ws` attach → first replayed byte. */
  attachFirstByte: Summary;
  /** (o) bare `ws` new TTY exec of `echo` → its first output byte (the reference). */
  execFirstByte: Summary;
  /** (o) SDK attachSession → first stdout data (it waits for session_info first). */
  sdkAttachFirstByte: Summary;
  /** (o) SDK spawn of `echo` with a TTY → first stdout data (the reference). */
  sdkExecFirstByte: Summary;
  idle: IdleCost;
}

export interface IdleCost {
  sessions: number;
  windowMs: number;
  /** The agent's resident memory (VmRSS), bytes: medians of a few readings. */
  agentRssBefore: number;
  agentRssAfter: number;
  /** The sprite's cgroup charge, bytes, before and with the idle sessions. */
  cgroupBefore: number;
  cgroupAfter: number;
  /** Context switches of every thread in the sprite per minute, each state measured over `windowMs`. */
  wakeupsIdle: number;
  wakeupsDetached: number;
  wakeupsAttached: number;
  /** The same for the agent process alone. */
  agentWakeupsIdle: number;
  agentWakeupsDetached: number;
  agentWakeupsAttached: number;
}

export interface SessionBenchOptions {
  hob: HobClient;
  sdk: SpritesClient;
  url: string;
  token: string;
  prefix: string;
  dataDir: string;
  attachN: number;
  idleSessions: number;
  windowMs: number;
  log: (message: string) => void;
}

interface WsSession {
  ws: WebSocket;
  /** Resolves with the id of the session_info the socket starts with. */
  id: Promise<string>;
  /** Resolves at the first non-empty binary frame (output), with the time it came. */
  firstByte: Promise<number>;
  output: () => string;
}

/** A bare `ws` exec or attach socket, with when its first byte of output came. */
function openWs(url: string, token: string): WsSession {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  let text = '';
  let resolveId: (id: string) => void = () => undefined;
  let resolveByte: (at: number) => void = () => undefined;
  const id = new Promise<string>((resolve) => (resolveId = resolve));
  const firstByte = new Promise<number>((resolve, reject) => {
    resolveByte = resolve;
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${String(res.statusCode)}`)));
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      const message = JSON.parse(data.toString()) as { type?: string; session_id?: number }; // the agent's JSON control messages
      if (message.type === 'session_info') resolveId(String(message.session_id));
      return;
    }
    if (data.length === 0) return;
    resolveByte(performance.now());
    text += data.toString();
  });
  return { ws, id, firstByte, output: () => text };
}

function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve();
    else ws.once('close', () => resolve());
  });
}

/** The SDK's own socket is private to TypeScript only; closing it is what a client that goes away does. */
function dropSdk(cmd: SpriteCommand): void {
  (cmd as unknown as { wsCmd: { close(): void } }).wsCmd.close(); // a runtime field of the SDK's SpriteCommand
}

function sdkFirstByte(cmd: SpriteCommand): Promise<number> {
  return new Promise((resolve, reject) => {
    cmd.stdout.once('data', () => resolve(performance.now()));
    cmd.on('error', reject);
  });
}

/** Sum of voluntary and involuntary context switches of every thread of `pids`: each is a thread waking up. */
function contextSwitches(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
        for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) total += Number(match[1]);
      } catch {
        // The thread ended while we looked.
      }
    }
  }
  return total;
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

async function medianOf(read: () => number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    samples.push(read());
    await sleep(MEMORY_SAMPLE_GAP_MS);
  }
  return spread(samples).median;
}

export class SessionsBench {
  private readonly name: string;
  private made = false;

  constructor(private readonly o: SessionBenchOptions) {
    this.name = `${o.prefix}-bench-sessions`;
  }

  async run(): Promise<SessionResults> {
    const { hob, log, attachN, idleSessions, windowMs } = this.o;
    await hob.createSprite({ name: this.name, image: 'tiny' });
    this.made = true;
    const record = await hob.getSprite(this.name);
    const container = `${this.o.prefix}-${record.id}`;

    log(`(p) an idle sprite's wake-ups over ${windowMs / 1000} s; then 2 × ${idleSessions} idle detached sessions: memory, wake-ups, and with one client attached`);
    const idle = await this.idleCost(container);

    log(`(o) attach → first replayed byte, taking turns with a new TTY exec → first byte, bare ws and SDK, ${attachN} times each`);
    const attach = await this.attachRounds();
    await this.cleanup();
    return {
      attachN,
      attachFirstByte: summarize(attach.attach),
      execFirstByte: summarize(attach.exec),
      sdkAttachFirstByte: summarize(attach.sdkAttach),
      sdkExecFirstByte: summarize(attach.sdkExec),
      idle,
    };
  }

  async cleanup(): Promise<void> {
    if (!this.made) return;
    this.made = false;
    await this.o.hob.deleteSprite(this.name).catch(() => undefined);
  }

  private wsUrl(path: string): string {
    return `${this.o.url.replace(/^http/, 'ws')}/v1/sprites/${encodeURIComponent(this.name)}${path}`;
  }

  /** A detached TTY session that printed one line and now only waits; resolves with its id. */
  private async idleSession(): Promise<string> {
    const query = new URLSearchParams([['cmd', 'sh'], ['cmd', '-c'], ['cmd', `echo ${SCROLLBACK_LINE}; exec sleep 1000000`], ['tty', 'true'], ['stdin', 'true']]);
    const session = openWs(this.wsUrl(`/exec?${query.toString()}`), this.o.token);
    const id = await session.id;
    await session.firstByte;
    while (!session.output().includes(SCROLLBACK_LINE)) await sleep(5);
    session.ws.close(1000);
    await closed(session.ws);
    return id;
  }

  private async attachRounds() {
    const { token, attachN } = this.o;
    const sprite = this.o.sdk.sprite(this.name);
    const id = await this.idleSession();
    const echo = new URLSearchParams([['cmd', 'echo'], ['cmd', 'x'], ['tty', 'true'], ['stdin', 'true']]).toString();
    const out = { attach: [] as number[], exec: [] as number[], sdkAttach: [] as number[], sdkExec: [] as number[] };
    for (let i = -ATTACH_WARMUP; i < attachN; i++) {
      let t0 = performance.now();
      const attached = openWs(this.wsUrl(`/exec/${id}`), token);
      const attachMs = (await attached.firstByte) - t0;
      attached.ws.close(1000);
      await closed(attached.ws);

      t0 = performance.now();
      const fresh = openWs(this.wsUrl(`/exec?${echo}`), token);
      const execMs = (await fresh.firstByte) - t0;
      await closed(fresh.ws);

      t0 = performance.now();
      const sdkAttached = sprite.attachSession(id);
      const sdkAttachMs = (await sdkFirstByte(sdkAttached)) - t0;
      dropSdk(sdkAttached);
      await sdkAttached.wait();

      t0 = performance.now();
      const sdkFresh = sprite.spawn('echo', ['x'], { tty: true });
      const sdkExecMs = (await sdkFirstByte(sdkFresh)) - t0;
      await sdkFresh.wait();
      if (i < 0) continue;
      out.attach.push(attachMs);
      out.exec.push(execMs);
      out.sdkAttach.push(sdkAttachMs);
      out.sdkExec.push(sdkExecMs);
    }
    return out;
  }

  private async idleCost(container: string): Promise<IdleCost> {
    const { idleSessions, windowMs, token } = this.o;
    const agent = agentPid(this.o.dataDir, container);
    const procs = (): number[] => cgroupProcs(container);
    const charge = (): number => cgroupMemory(container)?.usageBytes ?? Number.NaN;
    const perMinute = (switches: number): number => (switches * 60_000) / windowMs;
    const window = async (): Promise<{ sprite: number; agent: number }> => {
      const pids = procs();
      const [spriteBefore, agentBefore] = [contextSwitches(pids), contextSwitches([agent])];
      await sleep(windowMs);
      return { sprite: perMinute(contextSwitches(pids) - spriteBefore), agent: perMinute(contextSwitches([agent]) - agentBefore) };
    };
    const makeSessions = async (n: number): Promise<string[]> => {
      const made: string[] = [];
      for (let i = 0; i < n; i++) made.push(await this.idleSession());
      await sleep(SETTLE_MS);
      return made;
    };

    // The agent loads its terminal module on the first TTY exec; that is start-up, not a session's cost.
    await this.idleSession().then((id) => this.kill([id]));
    await sleep(IDLE_SETTLE_MS);
    const idle = await window();

    // Memory is read after a first batch and after a second: the agent's heap is collected only when
    // it allocates, so a reading right after other work would count that work's garbage.
    const ids = await makeSessions(idleSessions);
    const agentRssBefore = await medianOf(() => rssBytes(agent));
    const cgroupBefore = await medianOf(charge);
    ids.push(...(await makeSessions(idleSessions)));
    const agentRssAfter = await medianOf(() => rssBytes(agent));
    const cgroupAfter = await medianOf(charge);
    const detached = await window();

    const attached = openWs(this.wsUrl(`/exec/${ids[0] ?? ''}`), token);
    await attached.firstByte;
    const withClient = await window();
    attached.ws.close(1000);
    await closed(attached.ws);
    await this.kill(ids);
    return {
      sessions: idleSessions,
      windowMs,
      agentRssBefore,
      agentRssAfter,
      cgroupBefore,
      cgroupAfter,
      wakeupsIdle: idle.sprite,
      wakeupsDetached: detached.sprite,
      wakeupsAttached: withClient.sprite,
      agentWakeupsIdle: idle.agent,
      agentWakeupsDetached: detached.agent,
      agentWakeupsAttached: withClient.agent,
    };
  }

  private async kill(ids: readonly string[]): Promise<void> {
    const sprite = this.o.sdk.sprite(this.name);
    for (const id of ids) await (await sprite.killSession(id, 'SIGKILL', '1s')).processAll(() => undefined);
  }
}

/** The agent's pid on the host: the only child of the container's init (tini). */
function agentPid(dataDir: string, container: string): number {
  const state = JSON.parse(execFileSync('runc', ['--root', join(dataDir, 'runc'), 'state', container], { encoding: 'utf8' })) as { pid: number }; // runc's state JSON
  const children = readFileSync(`/proc/${state.pid}/task/${state.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const [pid] = children;
  if (children.length !== 1 || pid === undefined) throw new Error(`the init of ${container} has ${children.length} children, not the agent alone`);
  return pid;
}

/** Every process of the sprite, from its cgroup (v1 memory hierarchy, or the unified one). */
function cgroupProcs(container: string): number[] {
  const file = [join('/sys/fs/cgroup/memory', container, 'cgroup.procs'), join('/sys/fs/cgroup', container, 'cgroup.procs')].find((f) => existsSync(f));
  if (file === undefined) throw new Error(`no cgroup of ${container}`);
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);
}
