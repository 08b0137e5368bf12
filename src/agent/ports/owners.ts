import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/**
 * Which process holds each of the given socket inodes, from the fd links under /proc/<pid>/fd.
 * A socket shared by several processes (a server that forked after listening) is credited to
 * the lowest pid, normally the one that opened it. Processes whose fds this agent may not read,
 * or that exit during the walk, are passed over: their sockets stay unowned.
 */
export async function socketOwners(inodes: ReadonlySet<number>, procRoot = '/proc'): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  if (inodes.size === 0) return owners;
  const pids = (await readdir(procRoot)).filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(join(procRoot, String(pid), 'fd'));
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = await readlink(join(procRoot, String(pid), 'fd', fd));
      } catch {
        continue;
      }
      const inode = Number(SOCKET_LINK.exec(target)?.[1]);
      if (inodes.has(inode) && !owners.has(inode)) owners.set(inode, pid);
    }
    if (owners.size === inodes.size) break;
  }
  return owners;
}
