import { spawn, type ChildProcess } from 'node:child_process';
import { signalNumber } from '../../shared/control-messages.js';
import { HobError } from '../../shared/errors.js';
import type { AgentSettings, ServiceJson, ServiceStateJson, ServiceStatus } from '../../shared/protocol.js';
import { lookUpAccount } from '../exec/account.js';
import { exitCodeOf } from '../exec/command.js';
import { launchFor } from '../exec/launch.js';
import { launchProblem } from '../exec/launch-failure.js';
import { preferForOomKill } from '../exec/oom.js';
import { signalSession } from '../exec/process-group.js';
import { errorText, type Log } from '../log.js';
import type { ServiceDefinition } from './definition.js';
import type { ServiceOutput } from './output.js';

/**
 * A crashed service is restarted after RESTART_BASE_DELAY_MS, doubling with each crash in a row
 * up to RESTART_MAX_DELAY_MS; one that ran for STABLE_RUN_MS before it crashed starts over at
 * the base delay. A restart waits on a timer only while one is due: an idle sprite stays idle.
 */
export const RESTART_BASE_DELAY_MS = 500;
export const RESTART_MAX_DELAY_MS = 30_000;
export const STABLE_RUN_MS = 10_000;
/** How long after it starts a service's http_port may refuse connections before a dial to it gives up waiting. */
export const HTTP_WARMUP_MS = 10_000;

export function restartDelayMs(crashesInRow: number): number {
  return Math.min(RESTART_MAX_DELAY_MS, RESTART_BASE_DELAY_MS * 2 ** Math.min(Math.max(crashesInRow - 1, 0), 16));
}

export interface RunnerDeps {
  readonly log: Log;
  readonly output: ServiceOutput;
  /** Read at each start: a warm spare's settings change when it is handed over. */
  readonly settings: () => AgentSettings;
  /** In a sprite: services are the OOM killer's first choice, as execs are. */
  readonly sandboxed: boolean;
}

/**
 * One service's processes: started in a session and process group of its own, with its output
 * piped into its logs; restarted with backoff when it exits by itself; stopped with SIGTERM to
 * its whole session and SIGKILL after a grace period. When its main process exits, whatever is
 * left of its session is killed, so a restart never meets its predecessor's children (a process
 * that left the session with setsid is a daemon of its own and is not followed).
 */
export class ServiceRunner {
  private status: ServiceStatus = 'stopped';
  private child: ChildProcess | undefined;
  private startedAt: Date | undefined;
  private error: string | undefined;
  private restartCount = 0;
  private crashesInRow = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextRestartAt: Date | undefined;
  private readonly exitWaiters = new Set<() => void>();

