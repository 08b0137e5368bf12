import Database from 'better-sqlite3';
/**
 * `npm run bench` (as root): starts a private Hob server, builds the tiny image through the API,
 * measures create → first exec and exec round trips through the unmodified @fly/sprites SDK next
 * to runc and child-process references, the `hob` CLI as whole processes next to `node -e 0`
 * (bench/cli.ts), then checkpoint, restore and fork next to copying the same tree
 * (bench/checkpoints.ts), then a GET through a sprite's URL next to the same GET straight to the
 * sprite, and downloads from a server beyond the host by a sprite next to the host itself
 * (bench/network.ts), then warm and cold wakes next to an exec on a running sprite and a cold
 * create, and the memory sleeping sprites hold (bench/wake.ts), then attaching to a session next to a new exec and what idle
 * sessions cost (bench/sessions.ts), then the usage sampler's CPU (bench/metering.ts), then a file written into a sprite and
 * read back through the fs API next to cat through exec and the host's disk (bench/files.ts), prints the results and rewrites
 * BENCHMARKS.md. `npm run bench -- cli` (or `-- sessions`, `-- metering`) measures only that part and prints it, leaving
 * BENCHMARKS.md alone. Everything it made
 * (sprites, containers, cgroups, the pool, the data dir, the download server's namespace) is removed at the end, also when it
 * fails or is interrupted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HobClient } from '../src/client/client.js';
import type { OciSpec } from '../src/server/runtimes/runc/spec.js';
import { sdkClient } from '../test/helpers/sdk.js';
import { REPO_ROOT, cleanupDataDir, ensureImage, makeRunDir, startServer, uniquePrefix, type TestServer } from '../test/helpers/server.js';
import { CheckpointBench } from './checkpoints.js';
import { FilesBench } from './files.js';
import { measureCli, type CliResults } from './cli.js';
import { cliRatios, cliRows, cliTargets } from './cli-report.js';
import { agentExecTrue, mustSucceed, runLocal, serverExecTrue } from './exec-clients.js';
import { loadAverage, machineFacts } from './machine.js';
import { NetworkBench } from './network.js';
import { startOrigin, type Origin } from './origin.js';
import { PHASES, Replica, type Phase } from './replica.js';
import { ratio, renderConsole, renderMarkdown, renderTables, type BenchResults } from './report.js';
import { responseTimes } from './server-log.js';
import { ServicesBench, type ServicesResults } from './services.js';
import { servicesRatios, servicesRows, servicesTargets, servicesValueRows } from './services-report.js';
import { sampleRoundRobin, summarize } from './stats.js';
import { sessionRatios, sessionRows, sessionTargets, sessionValueRows } from './sessions-report.js';
import { SessionsBench } from './sessions.js';
import { WakeBench } from './wake.js';
import { MeteringBench } from './metering.js';
import { meteringRatios, meteringRows, meteringTargets } from './metering-report.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'create-iterations': { type: 'string', default: '20' },
    'exec-iterations': { type: 'string', default: '30' },
    'checkpoint-iterations': { type: 'string', default: '10' },
    'copy-iterations': { type: 'string', default: '3' },
    'cli-iterations': { type: 'string', default: '30' },
    'url-requests': { type: 'string', default: '300' },
    'wake-iterations': { type: 'string', default: '30' },
    'cold-wake-iterations': { type: 'string', default: '10' },
    'memory-sprites': { type: 'string', default: '20' },
    'session-iterations': { type: 'string', default: '30' },
    'idle-sessions': { type: 'string', default: '50' },
    'idle-window-s': { type: 'string', default: '60' },
    'metering-empty-cgroups': { type: 'string', default: '200' },
    'metering-sprites': { type: 'string', default: '20' },
    'metering-samples': { type: 'string', default: '20' },
    'service-iterations': { type: 'string', default: '20' },
    'service-idle-seconds': { type: 'string', default: '60' },
    'no-write': { type: 'boolean', default: false },
  },
});
const part = positionals[0];
if (positionals.length > 1 || (part !== undefined && !['cli', 'sessions', 'metering', 'services'].includes(part))) {
  process.stderr.write('bench: the parts that run alone are `cli`, `sessions`, `metering` and `services` (npm run bench -- cli)\n');
  process.exit(2);
}
const createN = positiveInt(flags['create-iterations'], 'create-iterations');
const execN = positiveInt(flags['exec-iterations'], 'exec-iterations');
const checkpointN = positiveInt(flags['checkpoint-iterations'], 'checkpoint-iterations');
const copyN = positiveInt(flags['copy-iterations'], 'copy-iterations');
const cliN = positiveInt(flags['cli-iterations'], 'cli-iterations');
const urlN = positiveInt(flags['url-requests'], 'url-requests');
const wakeN = positiveInt(flags['wake-iterations'], 'wake-iterations');
const coldWakeN = positiveInt(flags['cold-wake-iterations'], 'cold-wake-iterations');
const memorySprites = positiveInt(flags['memory-sprites'], 'memory-sprites');
const sessionN = positiveInt(flags['session-iterations'], 'session-iterations');
const idleSessions = positiveInt(flags['idle-sessions'], 'idle-sessions');
const idleWindowMs = positiveInt(flags['idle-window-s'], 'idle-window-s') * 1000;
const meteringEmptyN = positiveInt(flags['metering-empty-cgroups'], 'metering-empty-cgroups');
const meteringSpriteN = positiveInt(flags['metering-sprites'], 'metering-sprites');
const meteringSamples = positiveInt(flags['metering-samples'], 'metering-samples');
const serviceN = positiveInt(flags['service-iterations'], 'service-iterations');
const serviceIdleSeconds = positiveInt(flags['service-idle-seconds'], 'service-idle-seconds');

function positiveInt(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive integer, got ${raw}`);
  return n;
}

const CREATE_WARMUP = 2;
/** The download server's name, which only its own DNS knows (a reserved top-level domain). */
const ORIGIN_NAME = 'origin.hob-bench.example';

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

