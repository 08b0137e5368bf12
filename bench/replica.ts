/**
 * The server's create path replayed by hand, step by step, with a clock around each step, so
 * the bench can say where create → first exec spends its time without timing code in src/.
 * Every step does what SpriteService.create / RuncRuntime.start do, with the server's own
 * artefacts: its image subvolume, its agent runtime dir and the OCI config it generated for a
 * real sprite (copied with a new id, root, run dir and cgroup). The stop that ends each run is
 * RuncRuntime.destroy itself, which every restore and destroy pays. The same config, with
 * `args: ["/bin/true"]`, is the `runc run` reference.
 */
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentLink } from '../src/server/agent-link/link.js';
import { UnixSocketTransport } from '../src/server/agent-link/unix-socket.js';
import { RuncRuntime } from '../src/server/runtimes/runc/index.js';
import type { OciSpec } from '../src/server/runtimes/runc/spec.js';
import { agentExecTrue, mustSucceed, runLocal } from './exec-clients.js';

export const PHASES = ['snapshot', 'runcRun', 'agentBoot', 'firstExec', 'secondExec', 'stop'] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_LABELS: Record<Phase, string> = {
  snapshot: 'btrfs snapshot of the image',
  runcRun: '`runc run -d` (container up, init started)',
  agentBoot: 'agent boot (node start → /health answers)',
  firstExec: 'first exec `true` on the agent socket',
  secondExec: 'second exec `true` on the agent socket',
  stop: 'stop: `RuncRuntime.destroy` (kill, wait, delete)',
};

const AGENT_RUN_MOUNT = '/.hob/run';

export interface ReplicaOptions {
  dataDir: string;
  prefix: string;
  /** The config.json the server wrote for a running sprite. */
  template: OciSpec;
  imagePath: string;
}

export class Replica {
  private readonly benchDir: string;
  private readonly bundlesDir: string;
  private readonly snapshotsDir: string;
  private readonly runcRoot: string;
  private readonly uid: number;
  private readonly runtime: RuncRuntime;
  private readonly containers = new Set<string>();
  private readonly subvolumes = new Set<string>();
  private refBundle: string | undefined;

  constructor(private readonly options: ReplicaOptions) {
    // Ids start with the run's prefix, and the server's runc root is reused, so the test
    // helpers' cleanupDataDir removes whatever a crashed bench leaves behind.
    this.runcRoot = join(options.dataDir, 'runc');
    this.benchDir = join(options.dataDir, 'bench');
    this.bundlesDir = join(this.benchDir, 'bundles');
    this.snapshotsDir = join(options.dataDir, 'pool', 'bench');
    for (const dir of [this.benchDir, this.snapshotsDir]) mkdirSync(dir, { recursive: true, mode: 0o711 });
    const mapping = options.template.linux.uidMappings[0];
    if (mapping === undefined) throw new Error('the template spec has no uid mapping');
    this.uid = mapping.hostID;
    // Bundles laid out as the server lays them out (<bundles>/<id>, init.pid inside), so its destroy finds them.
    this.runtime = new RuncRuntime(this.runcRoot, this.bundlesDir, this.uid);
  }

