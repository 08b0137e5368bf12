import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { aptStatusParser } from './apt-progress.js';
import { runCommand } from '../util/command.js';
import { unmountUnder } from './mounts.js';
import type { ProgressFn } from './progress.js';

/**
 * Installs packages into a debootstrapped tree with the tree's own apt. debootstrap's
 * resolver ignores virtual packages and alternatives, which npm's ~240 node-* dependencies
 * rely on (a debootstrap --include=npm fails configuring them), so everything beyond the
 * simple base set goes through apt.
 *
 * The debootstrap cache directory is bind-mounted as apt's archive directory: both name
 * files `<pkg>_<version>_<arch>.deb`, so one cache serves both and rebuilds download nothing.
 */

export interface AptInstallOptions {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  progress: ProgressFn;
  signal?: AbortSignal;
}

const APT_OPTIONS = [
  '-y',
  '--no-install-recommends',
  '-o', 'APT::Status-Fd=1',
  // apt drops to the image's `_apt` user for downloads and would chown the (host-side,
  // bind-mounted) cache directory to that uid; the build runs as root throughout instead.
  '-o', 'APT::Sandbox::User=root',
  '-o', 'Dpkg::Use-Pty=0',
];

export async function aptInstallInRoot(root: string, packages: readonly string[], opts: AptInstallOptions): Promise<void> {
  const { signal, progress } = opts;
  const chroot = (args: string[], onLine?: (line: string) => void): Promise<unknown> =>
    runCommand('chroot', [root, ...args], { signal, env: opts.env, processGroup: true, onLine });
  try {
    // Package scripts (ca-certificates, python3) expect /proc.
    await runCommand('mount', ['-t', 'proc', 'proc', path.join(root, 'proc')]);
    const archives = path.join(root, 'var/cache/apt/archives');
    await mkdir(archives, { recursive: true });
    await runCommand('mount', ['--bind', opts.cacheDir, archives]);

    progress({ message: 'Updating package lists' });
    await chroot(['apt-get', ...APT_OPTIONS, 'update'], aptStatusParser(progress));
    progress({ message: `Installing ${packages.join(', ')} with apt` });
    await chroot(['apt-get', ...APT_OPTIONS, 'install', ...packages], aptStatusParser(progress));
  } finally {
    // Also before `apt-get clean`: with the cache still mounted, clean would empty it.
    await unmountUnder(root);
  }
}
