import { copyFile, chmod, lstat, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';

import { ensureSpriteBaseFiles } from './base-files.js';
import { runCommand } from '../util/command.js';
import { isStaticElf } from './elf.js';
import { errnoIs } from './errno.js';
import { writeInRoot } from './in-root.js';
import type { ProgressFn } from './progress.js';

/**
 * The tiny image: one static busybox and its applet links. It builds in well under a second
 * and is what tests and quick sandboxes use; the agent brings its own node (/.hob), so no
 * libc is needed here.
 */

const HOST_BUSYBOX = '/bin/busybox';
const IMAGE_BUSYBOX = '/bin/busybox';

export async function buildTinyRootfs(root: string, progress: ProgressFn, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await requireStaticBusybox();

  progress({ message: 'Copying busybox' });
  await mkdir(path.join(root, 'bin'), { recursive: true, mode: 0o755 });
  await copyFile(HOST_BUSYBOX, path.join(root, IMAGE_BUSYBOX));
  await chmod(path.join(root, IMAGE_BUSYBOX), 0o755);

  const { stdout } = await runCommand(HOST_BUSYBOX, ['--list-full'], { signal });
  const applets = appletPaths(stdout);
  // `env` is what `#!/usr/bin/env` scripts need; make sure a busybox without the applet
  // fails here rather than in the first script a user runs.
  if (!applets.includes('usr/bin/env')) throw new Error(`${HOST_BUSYBOX} has no env applet`);
  let done = 0;
  for (const applet of applets) {
    await linkApplet(root, applet);
    done++;
  }
  progress({ message: `Linked ${done} busybox applets`, done, total: applets.length });
  signal?.throwIfAborted();

  const version = /BusyBox v(\S+)/.exec((await runCommand(HOST_BUSYBOX, [], { signal })).stdout)?.[1] ?? 'unknown';
  await mkdir(path.join(root, 'etc'), { recursive: true, mode: 0o755 });
  await writeInRoot(root, '/etc/os-release', osRelease(version));
  await ensureSpriteBaseFiles(root);
  progress({ message: 'Tiny image ready' });
}

async function requireStaticBusybox(): Promise<void> {
  let isStatic: boolean;
  try {
    isStatic = await isStaticElf(HOST_BUSYBOX);
  } catch (err) {
    if (errnoIs(err, 'ENOENT')) {
      throw new Error(`${HOST_BUSYBOX} not found; install it with \`apt-get install busybox-static\``, { cause: err });
    }
    throw err;
  }
  if (!isStatic) {
    throw new Error(
      `${HOST_BUSYBOX} is dynamically linked and cannot run in an image without libc; ` +
        'install the static build with `apt-get install busybox-static`',
    );
  }
}

/** `busybox --list-full` prints relative install paths such as `bin/sh`, `usr/bin/env`. */
function appletPaths(listing: string): string[] {
  return listing
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== IMAGE_BUSYBOX.slice(1))
    .filter((line) => !line.startsWith('/') && !line.split('/').includes('..'));
}

async function linkApplet(root: string, applet: string): Promise<void> {
  const linkPath = path.join(root, applet);
  await mkdir(path.dirname(linkPath), { recursive: true, mode: 0o755 });
  try {
    await lstat(linkPath);
    return; // Listed twice or already present: the first one wins.
  } catch (err) {
    if (!errnoIs(err, 'ENOENT')) throw err;
  }
  await symlink(IMAGE_BUSYBOX, linkPath);
}

function osRelease(busyboxVersion: string): string {
  return [
    'NAME="Hob tiny (busybox)"',
    `PRETTY_NAME="Hob tiny (busybox ${busyboxVersion})"`,
    'ID=hob-tiny',
    `VERSION_ID="${busyboxVersion}"`,
    '',
  ].join('\n');
}
