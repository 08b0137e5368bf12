import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { HobClient } from '../../src/client/client.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const HOB_BIN = join(REPO_ROOT, 'dist', 'hob.js');

export interface TestServer {
  url: string;
  token: string;
  dataDir: string;
  prefix: string;
  logFile: string;
  process: ChildProcess;
  /** SIGTERM and wait: a graceful shutdown. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
  /** Resolves once the server has exited, by itself or otherwise. */
  exited(): Promise<void>;
}

/** A unique, short prefix for one test run: container ids, cgroups and temp dirs carry it. */
export function uniquePrefix(): string {
  return `ht${randomBytes(3).toString('hex')}`;
}

/** A fresh run directory that sprites (an unprivileged host uid) can pass through. */
export function makeRunDir(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', `hobtest-${prefix}-`));
  chmodSync(dir, 0o711);
  return dir;
}

export interface StartOptions {
  dataDir: string;
  prefix: string;
  defaultImage?: string;
  cliConfig?: string;
  extraArgs?: string[];
  /** Images to build (or check) once it listens; default tiny. */
  images?: string[];
  /** More environment for the server (HOB_CRASH_AT for the crash tests). */
  env?: Record<string, string>;
}

/** Starts `hob serve` from the built bundle and resolves once it listens. */
export async function startServer(options: StartOptions): Promise<TestServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, '..', `server-${options.prefix}-${Date.now()}.log`);
  const cliConfig = options.cliConfig ?? join(options.dataDir, '..', 'cli.json');
  const child = spawn(
    process.execPath,
    [
      HOB_BIN,
      'serve',
      '--data-dir',
      options.dataDir,
      '--listen',
      '127.0.0.1:0',
      '--cli-config',
      cliConfig,
      '--default-image',
      options.defaultImage ?? 'tiny',
      '--no-prebuild',
      '--pool-size-gib',
      '16',
      // Sprites stay awake in tests unless one sets a timeout (a later flag wins).
      '--idle-timeout',
      '0',
      ...(options.extraArgs ?? []),
    ],
    { env: { ...process.env, ...options.env, HOB_CONTAINER_PREFIX: options.prefix }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`hob serve did not start within 60 s; see ${logFile}`)), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hob serve exited with ${code ?? signal ?? 'nothing'}; see ${logFile}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string }; // a pino line of the server's own
        if (entry.msg === 'hob server listening' && entry.url !== undefined) {
          clearTimeout(timer);
          resolvePromise(entry.url);
        }
      } catch {
        // Not a log line.
      }
    });
  });
  const token = (JSON.parse(readFileSync(cliConfig, 'utf8')) as { token: string }).token; // written by the server at first start
  const client = new HobClient({ url, token });
  for (const image of options.images ?? ['tiny']) await ensureImage(client, image);
  const exited = () =>
    new Promise<void>((resolveExit) => {
      if (child.exitCode !== null || child.signalCode !== null) resolveExit();
      else child.once('exit', () => resolveExit());
    });
  const waitExit = (signal: NodeJS.Signals) => {
    const done = exited();
    child.kill(signal);
    return done;
  };
  return {
    url,
    token,
    dataDir: options.dataDir,
    prefix: options.prefix,
    logFile,
    process: child,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    exited,
  };
}

/** Builds an image unless it is ready: a build request always builds again (minutes, for debian). */
export async function ensureImage(client: HobClient, image: string): Promise<void> {
  if ((await client.getImage(image)).status === 'ready') return;
  const result = await client.buildImage(image, () => undefined);
  if (result.type !== 'complete') throw new Error(`building image ${image} failed: ${JSON.stringify(result)}`);
}

/**
 * Removes everything a test server made under `dataDir`: containers (by its runc root),
 * their cgroups, the pool mount (and so its loop device), and the files.
 */
export function cleanupDataDir(dataDir: string, prefix: string): void {
  const runcRoot = join(dataDir, 'runc');
  if (existsSync(runcRoot)) {
    const listed = execFileSync('runc', ['--root', runcRoot, 'list', '-q']).toString().split('\n').filter(Boolean);
    for (const id of listed) execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
  }
  // A sandbox left frozen (a test killed the server mid-checkpoint) cannot die until thawed.
  const freezerRoot = '/sys/fs/cgroup/freezer';
  for (const entry of existsSync(freezerRoot) ? safeReaddir(freezerRoot) : []) {
    if (entry.startsWith(`${prefix}-`)) writeFileSync(join(freezerRoot, entry, 'freezer.state'), 'THAWED');
  }
  // A safety net for sandboxes runc no longer knows (a server that booted one while being
  // stopped): kill whatever is still in a cgroup of this run before removing the cgroups.
  const pidsRoot = '/sys/fs/cgroup/pids';
  for (const entry of existsSync(pidsRoot) ? safeReaddir(pidsRoot) : []) {
    if (!entry.startsWith(`${prefix}-`)) continue;
    const procs = join(pidsRoot, entry, 'cgroup.procs');
    for (let attempt = 0; attempt < 40; attempt++) {
      const pids = readFileSync(procs, 'utf8').split('\n').filter(Boolean);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  for (const controller of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    const dir = join('/sys/fs/cgroup', controller);
    for (const entry of existsSync(dir) ? safeReaddir(dir) : []) {
      if (!entry.startsWith(`${prefix}-`)) continue;
      try {
        rmdirSync(join(dir, entry));
      } catch {
        // Still in use or already gone; runc delete normally removed it.
      }
    }
  }
  cleanupNetwork(prefix);
  releaseNetworkBlocks(dataDir);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mount): mount is string => mount !== undefined && (mount === dataDir || mount.startsWith(`${dataDir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
  rmSync(dataDir, { recursive: true, force: true });
}

/** The host-wide claims of address blocks (src/server/network/block.ts) that the run's server holds. */
function releaseNetworkBlocks(dataDir: string): void {
  const claims = '/run/hob/network-blocks';
  for (const entry of existsSync(claims) ? safeReaddir(claims) : []) {
    const file = join(claims, entry);
    const owner = readFileSync(file, 'utf8').trim();
    if (owner === dataDir || owner.startsWith(`${dataDir}/`)) rmSync(file, { force: true });
  }
}

/** The run's nftables table, sprite namespaces and links (a server that was killed leaves them). */
export function cleanupNetwork(prefix: string): void {
  // Absent when the server never got as far as its network; that is not an error here.
  spawnSync('nft', ['delete', 'table', 'inet', prefix], { stdio: 'ignore' });
  // The name check's source address (SpriteNetworks.nameCheckSource), labelled after the prefix.
  spawnSync('ip', ['-4', 'addr', 'flush', 'dev', 'lo', 'label', `lo:${prefix}`.slice(0, 15)], { stdio: 'ignore' });
  for (const netns of existsSync('/run/netns') ? safeReaddir('/run/netns') : []) {
    if (netns.startsWith(`${prefix}-`)) execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  }
  const usernsDir = '/run/hob/userns';
  for (const userns of existsSync(usernsDir) ? safeReaddir(usernsDir) : []) {
    if (!userns.startsWith(`${prefix}-`)) continue;
    spawnSync('umount', [join(usernsDir, userns)], { stdio: 'ignore' });
    rmSync(join(usernsDir, userns), { force: true });
  }
  for (const line of execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth']).toString().split('\n')) {
    const name = /^\d+: ([^:@\s]+)/.exec(line)?.[1];
    // A namespace deleted just above takes its veth with it a moment later, so this may find it gone.
    if (name !== undefined && line.includes(` alias hob:${prefix}:`)) spawnSync('ip', ['link', 'del', 'dev', name], { stdio: 'ignore' });
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
