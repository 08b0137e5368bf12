import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname } from 'node:path';

/** Removes a socket left by an earlier agent; refuses to delete anything that is not a socket. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  unlinkSync(path);
}

/**
 * Listens on a unix socket that only its owner may connect to. The socket is bound under a
 * temporary name and renamed into place once listening, so that the path existing means the
 * agent is ready: between bind() and listen() a connect would be refused. Because of the
 * rename, Node cannot remove the socket on close; the returned function does.
 */
export async function listenOnSocket(server: Server, path: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  removeStaleSocket(path);
  const tmpPath = `${path}.${process.pid}.tmp`;
  removeStaleSocket(tmpPath);
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmpPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(tmpPath, 0o600);
  renameSync(tmpPath, path);
  return () => rmSync(path, { force: true });
}
