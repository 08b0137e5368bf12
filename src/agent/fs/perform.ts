import type { FsRequest } from '../../shared/fs-request.js';
import { toFsError } from './errors.js';
import type { FsIo, FsResult } from './io.js';
import { packPath, unpackPath } from './ops/archive.js';
import { listPath } from './ops/list.js';
import { chmodPath, chownPath } from './ops/modes.js';
import { copyPath, renamePath } from './ops/move.js';
import { readFile } from './ops/read.js';
import { removePath } from './ops/remove.js';
import { writeFile } from './ops/write.js';
import { resolvePath } from './paths.js';

/**
 * Does one file operation with this process's own identity: the agent's (root) or, in a
 * worker, the account it was started as. Every failure comes back as a HobError, errno
 * failures with their POSIX code and path.
 */
export async function perform(request: FsRequest, io: FsIo): Promise<FsResult> {
  const at = (path: string): string => resolvePath(path, request.workingDir);
  const main = 'path' in request ? at(request.path) : at(request.source);
  try {
    switch (request.op) {
      case 'read':
        return await readFile(main, io);
      case 'write':
        return await writeFile(main, request.mode, request.mkdirParents, io);
      case 'list':
        return await listPath(main, request.recursive, request.pattern);
      case 'delete':
        return await removePath(main, request.recursive);
      case 'rename':
        return await renamePath(main, at(request.dest));
      case 'copy':
        return await copyPath(main, at(request.dest), request.recursive, request.preserveAttrs);
      case 'chmod':
        return await chmodPath(main, request.mode, request.recursive);
      case 'chown':
        return await chownPath(main, request.uid, request.gid, request.recursive);
      case 'pack':
        return await packPath(main, io);
      case 'unpack':
        return await unpackPath(main, io);
    }
  } catch (error) {
    throw toFsError(error, main);
  }
}