  private runc(args: string[], stdio: 'ignore' | number = 'ignore'): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn('runc', ['--root', this.runcRoot, ...args], { stdio: ['ignore', stdio, stdio] });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
  }

  /** A sprite's pieces, laid out the way the server lays them out. */
  private prepare(name: string, args?: string[]): { id: string; root: string; bundle: string; runDir: string; log: string } {
    const id = `${this.options.prefix}-${name}`;
    const root = join(this.snapshotsDir, name);
    const bundle = join(this.bundlesDir, id);
    const runDir = join(this.benchDir, `run-${name}`);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    chownSync(runDir, this.uid, this.uid);
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    const spec = structuredClone(this.options.template);
    spec.root.path = root;
    spec.hostname = name;
    spec.linux.cgroupsPath = `/${id}`;
    if (args !== undefined) spec.process.args = args;
    const runMount = spec.mounts.find((m) => m.destination === AGENT_RUN_MOUNT);
    if (runMount === undefined) throw new Error(`the template spec has no ${AGENT_RUN_MOUNT} mount`);
    runMount.source = runDir;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    return { id, root, bundle, runDir, log: join(this.benchDir, `${name}.log`) };
  }

  private async snapshot(root: string): Promise<void> {
    this.subvolumes.add(root);
    await mustSucceed('btrfs snapshot', runLocal('btrfs', ['-q', 'subvolume', 'snapshot', this.options.imagePath, root], 'ignore'));
  }

  /** One create → first exec, by hand, then the server's stop. Returns the duration of each phase, in ms. */
  async createOnce(n: number): Promise<Partial<Record<Phase, number>>> {
    const p = this.prepare(`bench-c${n}`);
    const times: Partial<Record<Phase, number>> = {};
    let mark = performance.now();
    const lap = (phase: Phase): void => {
      const now = performance.now();
      times[phase] = now - mark;
      mark = now;
    };
    await this.snapshot(p.root);
    lap('snapshot');
    this.containers.add(p.id);
    const logFd = openSync(p.log, 'a', 0o600);
    try {
      const code = await this.runc(['run', '-d', '--pid-file', join(p.bundle, 'init.pid'), '--bundle', p.bundle, p.id], logFd);
      if (code !== 0) throw new Error(`runc run -d ${p.id} exited with ${code}: ${readFileSync(p.log, 'utf8').slice(-2000)}`);
    } finally {
      closeSync(logFd);
    }
    lap('runcRun');
    await waitForHealth(join(p.runDir, 'agent.sock'), this.uid);
    lap('agentBoot');
    await mustSucceed('first exec', agentExecTrue(join(p.runDir, 'agent.sock')));
    lap('firstExec');
    await mustSucceed('second exec', agentExecTrue(join(p.runDir, 'agent.sock')));
    lap('secondExec');
    await this.runtime.destroy(p.id);
    this.containers.delete(p.id);
    lap('stop');
    await this.dropSnapshot(p.root);
    return times;
  }

  /** `runc run` (foreground, so create + start + wait + delete) of /bin/true with the sprite's spec. */
  async runcTrue(n: number): Promise<void> {
    if (this.refBundle === undefined) {
      const p = this.prepare('bench-ref', ['/bin/true']);
      await this.snapshot(p.root);
      this.refBundle = p.bundle;
    }
    const id = `${this.options.prefix}-bench-r${n < 0 ? `w${-n}` : n}`;
    // A foreground run removes its container when the process exits.
    const code = await this.runc(['run', '--bundle', this.refBundle, id]);
    if (code !== 0) throw new Error(`runc run ${id} exited with ${code}`);
  }

  private async dropSnapshot(root: string): Promise<void> {
    if (existsSync(root)) await runLocal('btrfs', ['-q', 'subvolume', 'delete', root], 'ignore');
    this.subvolumes.delete(root);
  }

  /** Removes every container and snapshot this replica made; safe to call more than once. */
  async cleanup(): Promise<void> {
    for (const id of [...this.containers]) await this.runc(['delete', '--force', id]);
    this.containers.clear();
    for (const root of [...this.subvolumes]) {
      if (existsSync(root)) await runLocal('btrfs', ['-q', 'subvolume', 'delete', root], 'ignore');
    }
    this.subvolumes.clear();
    rmSync(this.benchDir, { recursive: true, force: true });
  }
}

/** Polls the agent's health every millisecond (the server watches for its socket, then asks). */
async function waitForHealth(socket: string, ownerUid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    if (existsSync(socket)) {
      try {
        await new AgentLink(new UnixSocketTransport(socket, ownerUid), 'replica').health(1000);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    await sleep(1);
  }
  throw new Error(`the agent at ${socket} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