if (process.getuid?.() !== 0) {
  process.stderr.write('bench: run as root (`sudo npm run bench`): the server mounts a btrfs pool and starts runc containers\n');
  process.exit(1);
}

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
let server: TestServer | undefined;
let replica: Replica | undefined;
let checkpointBench: CheckpointBench | undefined;
let networkBench: NetworkBench | undefined;
let wakeBench: WakeBench | undefined;
let sessionsBench: SessionsBench | undefined;
let meteringBench: MeteringBench | undefined;
let filesBench: FilesBench | undefined;
let servicesBench: ServicesBench | undefined;
let origin: Origin | undefined;
let cleaning: Promise<void> | undefined;
// A property, not a `let`: the compiler cannot see the signal handler's write to a local.
const run = { interrupted: false };

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await replica?.cleanup().catch((error: unknown) => log(`replica cleanup: ${String(error)}`));
    // Deletes its sprites through the API, so before the server stops.
    await checkpointBench?.cleanup().catch((error: unknown) => log(`checkpoint bench cleanup: ${String(error)}`));
    await networkBench?.cleanup().catch((error: unknown) => log(`network bench cleanup: ${String(error)}`));
    await wakeBench?.cleanup().catch((error: unknown) => log(`wake bench cleanup: ${String(error)}`));
    await sessionsBench?.cleanup().catch((error: unknown) => log(`sessions bench cleanup: ${String(error)}`));
    await meteringBench?.cleanup().catch((error: unknown) => log(`metering bench cleanup: ${String(error)}`));
    await filesBench?.cleanup().catch((error: unknown) => log(`files bench cleanup: ${String(error)}`));
    await servicesBench?.cleanup().catch((error: unknown) => log(`services bench cleanup: ${String(error)}`));
    if (server !== undefined) {
      const running = server;
      // A server that does not stop on SIGTERM within 15 s is killed.
      const timer = setTimeout(() => void running.kill(), 15_000);
      await running.stop();
      clearTimeout(timer);
    }
    cleanupDataDir(dataDir, prefix);
    rmSync(runDir, { recursive: true, force: true });
    origin?.close();
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    run.interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

