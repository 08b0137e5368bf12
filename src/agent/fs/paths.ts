import { posix } from 'node:path';

/**
 * A caller's path as the sprite sees it: absolute ones as they are, relative ones from
 * `workingDir`, `.` and `..` folded as text (as Go's filepath.Join does) and a trailing slash
 * dropped. Nothing here touches a filesystem: the agent runs inside the sprite's mount
 * namespace, so whatever the result names, and wherever its symlinks lead, it is the sprite's.
 */
export function resolvePath(path: string, workingDir: string): string {
  const joined = path.startsWith('/') ? path : posix.join(workingDir, path);
  const normal = posix.normalize(joined);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}
