import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnixSocketTransport } from '../../agent-link/unix-socket.js';
import type { AgentTransport } from '../../agent-link/transport.js';
import type { Runtime, RuntimeCapabilities, SandboxSpec, SandboxState } from '../runtime.js';
import { runCommand, CommandError } from '../../util/command.js';
import { SPRITE_DIR_LINKS } from '../../../shared/services.js';
import { AGENT_SOCKET_NAME, buildOciSpec, cgroupLimits, cgroupPathOf, mountPointsInSpriteDir } from './spec.js';
import { CgroupFreezer } from './freezer.js';

/**
 * Sprites as runc containers. runc keeps its state under a directory of Hob's own (`--root`),
 * so Hob sees only its containers and two servers on one host never meet.
 */
export class RuncRuntime implements Runtime {
  readonly name = 'runc';
  readonly capabilities: RuntimeCapabilities = { freeze: true, memorySnapshot: false };

  constructor(
    private readonly stateDir: string,
    private readonly bundlesDir: string,
    private readonly uidOffset: number,
  ) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(bundlesDir, { recursive: true, mode: 0o700 });
    raiseKeyQuota();
  }

  private runc(args: string[], options?: { allowFailure?: boolean }) {
    return runCommand('runc', ['--root', this.stateDir, ...args], { timeoutMs: 30_000, ...options });
  }

  agentTransport(sandbox: Pick<SandboxSpec, 'runDir'>): AgentTransport {
    // The agent is told to listen at AGENT_SOCKET_IN_SPRITE, which is this file through the run-dir mount.
    return new UnixSocketTransport(join(sandbox.runDir, AGENT_SOCKET_NAME), this.uidOffset);
  }

  async start(spec: SandboxSpec): Promise<void> {
    const bundle = join(this.bundlesDir, spec.id);
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    const oci = buildOciSpec(spec, this.uidOffset);
    for (const mountPoint of mountPointsInSpriteDir(oci)) mkdirSync(join(spec.spriteDir, mountPoint), { recursive: true, mode: 0o755 });
    linkIntoSprite(spec.spriteDir);
    await writeFile(join(bundle, 'config.json'), JSON.stringify(oci));
    // A leftover container of the same id (from a crash) would make `run` fail; it is stale by
    // definition here. Checked on disk first: asking runc costs tens of milliseconds per start.
    if (existsSync(join(this.stateDir, spec.id))) await this.runc(['delete', '--force', spec.id], { allowFailure: true });
    const logFd = openSync(spec.logFile, 'a', 0o600);
    const logStart = fstatSync(logFd).size;
    try {
      await new Promise<void>((resolve, reject) => {
        // `run -d` returns once the container's init has started. The container inherits runc's
        // stdio, so all three point at the log file: a pipe would tie the sandbox to this
        // process (and never close while the sandbox runs).
        const child = spawn('runc', ['--root', this.stateDir, 'run', '-d', '--pid-file', join(bundle, 'init.pid'), '--bundle', bundle, spec.id], {
          stdio: ['ignore', logFd, logFd],
        });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          if (code === 0) resolve();
          else {
            const output = readFrom(spec.logFile, logStart);
            const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with status ${code}`;
            reject(new CommandError(`runc run ${spec.id} ${how}: ${output.trim()}`, code, output));
          }
        });
      });
    } finally {
      closeSync(logFd);
    }
  }

  async updateResources(id: string, resources: SandboxSpec['resources']): Promise<void> {
    const limits = cgroupLimits(resources);
    await this.runc([
      'update',
      '--memory',
      String(limits.memory.limit),
      // -1 clears a soft limit an earlier policy set.
      '--memory-reservation',
      String(limits.memory.reservation ?? -1),
      '--cpu-quota',
      String(limits.cpu.quota),
      '--cpu-period',
      String(limits.cpu.period),
      '--pids-limit',
      String(limits.pids.limit),
      id,
    ]);
  }

  async setHostname(id: string, hostname: string): Promise<void> {
    const pid = readInitPid(join(this.bundlesDir, id));
    if (pid === undefined) throw new Error(`container ${id} has no init pid`);
    // Host root enters only the sandbox's UTS namespace: the sandbox itself lacks CAP_SYS_ADMIN for it.
    await runCommand('nsenter', ['--target', String(pid), '--uts', '--', 'hostname', hostname], { timeoutMs: 10_000 });
  }

  freeze(id: string, timeoutMs: number): Promise<boolean> {
    return new CgroupFreezer(cgroupPathOf(id)).freeze(timeoutMs);
  }

  thaw(id: string): Promise<void> {
    return new CgroupFreezer(cgroupPathOf(id)).thaw();
  }

  cgroupPath(id: string): string {
    return cgroupPathOf(id);
  }

  /**
   * Kills the sandbox's init and waits for it, then deletes the container. `runc delete --force`
   * would do both, but sleeps 100 ms after its SIGKILL before looking again; this is ~5x faster,
   * and every restore and destroy pays it. Init is PID 1 of the sandbox's pid namespace, so the
   * kernel kills every other process in it too.
   */
  async destroy(id: string): Promise<void> {
    const known = () => existsSync(join(this.stateDir, id));
    if (known()) {
      // A frozen process cannot die.
      await new CgroupFreezer(cgroupPathOf(id)).thaw();
      const pid = readInitPid(join(this.bundlesDir, id));
      const killed = await this.runc(['kill', id, 'KILL'], { allowFailure: true });
      if (killed.exitCode === 0 && pid !== undefined) await waitForExit(pid, INIT_EXIT_TIMEOUT_MS);
      await this.runc(['delete', id], { allowFailure: true });
      if (known()) await this.runc(['delete', '--force', id], { allowFailure: true });
      if (known()) throw new Error(`runc could not remove container ${id} (state ${await this.state(id)})`);
    }
    await rm(join(this.bundlesDir, id), { recursive: true, force: true });
  }

  async state(id: string): Promise<SandboxState> {
    const result = await this.runc(['state', id], { allowFailure: true });
    if (result.exitCode !== 0) return 'missing';
    return parseState(JSON.parse(result.stdout) as { status?: unknown }); // runc state prints one JSON object
  }

  async list(prefix: string): Promise<{ id: string; state: SandboxState }[]> {
    const result = await this.runc(['list', '--format', 'json']);
    // runc prints `null` when it holds no containers.
    const entries = (JSON.parse(result.stdout || 'null') ?? []) as { id: string; status?: unknown }[]; // runc list --format json
    return entries.filter((entry) => entry.id.startsWith(prefix)).map((entry) => ({ id: entry.id, state: parseState(entry) }));
  }
}

const INIT_EXIT_TIMEOUT_MS = 5000;

/** The host pid of a sandbox's init, from the pid file `runc run` wrote in its bundle. */
function readInitPid(bundle: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(bundle, 'init.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once `pid` has exited (gone, or a zombie waiting for the host's init), or after `timeoutMs`. */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    // The state letter follows the command name, which is in parentheses and may hold spaces.
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return;
    await sleep(2);
  }
}

function parseState(entry: { status?: unknown }): SandboxState {
  switch (entry.status) {
    case 'running':
      return 'running';
    case 'paused':
      return 'paused';
    case 'created':
    case 'creating':
      return 'creating';
    default:
      return 'stopped';
  }
}

/**
 * /.sprite/logs and /.sprite/services, the paths Sprites documents, as links into the sprite's
 * own root: they resolve inside the sprite's mount namespace, so they reach its own files only,
 * and the sprite cannot change them (the directory is the host's, mounted read-only).
 */
function linkIntoSprite(spriteDir: string): void {
  for (const [name, target] of Object.entries(SPRITE_DIR_LINKS)) {
    const path = join(spriteDir, name);
    let current: string | undefined;
    try {
      current = readlinkSync(path);
    } catch {
      current = undefined;
    }
    if (current === target) continue;
    rmSync(path, { recursive: true, force: true });
    symlinkSync(target, path);
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString().slice(-4000);
  } catch {
    return '';
  }
}

/**
 * Every sprite's init makes a session keyring, and all of them belong to one host uid (a
 * sprite's root), whose kernel key quota (kernel.keys.maxkeys, 200 by default) would stop the
 * ~200th sprite from booting ("unable to create session key: disk quota exceeded"). Raised,
 * never lowered, at start; the bytes quota goes with it.
 */
const KEY_QUOTA = { maxkeys: 20_000, maxbytes: 2_000_000 };

function raiseKeyQuota(): void {
  for (const [name, wanted] of Object.entries(KEY_QUOTA)) {
    const file = `/proc/sys/kernel/keys/${name}`;
    if (Number(readFileSync(file, 'utf8')) < wanted) writeFileSync(file, String(wanted));
  }
}
