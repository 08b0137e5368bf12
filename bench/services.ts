/**
 * The services bench, each figure next to a reference measured in the same run: (s) a service
 * whose http_port the sprite's URL goes to, from the create request until a GET through the URL
 * is served, against the same server (busybox httpd) started by a plain exec and polled through
 * the same URL; (t) what an idle service costs its sprite's agent: the agent's resident memory
 * and its threads' context switches per minute (each one a wake-up), with the service running
 * and, over as long, without it. The sprite is removed by cleanup(), also after a failure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HobClient } from '../src/client/client.js';
import { HobError } from '../src/shared/errors.js';
import { execCollect } from '../test/helpers/fixture.js';
import { urlRequest } from '../test/helpers/sprite-http.js';
import { summarize, type Summary } from './stats.js';

const WARMUP = 2;
/** Between polls of the URL while the plain exec's server comes up: the agent retries a service's port as often. */
const POLL_MS = 10;
const SERVE_TIMEOUT_MS = 10_000;
const PORT = 8080;
const PAGE = 'served\n';
const SETTLE_MS = 20_000;

export interface IdleAgent {
  /** The agent's resident memory, bytes. */
  rssBytes: number;
  /** Context switches of all the agent's threads per minute: how often it woke up. */
  wakeupsPerMinute: number;
}

export interface ServicesResults {
  n: number;
  /** (s) createService (duration 0) → first 200 through the sprite URL. */
  serviceToServing: Summary;
  /** (s) of which the create request, until its stream ended. */
  createRequest: Summary;
  /** (s) exec of the same server in the background → first 200 through the same URL (the reference). */
  execToServing: Summary;
  /** (t) the agent over `idleSeconds`, first with no service, then with one idle service. */
  idleSeconds: number;
  agentAlone: IdleAgent;
  agentWithService: IdleAgent;
}

export interface ServicesBenchOptions {
  hob: HobClient;
  url: string;
  token: string;
  prefix: string;
  n: number;
  idleSeconds: number;
  log: (message: string) => void;
}

export class ServicesBench {
  private sprite: string | undefined;

  constructor(private readonly o: ServicesBenchOptions) {}

  async run(): Promise<ServicesResults> {
    const { hob, prefix, n, idleSeconds, log } = this.o;
    const name = `${prefix}-bench-svc`;
    this.sprite = name;
    const { id } = await hob.createSprite({ name, image: 'tiny' });
    await this.sh(name, `mkdir -p /www && printf '${PAGE}' > /www/index.html`);

    log(`(s) service start → serving through the sprite URL, taking turns with the same server started by an exec, ${n} times each`);
    const out = { service: [] as number[], create: [] as number[], exec: [] as number[] };
    for (let i = -WARMUP; i < n; i++) {
      const startedExec = performance.now();
      await this.sh(name, `setsid httpd -f -p ${PORT} -h /www </dev/null >/dev/null 2>&1 &`);
      await this.untilServed(name, POLL_MS);
      const exec = performance.now() - startedExec;
      await this.sh(name, 'killall httpd; while pidof httpd >/dev/null; do sleep 0.01; done');

      const startedService = performance.now();
      const outcome = await hob.createService(name, 'web', { cmd: 'httpd', args: ['-f', '-p', String(PORT), '-h', '/www'], http_port: PORT }, { duration: '0' }, () => undefined);
      const created = performance.now();
      if (outcome.errors.length > 0) throw new Error(`the bench's service did not start: ${outcome.errors.join('; ')}`);
      // One request: the agent holds the dial until the port listens.
      await this.untilServed(name, POLL_MS);
      const service = performance.now() - startedService;
      await hob.deleteService(name, 'web');
      if (i < 0) continue;
      out.exec.push(exec);
      out.service.push(service);
      out.create.push(created - startedService);
    }

    log(`(t) the agent of an idle sprite for ${idleSeconds} s without a service, then ${idleSeconds} s with an idle one`);
    const container = `${prefix}-${id}`;
    const agentAlone = await idleAgent(container, idleSeconds);
    await hob.createService(name, 'idle', { cmd: 'httpd', args: ['-f', '-p', String(PORT), '-h', '/www'], http_port: PORT }, { duration: '0' }, () => undefined);
    await this.untilServed(name, POLL_MS);
    const agentWithService = await idleAgent(container, idleSeconds);
    await this.cleanup();
    return {
      n,
      serviceToServing: summarize(out.service),
      createRequest: summarize(out.create),
      execToServing: summarize(out.exec),
      idleSeconds,
      agentAlone,
      agentWithService,
    };
  }

  async cleanup(): Promise<void> {
    const name = this.sprite;
    this.sprite = undefined;
    if (name === undefined) return;
    await this.o.hob.deleteSprite(name).catch((error: unknown) => {
      if (error instanceof HobError && (error.code === 'not_found' || error.code === 'sprite_unavailable')) return;
      this.o.log(`deleting ${name}: ${String(error)}`);
    });
  }

  private async sh(name: string, script: string): Promise<void> {
    const result = await execCollect(this.o.hob, name, ['sh', '-c', script]);
    if (result.code !== 0) throw new Error(`${script} exited ${result.code}: ${result.stderr}`);
  }

  /** GETs the sprite's URL until the page comes back; a 502 (nothing listens yet) is tried again after `gapMs`. */
  private async untilServed(name: string, gapMs: number): Promise<void> {
    const deadline = Date.now() + SERVE_TIMEOUT_MS;
    for (;;) {
      const answer = await urlRequest(this.o.url, name, { path: '/index.html', headers: { authorization: `Bearer ${this.o.token}` } });
      if (answer.status === 200 && answer.body.toString() === PAGE) return;
      if (answer.status !== 502 || Date.now() > deadline) throw new Error(`the sprite URL answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
      await sleep(gapMs);
    }
  }
}

/** The agent of a sprite: the process in its cgroup running agent.js (tini, its parent, names agent.js in its arguments too). */
function agentPid(container: string): number {
  const procs = readFileSync(`/sys/fs/cgroup/pids/${container}/cgroup.procs`, 'utf8').split('\n').filter(Boolean);
  const pid = procs.find((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return !(argv[0] ?? '').endsWith('/tini') && argv.some((arg) => arg.endsWith('/agent.js'));
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error(`no agent in ${container}`);
  return Number(pid);
}

function contextSwitches(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
    for (const key of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']) total += Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  }
  return total;
}

function rssBytes(pid: number): number {
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  return kib * 1024;
}

/** Leaves the sprite alone for `seconds` (nothing is asked of it meanwhile) and counts what its agent did. */
async function idleAgent(container: string, seconds: number): Promise<IdleAgent> {
  const pid = agentPid(container);
  // What the requests before left behind settles first: the URL's idle tunnel (closed after 15 s), V8's clean-up after them.
  await sleep(SETTLE_MS);
  const before = contextSwitches(pid);
  await sleep(seconds * 1000);
  const after = contextSwitches(pid);
  return { rssBytes: rssBytes(pid), wakeupsPerMinute: ((after - before) * 60) / seconds };
}