async function main(): Promise<BenchResults> {
  // Sprites resolve names through it, for (k); nothing else the bench does looks a name up.
  origin = await startOrigin(ORIGIN_NAME);
  const dnsArgs = ['--dns-upstream', origin.address];
  // Cold creates first, with no warm pool; the warm pool gets its own phase at the end.
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', ...dnsArgs] });
  log(`private server at ${server.url}, container prefix ${prefix}, data dir ${dataDir}`);
  const { url, token } = server;
  const hob = new HobClient({ url, token });
  const sdk = sdkClient(server);
  const loadBefore = loadAverage();

  // startServer builds tiny already; this keeps the bench right if it ever stops doing so.
  await ensureImage(hob, 'tiny');

  // A running sprite for (b), whose generated OCI config is the template of the references.
  const benchName = `${prefix}-bench-b`;
  const sprite = await sdk.createSprite(benchName);
  const record = await hob.getSprite(benchName);
  const agentSocket = join(dataDir, 'sprites', record.id, 'run', 'agent.sock');
  const template = JSON.parse(readFileSync(join(dataDir, 'bundles', `${prefix}-${record.id}`, 'config.json'), 'utf8')) as OciSpec; // written by RuncRuntime.start
  replica = new Replica({ dataDir, prefix, template, imagePath: join(dataDir, 'pool', 'images', 'tiny') });
  const rep = replica;

  log(`(a) create → first exec through the SDK, taking turns with the hand replay of its steps and (c) runc run, ${createN} times`);
  const createTotal: number[] = [];
  const createOnly: number[] = [];
  const firstExec: number[] = [];
  const runcRun: number[] = [];
  const phases = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<Phase, number[]>; // one list per phase
  for (let i = -CREATE_WARMUP; i < createN; i++) {
    const name = `${prefix}-bench-a${i < 0 ? `w${-i}` : i}`;
    const t0 = performance.now();
    const created = await sdk.createSprite(name);
    const t1 = performance.now();
    await created.exec('true');
    const t2 = performance.now();
    await sdk.deleteSprite(name);
    const times = await rep.createOnce(i);
    const t3 = performance.now();
    await rep.runcTrue(i);
    const t4 = performance.now();
    if (i < 0) continue; // warm-up
    runcRun.push(t4 - t3);
    createTotal.push(t2 - t0);
    createOnly.push(t1 - t0);
    firstExec.push(t2 - t1);
    for (const phase of PHASES) {
      const ms = times[phase];
      if (ms !== undefined) phases[phase].push(ms);
    }
  }

  log(`(b) exec round trips, taking turns with (c) a local spawn, ${execN} times each`);
  const exec = await sampleRoundRobin(execN, 5, {
    sdk: async () => {
      await sprite.exec('true');
    },
    raw: () => mustSucceed('raw exec', serverExecTrue(url, token, benchName)),
    agent: () => mustSucceed('agent exec', agentExecTrue(agentSocket)),
    spawn: () => mustSucceed('spawn true', runLocal('true')),
  });

  log(`(h) the hob CLI as whole processes next to node -e 0, ${cliN} times each`);
  const cli = await measureCliOn(server, benchName);
  await sdk.deleteSprite(benchName);

  // The server saw the create of the (b) sprite first, then those of (a), warm-ups first.
  const serverCreate = responseTimes(server.logFile, 'POST', '/v1/sprites').slice(1 + CREATE_WARMUP, 1 + CREATE_WARMUP + createN);

  // On the cold server still: no spare boots in the background to compete for the CPUs.
  networkBench = new NetworkBench({ hob, url, token, prefix, dataDir, origin, urlN, log });
  const network = await networkBench.run();

  // On the cold server still: its cold creates are the reference of a cold wake, and no spare
  // boots in the background to move MemAvailable.
  wakeBench = new WakeBench({ hob, sdk, prefix, logFile: server.logFile, warmN: wakeN, coldN: coldWakeN, memorySprites, log });
  const wake = await wakeBench.run();

  // On the cold server still: no spare boots in the background to wake threads or move memory.
  sessionsBench = new SessionsBench({ hob, sdk, url, token, prefix, dataDir, attachN: sessionN, idleSessions, windowMs: idleWindowMs, log });
  const sessions = await sessionsBench.run();

  // On the cold server still: no spare boots in the background to compete for the CPUs.
  const metering = await measureMeteringOn(hob);

  // On the cold server still: no spare boots in the background to compete for the disk and CPUs.
  filesBench = new FilesBench({ hob, url, token, prefix, runDir, log });
  const files = await filesBench.run();

  // On the cold server still: no spare boots in the background to wake its agents up.
  const services = await measureServicesOn(server);

  // On the cold server still: no spare boots in the background, and forks never take one.
  checkpointBench = new CheckpointBench({ hob, sdk, dataDir, prefix, logFile: server.logFile, n: checkpointN, copyN, log });
  const checkpoints = await checkpointBench.run();

  log(`(a, warm) create → first exec with a warm spare waiting, ${createN} times`);
  await server.stop();
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '1', ...dnsArgs] });
  const warmSdk = sdkClient(server);
  const createWarm: number[] = [];
  for (let i = -CREATE_WARMUP; i < createN; i++) {
    await waitForSpare(dataDir);
    const name = `${prefix}-bench-w${i < 0 ? `w${-i}` : i}`;
    const t0 = performance.now();
    const created = await warmSdk.createSprite(name);
    await created.exec('true');
    const elapsed = performance.now() - t0;
    await warmSdk.deleteSprite(name);
    if (i >= 0) createWarm.push(elapsed);
  }
  return {
    facts: machineFacts(dataDir, loadBefore),
    createN,
    execN,
    createToFirstExec: summarize(createTotal),
    createWarm: summarize(createWarm),
    createSprite: summarize(createOnly),
    serverCreate: summarize(serverCreate),
    firstExec: summarize(firstExec),
    sdkExec: summarize(exec.sdk),
    rawExec: summarize(exec.raw),
    agentExec: summarize(exec.agent),
    runcRun: summarize(runcRun),
    spawnTrue: summarize(exec.spawn),
    phases: Object.fromEntries(PHASES.map((p) => [p, summarize(phases[p])])) as BenchResults['phases'], // one summary per phase
    checkpoints,
    cli,
    network,
    wake,
    sessions,
    metering,
    files,
    services,
  };
}

