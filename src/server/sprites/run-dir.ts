import { mkdirSync, rmSync } from 'node:fs';
import { runCommand } from '../util/command.js';
import { isMountPoint } from '../volumes/pool.js';

/**
 * The host directory holding a sprite's agent socket (and its settings, whose `environment` may
 * be large) is writable from inside the sprite, so it is a small tmpfs of its own: a sprite
 * cannot fill the host's disk through it.
 */
export async function mountRunDir(dir: string, ownerUid: number): Promise<void> {
  await unmountRunDir(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await runCommand('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=16m,nr_inodes=64,mode=0700,uid=${ownerUid},gid=${ownerUid},nosuid,nodev,noexec`,
    'hob-run',
    dir,
  ]);
}

export async function unmountRunDir(dir: string): Promise<void> {
  if (isMountPoint(dir)) await runCommand('umount', ['-l', dir]);
}
