import { HobError } from '../../shared/errors.js';
import { closeSync, constants, fstatSync, openSync } from 'node:fs';

/** O_PATH is Linux-only and missing from Node's fs.constants. */
const O_PATH = 0o10000000;

export interface PinnedSocket {
  /**
   * A path that names exactly the socket that was checked: /proc/self/fd/N. Only while the pin
   * is held: connect with it at once, and never through a connection pool keyed by the path.
   */
  readonly path: string;
  /** Closes the pin; call once the connection is made (or failed). */
  release(): void;
}

/**
 * The agent's socket lives in a directory the sprite can write to, so the sprite could swap it
 * for a symlink to another sprite's socket or to a host service, and the server — root on the
 * host — would follow it. Instead the socket is opened without following links, checked to be
 * a socket owned by the sprite's root, and connected to through its file descriptor.
 */
export function pinAgentSocket(socketPath: string, ownerUid: number): PinnedSocket {
  let fd: number;
  try {
    fd = openSync(socketPath, O_PATH | constants.O_NOFOLLOW);
  } catch (error) {
    throw new AgentUnreachable(`agent socket ${socketPath}: ${(error as Error).message}`); // fs errors are Errors
  }
  try {
    const stat = fstatSync(fd);
    // Whatever replaced the socket is never connected to; restarting the sprite makes a fresh one.
    if (!stat.isSocket() || stat.uid !== ownerUid) {
      throw new AgentUnreachable(`${socketPath} is not the agent's socket any more (replaced from inside the sprite)`);
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    path: `/proc/self/fd/${fd}`,
    release() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** The agent is not (or no longer) listening: the sprite should be checked and restarted. */
export class AgentUnreachable extends Error {}

/**
 * The agent's end of the connection went away before it answered the exec. That is what a
 * dying agent does (an OOM kill, say: the connection is queued, or even refused with a reset,
 * while the process exits), so it usually means the agent is gone; but the caller asks the
 * agent before restarting anything. The exec never started: the agent answers the handshake
 * before it spawns, and a reset does not discard what was already written.
 */
export class AgentConnectionLost extends AgentUnreachable {}

/** What a failed connection to an agent means: nobody listening (recoverable), or anything else. */
export function agentConnectError(error: NodeJS.ErrnoException): Error {
  if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') return new AgentUnreachable(error.message);
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return new AgentConnectionLost(error.message);
  return new HobError('agent_error', `could not reach the sprite's agent: ${error.message}`);
}
