import { HobError } from '../../shared/errors.js';
import type { AgentSettings, ServiceJson } from '../../shared/protocol.js';
import { MAX_SERVICES } from '../../shared/services.js';
import type { Log } from '../log.js';
import type { ServiceDefinition } from './definition.js';
import { checkNeeds, startOrder } from './order.js';
import { ServiceOutput } from './output.js';
import { ServiceRunner } from './runner.js';
import { DefinitionStore } from './store.js';

export interface SupervisorDeps {
  /** Where definitions are kept (SERVICES_DIR in a sprite). */
  readonly servicesDir: string;
  /** Where logs are written (SERVICE_LOGS_DIR in a sprite). */
  readonly logsDir: string;
  readonly settings: () => AgentSettings;
  readonly sandboxed: boolean;
  readonly log: Log;
}

/**
 * The sprite's services: their definitions (kept in the sprite's own files) and a runner each.
 * Definition changes are checked and saved synchronously, so two requests never see each other
 * half-way; starting and stopping processes is ordered per service.
 */
export class Supervisor {
  private readonly runners = new Map<string, ServiceRunner>();
  private readonly store: DefinitionStore;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: SupervisorDeps) {
    this.store = new DefinitionStore(deps.servicesDir, deps.log);
  }

  /**
   * Loads the definitions and starts every service not stopped on purpose, each after the ones
   * it needs. Synchronous (spawning is), so the agent calls it before it answers anything: no
   * request meets a sprite whose services have not been started.
   */
  startAll(): void {
    const definitions = this.store.load();
    for (const definition of definitions) this.runners.set(definition.name, this.runnerFor(definition));
    const { order, unplaceable } = startOrder(definitions);
    for (const name of unplaceable) this.deps.log('service_needs_unmet', { name });
    for (const name of [...order, ...unplaceable]) {
      const runner = this.runners.get(name);
      if (runner !== undefined && runner.definition.stopped !== true) runner.start();
    }
    if (definitions.length > 0) this.deps.log('services_started', { count: definitions.length, order: [...order, ...unplaceable] });
  }

  list(): ServiceJson[] {
    return [...this.runners.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((runner) => runner.toJson());
  }

  get(name: string): ServiceJson {
    return this.runner(name).toJson();
  }

  /** The runner of a service, for following its output. */
  runner(name: string): ServiceRunner {
    const runner = this.runners.get(name);
    if (runner === undefined) throw new HobError('not_found', `no service ${name} in this sprite`);
    return runner;
  }

  /**
   * Creates or replaces a service and (re)starts it. Refused before anything changes: needs that
   * do not exist or make a cycle, a second http_port, too many services. Returns the runner at
   * once, so the caller can follow it; `done` settles once it has been started.
   */
  put(definition: ServiceDefinition): { runner: ServiceRunner; done: Promise<void> } {
    const others = [...this.runners.values()].filter((runner) => runner.name !== definition.name).map((runner) => runner.definition);
    if (!this.runners.has(definition.name) && this.runners.size >= MAX_SERVICES) throw new HobError('conflict', `a sprite has at most ${MAX_SERVICES} services; delete one first`);
    checkNeeds(definition, others);
    const portOwner = definition.http_port === undefined ? undefined : others.find((other) => other.http_port !== undefined);
    if (portOwner !== undefined) throw new HobError('conflict', `another service already has an HTTP port configured (${portOwner.name}, port ${String(portOwner.http_port)}); only one service may have an http_port`);
    this.store.save(definition);
    const existing = this.runners.get(definition.name);
    const runner = existing ?? this.runnerFor(definition);
    // Replaced at once, so the next request checks against it; the process it runs changes below.
    runner.definition = definition;
    this.runners.set(definition.name, runner);
    const done = this.queue(definition.name, async () => {
      if (runner.active) await runner.stop(DEFAULT_REPLACE_TIMEOUT_MS);
      runner.start();
    });
    return { runner, done };
  }

  /** Stops a service and forgets it; refused while another service needs it. */
  async delete(name: string): Promise<void> {
    const runner = this.runner(name);
    const dependents = [...this.runners.values()].filter((other) => other.definition.needs.includes(name)).map((other) => other.name);
    if (dependents.length > 0) throw new HobError('conflict', `service ${name} is needed by ${dependents.join(', ')}; delete or change ${dependents.length === 1 ? 'it' : 'them'} first`);
    this.store.remove(name);
    this.runners.delete(name);
    await this.queue(name, async () => {
      if (runner.active) await runner.stop(DEFAULT_REPLACE_TIMEOUT_MS);
      runner.output.close();
    });
  }

  start(name: string): { runner: ServiceRunner; done: Promise<void> } {
    const runner = this.runner(name);
    if (runner.running) throw new HobError('conflict', `service ${name} is running already; restart it to start it again`);
    return { runner, done: this.queue(name, () => {
      this.remember(runner, false);
      runner.start();
      return Promise.resolve();
    }) };
  }

  /** Stops a service and keeps it stopped (across boots too) until it is started again. */
  stop(name: string, timeoutMs: number): { runner: ServiceRunner; done: Promise<void> } {
    const runner = this.runner(name);
    if (!runner.active) throw new HobError('conflict', `service ${name} is not running`);
    return { runner, done: this.queue(name, async () => {
      this.remember(runner, true);
      await runner.stop(timeoutMs);
    }) };
  }

  restart(name: string, timeoutMs: number): { runner: ServiceRunner; done: Promise<void> } {
    const runner = this.runner(name);
    return { runner, done: this.queue(name, async () => {
      if (runner.active) await runner.stop(timeoutMs);
      this.remember(runner, false);
      runner.start();
    }) };
  }

  signal(name: string, signal: NodeJS.Signals): void {
    this.runner(name).signal(signal);
  }

  /** Whether a refused dial to `port` should be retried: a service serving it has just started. */
  comingUp(port: number): boolean {
    const nowMs = Date.now();
    return [...this.runners.values()].some((runner) => runner.comingUp(port, nowMs));
  }

  async shutdown(graceMs: number): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.shutdown(graceMs)));
  }

  /** Whether it was stopped on purpose, in its definition, so a boot leaves it as it was left. */
  private remember(runner: ServiceRunner, stopped: boolean): void {
    if ((runner.definition.stopped === true) === stopped || !this.runners.has(runner.name)) return;
    const { name, cmd, args, env, dir, needs, http_port: httpPort, user } = runner.definition;
    runner.definition = { name, cmd, args, env, needs, ...(dir === undefined ? {} : { dir }), ...(httpPort === undefined ? {} : { http_port: httpPort }), ...(user === undefined ? {} : { user }), ...(stopped ? { stopped: true } : {}) };
    this.store.save(runner.definition);
  }

  private runnerFor(definition: ServiceDefinition): ServiceRunner {
    const output = new ServiceOutput(this.deps.logsDir, definition.name, this.deps.log);
    return new ServiceRunner(definition, { log: this.deps.log, output, settings: this.deps.settings, sandboxed: this.deps.sandboxed });
  }

  /** Runs `step` after every earlier step for the same service; a failed step does not block the next. */
  private queue(name: string, step: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => undefined);
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return next;
  }
}

/** A replaced or deleted service gets this long to exit after SIGTERM. */
const DEFAULT_REPLACE_TIMEOUT_MS = 10_000;