function measureServicesOn(running: TestServer): Promise<ServicesResults> {
  servicesBench = new ServicesBench({ hob: new HobClient({ url: running.url, token: running.token }), url: running.url, token: running.token, prefix, n: serviceN, idleSeconds: serviceIdleSeconds, log });
  return servicesBench.run();
}

/** `npm run bench -- services`: a server, and the services part measured on it. */
async function mainServices(): Promise<string> {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  log(`private server at ${server.url}, container prefix ${prefix}, data dir ${dataDir}`);
  await ensureImage(new HobClient({ url: server.url, token: server.token }), 'tiny');
  const services = await measureServicesOn(server);
  return renderTables(servicesRows(services), servicesRatios(services, ratio), servicesTargets(services), undefined, [], [servicesValueRows(services)]);
}

function measureCliOn(running: TestServer, sprite: string): Promise<CliResults> {
  return measureCli({ url: running.url, token: running.token, sprite, cacheDir: join(runDir, 'cli-cache'), n: cliN });
}

/** `npm run bench -- cli`: a server, one running sprite, and the CLI measured against it. */
async function mainCli(): Promise<string> {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  log(`private server at ${server.url}, container prefix ${prefix}, data dir ${dataDir}`);
  const hob = new HobClient({ url: server.url, token: server.token });
  await ensureImage(hob, 'tiny');
  const name = `${prefix}-bench-cli`;
  await hob.createSprite({ name });
  log(`(h) the hob CLI as whole processes next to node -e 0, ${cliN} times each`);
  const cli = await measureCliOn(server, name);
  await hob.deleteSprite(name);
  return renderTables(cliRows(cli), cliRatios(cli, ratio), cliTargets(cli));
}

