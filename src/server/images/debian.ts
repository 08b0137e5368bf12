import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { SPRITE_GID, SPRITE_HOME, SPRITE_UID, SPRITE_USER } from './accounts.js';
import { ensureSpriteBaseFiles } from './base-files.js';
import { lastLines, runCommand } from '../util/command.js';
import { withCacheLock } from './cache-lock.js';
import { aptInstallInRoot } from './debian-apt.js';
import { DebootstrapProgress } from './debootstrap-progress.js';
import { writeInRoot } from './in-root.js';
import { aptMirror } from './mirror.js';
import { unmountUnder } from './mounts.js';
import type { ProgressFn } from './progress.js';

/**
 * The debian image: bookworm minbase plus what people (and agents) expect on a dev box.
 * debootstrap runs as host root into the still root-owned tree; the caller shifts
 * ownership afterwards.
 */

const SUITE = 'bookworm';
// What debootstrap's simple resolver can install (see debian-apt.ts for why npm cannot).
const DEBOOTSTRAP_PACKAGES = [
  'bash',
  'coreutils',
  'git',
  'curl',
  'ca-certificates',
  'python3',
  'sudo',
  'procps',
  'iproute2',
  'less',
  'vim-tiny',
  // Sprites have no CAP_NET_RAW; this ping falls back to the ICMP echo sockets they may open.
  'iputils-ping',
];
const APT_PACKAGES = ['nodejs', 'npm'];
// A fixed environment: the server's own (NODE_OPTIONS, a developer's LANG) has no business
// inside the image, and C locale keeps debootstrap's status lines parseable.
const BUILD_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
  // dpkg fsyncs every file it writes (~40k here). A build that crashes is thrown away whole,
  // so per-file durability buys nothing; one `sync --file-system` at the end makes the
  // finished tree durable.
  DPKG_FORCE: 'unsafe-io',
};
const LOG_TAIL_LINES = 25;

export interface DebianBuildOptions {
  /** Defaults to the mirror in this machine's apt sources. */
  mirror?: string;
  /** Absolute; keeps downloaded .debs so rebuilds skip the downloads. Created if missing. */
  cacheDir: string;
  progress: ProgressFn;
  signal?: AbortSignal;
}

export async function buildDebianRootfs(root: string, opts: DebianBuildOptions): Promise<void> {
  opts.signal?.throwIfAborted();
  if (!path.isAbsolute(opts.cacheDir)) throw new Error(`debootstrap cache dir must be absolute: ${opts.cacheDir}`);
  await mkdir(opts.cacheDir, { recursive: true, mode: 0o755 });
  const waiting = (): void => opts.progress({ message: 'Waiting for another debian build on this host to finish (they share a package cache)' });
  await withCacheLock(opts.cacheDir, waiting, opts.signal, () => build(root, opts));
}

async function build(root: string, opts: DebianBuildOptions): Promise<void> {
  const { progress, signal } = opts;
  const mirror = opts.mirror ?? aptMirror();
  const startedMs = Date.now();

  const status = new DebootstrapProgress(progress, () => countLines(path.join(root, 'debootstrap/debpaths')));
  progress({ message: `Running debootstrap ${SUITE} from ${mirror}` });
  try {
    await runCommand(
      'debootstrap',
      [
        '--variant=minbase',
        `--include=${DEBOOTSTRAP_PACKAGES.join(',')}`,
        `--cache-dir=${opts.cacheDir}`,
        SUITE,
        root,
        mirror,
      ],
      { signal, env: BUILD_ENV, processGroup: true, onLine: (line) => status.line(line) },
    );
  } catch (err) {
    // debootstrap unmounts /proc, /sys… only when it exits by itself.
    const leftMounted = await unmountUnder(root).then(
      () => '',
      (unmountErr: unknown) => `\nALSO: ${unmountErr instanceof Error ? unmountErr.message : String(unmountErr)}`,
    );
    if (signal?.aborted === true && leftMounted === '') signal.throwIfAborted();
    const log = await debootstrapLogTail(root);
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(
      `debootstrap failed: ${detail}\n--- last lines of debootstrap.log ---\n${log ?? status.tail()}${leftMounted}`,
      { cause: err },
    );
  }
  await unmountUnder(root);
  const debootstrapSeconds = (Date.now() - startedMs) / 1000;

  try {
    await aptInstallInRoot(root, APT_PACKAGES, { cacheDir: opts.cacheDir, env: BUILD_ENV, progress, signal });
    await configureSprite(root, progress, signal);
  } finally {
    await unmountUnder(root);
  }
  await runCommand('sync', ['--file-system', root], { signal });
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  progress({ message: `Debian image built in ${seconds}s (debootstrap ${debootstrapSeconds.toFixed(1)}s)` });
}

async function configureSprite(root: string, progress: ProgressFn, signal: AbortSignal | undefined): Promise<void> {
  const inRoot = (args: string[]): Promise<unknown> => runCommand('chroot', [root, ...args], { signal, env: BUILD_ENV });

  progress({ message: `Adding user ${SPRITE_USER}` });
  await inRoot(['groupadd', '--gid', String(SPRITE_GID), SPRITE_USER]);
  await inRoot([
    'useradd',
    '--uid', String(SPRITE_UID),
    '--gid', String(SPRITE_GID),
    '--groups', 'sudo',
    '--create-home',
    '--home-dir', SPRITE_HOME,
    '--shell', '/bin/bash',
    SPRITE_USER,
  ]);
  // The sprite is the user's own machine: the boundary is the sandbox, not sudo.
  await writeInRoot(root, '/etc/sudoers.d/sprite', `${SPRITE_USER} ALL=(ALL) NOPASSWD:ALL\n`, 0o440);
  await chmod(path.join(root, 'etc/sudoers.d/sprite'), 0o440);
  await inRoot(['visudo', '--check', '--quiet', '--file=/etc/sudoers.d/sprite']);

  progress({ message: 'Cleaning apt caches' });
  await inRoot(['apt-get', 'clean']);
  // Package lists are ~40 MB per image and stale by the time anyone runs apt; `apt-get
  // update` inside the sprite fetches fresh ones.
  const lists = path.join(root, 'var/lib/apt/lists');
  for (const entry of await readdir(lists)) await rm(path.join(lists, entry), { recursive: true, force: true });
  // debootstrap copies the build host's resolv.conf and hostname; neither belongs in an
  // image, and ensureSpriteBaseFiles puts placeholders back.
  await rm(path.join(root, 'etc/resolv.conf'), { force: true });
  await rm(path.join(root, 'etc/hostname'), { force: true });

  await ensureSpriteBaseFiles(root);
}

function countLines(file: string): number | undefined {
  try {
    // Sync on purpose: called once, from a line callback, on a file of a few KB.
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length;
  } catch {
    return undefined;
  }
}

async function debootstrapLogTail(root: string): Promise<string | undefined> {
  for (const log of ['debootstrap/debootstrap.log', 'var/log/bootstrap.log']) {
    try {
      return lastLines(await readFile(path.join(root, log), 'utf8'), LOG_TAIL_LINES);
    } catch {
      // Not written yet (failed before the target was set up) or already moved.
    }
  }
  return undefined;
}
