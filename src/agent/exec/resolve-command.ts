import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * Looks a command up the way execvp will, so that failures can be reported the way a shell
 * reports them (127 not found, 126 not executable) instead of as an opaque spawn error.
 */
export type Resolution =
  | { kind: 'found'; path: string }
  | { kind: 'missing' }
  | { kind: 'not_executable'; path: string };

function check(path: string): Resolution {
  try {
    if (!statSync(path).isFile()) return { kind: 'not_executable', path };
  } catch {
    return { kind: 'missing' };
  }
  try {
    accessSync(path, constants.X_OK);
    return { kind: 'found', path };
  } catch {
    return { kind: 'not_executable', path };
  }
}

export function resolveCommand(command: string, searchPath: string | undefined, cwd: string): Resolution {
  if (command.includes('/')) return check(isAbsolute(command) ? command : join(cwd, command));
  let notExecutable: Resolution | undefined;
  // An empty PATH entry means the current directory, as in execvp.
  for (const dir of (searchPath ?? '').split(':')) {
    const found = check(join(dir === '' ? cwd : isAbsolute(dir) ? dir : join(cwd, dir), command));
    if (found.kind === 'found') return found;
    if (found.kind === 'not_executable') notExecutable ??= found;
  }
  return notExecutable ?? { kind: 'missing' };
}

/** A bad working directory, described as `cd` would; undefined when it is usable. */
export function cwdProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return 'Not a directory';
    accessSync(dir, constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code; // fs errors always carry an errno code
    if (code === 'ENOENT') return 'No such file or directory';
    if (code === 'EACCES') return 'Permission denied';
    return code ?? 'unusable';
  }
}