  constructor(
    public definition: ServiceDefinition,
    private readonly deps: RunnerDeps,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  get output(): ServiceOutput {
    return this.deps.output;
  }

  /** Running, or about to run again after a crash: what stop applies to. */
  get active(): boolean {
    return this.status === 'running' || this.status === 'starting' || this.restartTimer !== undefined;
  }

  get running(): boolean {
    return this.status === 'running';
  }

  toJson(): ServiceJson {
    const { name, cmd, args, env, dir, needs, http_port: httpPort, user } = this.definition;
    return {
      name,
      cmd,
      args: [...args],
      env: { ...env },
      ...(dir === undefined ? {} : { dir }),
      needs: [...needs],
      ...(httpPort === undefined ? {} : { http_port: httpPort }),
      ...(user === undefined ? {} : { user }),
      state: this.state(),
    };
  }

  state(): ServiceStateJson {
    return {
      name: this.name,
      status: this.status,
      ...(this.child?.pid === undefined ? {} : { pid: this.child.pid }),
      ...(this.startedAt === undefined ? {} : { started_at: this.startedAt.toISOString() }),
      ...(this.error === undefined ? {} : { error: this.error }),
      restart_count: this.restartCount,
      ...(this.nextRestartAt === undefined ? {} : { next_restart_at: this.nextRestartAt.toISOString() }),
    };
  }

  /** Whether a refused dial to `port` should be tried again: it is this service's http_port and it has only just started. */
  comingUp(port: number, nowMs: number): boolean {
    if (this.definition.http_port !== port) return false;
    return this.status === 'starting' || (this.status === 'running' && this.startedAt !== undefined && nowMs - this.startedAt.getTime() < HTTP_WARMUP_MS);
  }

  /** Starts it now, forgetting its crashes (an API start, a boot); refused while it runs. */
  start(): void {
    if (this.status === 'running' || this.status === 'starting' || this.status === 'stopping') throw new HobError('conflict', `service ${this.name} is ${this.status}; restart it to start it again`);
    this.cancelRestart();
    this.restartCount = 0;
    this.crashesInRow = 0;
    this.launch();
  }

  /**
   * Stops it: SIGTERM to its whole session, SIGKILL after `timeoutMs`. A restart that was due is
   * called off. Refused if it is not running.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.status !== 'running') {
      if (this.restartTimer === undefined) throw new HobError('conflict', `service ${this.name} is not running (it is ${this.status})`);
      this.cancelRestart();
      this.setStopped();
      return;
    }
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.status = 'stopping';
    this.deps.output.emit({ type: 'stopping', timestamp: Date.now() });
    this.deps.log('service_stopping', { name: this.name, pid });
    const exited = this.nextExit();
    signalSession(pid, 'SIGTERM');
    // A stopped (SIGSTOP) process acts on SIGTERM only once continued.
    signalSession(pid, 'SIGCONT');
    const killer = setTimeout(() => signalSession(pid, 'SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(killer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (this.status !== 'running' || pid === undefined) throw new HobError('conflict', `service ${this.name} is not running (it is ${this.status})`);
    try {
      process.kill(pid, signal);
    } catch (err) {
      throw new HobError('conflict', `service ${this.name} could not be signalled: ${errorText(err)}`);
    }
  }

  /** The agent is stopping: the service goes with it, and nothing is recorded (it starts again at the next boot). */
  async shutdown(graceMs: number): Promise<void> {
    this.cancelRestart();
    if (this.status === 'running') await this.stop(graceMs);
  }

  private launch(): void {
    this.status = 'starting';
    this.error = undefined;
    const settings = this.deps.settings();
    const user = this.definition.user ?? settings.user;
    const account = lookUpAccount(user);
    if (account === undefined) {
      this.fail(`this sprite has no user ${JSON.stringify(user)} in its /etc/passwd`);
      return;
    }
    const launch = launchFor({ argv: [this.definition.cmd, ...this.definition.args], env: { ...settings.environment, ...this.definition.env }, dir: this.definition.dir }, account);
    const problem = launchProblem(launch.file, launch.env.PATH, launch.cwd);
    if (problem !== undefined) {
      this.fail(problem.message);
      return;
    }
    let child: ChildProcess;
    try {
      // Own session and process group, so a stop reaches everything it started.
      child = spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...launch.ids });
    } catch (err) {
      this.fail(`hob: ${launch.file}: ${errorText(err)}`);
      return;
    }
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports EACCES and the like through 'error' on the next tick.
      child.once('error', (err) => this.fail(launchProblem(launch.file, launch.env.PATH, launch.cwd, err)?.message ?? `hob: ${launch.file}: ${err.message}`));
      child.stdout?.destroy();
      child.stderr?.destroy();
      return;
    }
    this.child = child;
    this.status = 'running';
    this.startedAt = new Date();
    if (this.deps.sandboxed) preferForOomKill(pid);
    const { output } = this.deps;
    // Read until EOF even after the process exits: a child that left its session may still write.
    child.stdout?.on('data', (chunk: Buffer) => output.write('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.write('stderr', chunk));
    child.stdout?.on('error', () => {});
    child.stderr?.on('error', () => {});
    child.on('error', (err) => this.deps.log('service_error', { name: this.name, error: errorText(err) }));
    child.once('exit', (code, signal) => this.onExit(pid, code, signal));
    output.emit({ type: 'started', timestamp: this.startedAt.getTime() });
    this.deps.log('service_start', { name: this.name, pid, cmd: this.definition.cmd });
  }

  private onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    // What is left of its session: a restart must not meet it, a stop must not leave it.
    signalSession(pid, 'SIGKILL');
    this.child = undefined;
    const exitCode = exitCodeOf(code, signal === null ? undefined : signalNumber(signal));
    const nowMs = Date.now();
    this.deps.output.emit({ type: 'exit', exit_code: exitCode, timestamp: nowMs });
    this.deps.log('service_exit', { name: this.name, pid, exit_code: exitCode, stopping: this.status === 'stopping' });
    if (this.status === 'stopping') {
      this.setStopped();
    } else {
      const ranMs = this.startedAt === undefined ? 0 : nowMs - this.startedAt.getTime();
      this.crashesInRow = ranMs >= STABLE_RUN_MS ? 1 : this.crashesInRow + 1;
      const delayMs = restartDelayMs(this.crashesInRow);
      this.status = 'failed';
      this.error = signal === null ? `exited with status ${code ?? exitCode}` : `killed by ${signal}`;
      this.nextRestartAt = new Date(nowMs + delayMs);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.nextRestartAt = undefined;
        this.restartCount++;
        this.launch();
      }, delayMs);
    }
    for (const wake of this.exitWaiters) wake();
    this.exitWaiters.clear();
  }

  private nextExit(): Promise<void> {
    return new Promise((resolve) => this.exitWaiters.add(resolve));
  }

  private setStopped(): void {
    this.status = 'stopped';
    this.deps.output.emit({ type: 'stopped', timestamp: Date.now() });
  }

  /** It cannot start as defined (no such command, user or directory): it stays failed until started again. */
  private fail(message: string): void {
    this.status = 'failed';
    this.error = message;
    this.child = undefined;
    this.deps.output.emit({ type: 'error', data: message, timestamp: Date.now() });
    this.deps.log('service_failed', { name: this.name, error: message });
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.nextRestartAt = undefined;
  }
}
