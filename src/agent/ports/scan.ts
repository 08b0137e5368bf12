import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListeningPort } from './diff.js';
import { socketOwners } from './owners.js';
import { parseProcNetTcp, type ListeningSocket } from './proc-net.js';

/** Owner not found: a process this agent may not look into. Remembered, so it is not searched for on every look. */
const UNSEEN = 0;

/**
 * Looks at the sprite's listening TCP sockets. Reading /proc/net/tcp{,6} is cheap; walking every
 * process's fds is not, so owners are remembered by socket inode (an inode names one socket for
 * its whole life) and the walk happens only when a socket appears whose owner is not known, or
 * whose known owner has exited (a server that forked after listening and left the socket to its
 * child).
 */
export class PortScanner {
  private readonly owners = new Map<number, number>();

  constructor(
    private readonly options: {
      procRoot?: string;
      /** The agent's own pid: its sockets are not the user's ports. */
      excludePid?: number;
    } = {},
  ) {}

  async scan(): Promise<ListeningPort[]> {
    const procRoot = this.options.procRoot ?? '/proc';
    const sockets = [...(await readTable(join(procRoot, 'net', 'tcp'))), ...(await readTable(join(procRoot, 'net', 'tcp6')))];
    const live = new Set(sockets.map((socket) => socket.inode));
    for (const inode of this.owners.keys()) if (!live.has(inode)) this.owners.delete(inode);
    const unknown = new Set([...live].filter((inode) => {
      const pid = this.owners.get(inode);
      return pid === undefined || (pid !== UNSEEN && !existsSync(join(procRoot, String(pid))));
    }));
    if (unknown.size > 0) {
      const found = await socketOwners(unknown, procRoot);
      for (const inode of unknown) this.owners.set(inode, found.get(inode) ?? UNSEEN);
    }
    const ports: ListeningPort[] = [];
    for (const socket of sockets) {
      const pid = this.owners.get(socket.inode) ?? UNSEEN;
      if (pid !== UNSEEN && pid !== this.options.excludePid) ports.push({ port: socket.port, address: socket.address, pid });
    }
    return ports;
  }
}

async function readTable(path: string): Promise<ListeningSocket[]> {
  try {
    return parseProcNetTcp(await readFile(path, 'utf8'));
  } catch (error) {
    // A kernel without IPv6 has no tcp6 table.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // fs errors carry an errno code
    throw error;
  }
}
