import { closeSync, constants, existsSync, fstatSync, openSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { connect, type Socket } from 'node:net';
import { AgentUnreachable, type AgentTransport } from './transport.js';

/** O_PATH is Linux-only and missing from Node's fs.constants. */
const O_PATH = 0o10000000;

/**
 * The agent's socket lives in a directory the sprite can write to, so the sprite could swap it
 * for a symlink to another sprite's socket or to a host service, and the server (root on the
 * host) would follow it. So the socket is opened without following links, checked to be a
 * socket owned by the sprite's root, and connected to through its file descriptor
 * (/proc/self/fd/N), which names exactly the checked socket while the pin is held.
 */
export class UnixSocketTransport implements AgentTransport {
  constructor(
    private readonly socketPath: string,
    /** The host uid of root in the sprite: only a socket it owns is the agent's. */
    private readonly ownerUid: number,
  ) {}

  connect(): Socket {
    const pin = this.pin();
    const socket = connect({ path: `/proc/self/fd/${pin}` });
    let open = true;
    const release = (): void => {
      if (open) closeSync(pin);
      open = false;
    };
    socket.once('connect', release);
    socket.once('close', release);
    return socket;
  }

  /**
   * The agent binds its socket under another name and renames it into place once it listens:
   * the rename is watched for (inotify). Where the directory cannot be watched it answers true,
   * and the caller polls.
   */
  whenPresent(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const name = basename(this.socketPath);
      let watcher: ReturnType<typeof watch> | undefined;
      let timer: NodeJS.Timeout | undefined;
      const done = (present: boolean): void => {
        watcher?.close();
        clearTimeout(timer);
        resolve(present);
      };
      try {
        watcher = watch(dirname(this.socketPath), (_event, file) => {
          if (file === name) done(false);
        });
        // Watching failed (no directory, no inotify watches left): the caller polls instead.
        watcher.on('error', () => done(true));
      } catch {
        done(true);
        return;
      }
      // Checked after the watch began, so that a rename in between is not missed.
      if (existsSync(this.socketPath)) done(true);
      else timer = setTimeout(() => done(false), timeoutMs);
    });
  }

  private pin(): number {
    let fd: number;
    try {
      fd = openSync(this.socketPath, O_PATH | constants.O_NOFOLLOW);
    } catch (error) {
      throw new AgentUnreachable(`agent socket ${this.socketPath}: ${(error as Error).message}`); // fs errors are Errors
    }
    try {
      const stat = fstatSync(fd);
      // Whatever replaced the socket is never connected to; restarting the sprite makes a fresh one.
      if (!stat.isSocket() || stat.uid !== this.ownerUid) {
        throw new AgentUnreachable(`${this.socketPath} is not the agent's socket any more (replaced from inside the sprite)`);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return fd;
  }
}