/** `npm run bench -- sessions`: a server, and (o)–(p) measured on a sprite of their own. */
async function mainSessions(): Promise<string> {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  log(`private server at ${server.url}, container prefix ${prefix}, data dir ${dataDir}`);
  const hob = new HobClient({ url: server.url, token: server.token });
  await ensureImage(hob, 'tiny');
  sessionsBench = new SessionsBench({ hob, sdk: sdkClient(server), url: server.url, token: server.token, prefix, dataDir, attachN: sessionN, idleSessions, windowMs: idleWindowMs, log });
  const s = await sessionsBench.run();
  return renderTables(sessionRows(s), sessionRatios(s, ratio), sessionTargets(s), undefined, [], [sessionValueRows(s)]);
}

async function measureMeteringOn(hob: HobClient) {
  meteringBench = new MeteringBench({ hob, dataDir, prefix, runDir, fakeN: meteringEmptyN, realN: meteringSpriteN, ticks: meteringSamples, log });
  const results = await meteringBench.run();
  await meteringBench.cleanup();
  return results;
}

/** `npm run bench -- metering`: a server, running sprites and empty cgroups, and the usage sampler measured over them. */
async function mainMetering(): Promise<string> {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  log(`private server at ${server.url}, container prefix ${prefix}, data dir ${dataDir}`);
  const hob = new HobClient({ url: server.url, token: server.token });
  await ensureImage(hob, 'tiny');
  const metering = await measureMeteringOn(hob);
  return renderTables(meteringRows(metering), meteringRatios(metering, ratio), meteringTargets(metering));
}

let exitCode = 0;
try {
  if (part === 'cli') {
    process.stdout.write(await mainCli());
  } else if (part === 'sessions') {
    process.stdout.write(await mainSessions());
  } else if (part === 'metering') {
    process.stdout.write(await mainMetering());
  } else if (part === 'services') {
    process.stdout.write(await mainServices());
  } else {
    const results = await main();
    process.stdout.write(renderConsole(results));
    if (!flags['no-write']) {
      writeFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
      log('wrote BENCHMARKS.md');
    }
  }
} catch (error) {
  exitCode = 1;
  // Interrupted: the signal handler's cleanup cut the run short; the error says nothing new.
  if (!run.interrupted) report(error);
} finally {
  await cleanup();
}
process.exit(run.interrupted ? 130 : exitCode);

/** Waits until the server has recorded a booted spare (the pool refilled after the last create). */
async function waitForSpare(dir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const db = new Database(join(dir, 'hob.db'), { readonly: true, fileMustExist: true });
  try {
    const spares = db.prepare(`SELECT COUNT(*) AS n FROM sprites WHERE state = 'spare'`);
    for (;;) {
      if ((spares.get() as { n: number }).n >= 1) return; // COUNT(*) always yields one row
      if (Date.now() > deadline) throw new Error('the warm pool did not refill within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    db.close();
  }
}

function report(error: unknown): void {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (server !== undefined && existsSync(server.logFile)) {
    process.stderr.write(`--- server log tail ---\n${readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n')}\n`);
  }
}
