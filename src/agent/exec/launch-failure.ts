import { cwdProblem, resolveCommand } from './resolve-command.js';

/** Why a command could not start, told the way a shell tells it, with a shell's exit code. */
export interface LaunchFailure {
  message: string;
  exitCode: number;
}

/**
 * Describes a command that cannot start, or returns undefined if it looks startable. `err` is
 * the spawn error when there was one; without it this is a pre-flight check (the TTY path
 * needs one, because node-pty reports a failed execvp only as exit 1 plus a perror line).
 *
 * A bad working directory exits 1, as `cd dir && cmd` does in a script: it is the caller's
 * mistake, not the command's, and 126/127 would wrongly blame the command. It is checked
 * first because spawn reports it with ENOENT, the same errno as a missing command.
 */
export function launchProblem(
  command: string,
  searchPath: string | undefined,
  cwd: string,
  err?: NodeJS.ErrnoException,
): LaunchFailure | undefined {
  const badCwd = cwdProblem(cwd);
  if (badCwd !== undefined) return { message: `hob: cd: ${cwd}: ${badCwd}`, exitCode: 1 };
  const found = resolveCommand(command, searchPath, cwd);
  if (found.kind === 'missing') {
    const what = command.includes('/') ? 'No such file or directory' : 'command not found';
    return { message: `hob: ${command}: ${what}`, exitCode: 127 };
  }
  if (found.kind === 'not_executable') return { message: `hob: ${command}: Permission denied`, exitCode: 126 };
  if (err === undefined) return undefined;
  switch (err.code) {
    case 'ENOENT':
      // The file is there, so its interpreter (#!) or dynamic loader is not; bash says the same.
      return { message: `hob: ${command}: cannot execute: required file not found`, exitCode: 127 };
    case 'EACCES':
    case 'EPERM':
      return { message: `hob: ${command}: Permission denied`, exitCode: 126 };
    case 'ENOEXEC':
      return { message: `hob: ${command}: cannot execute binary file: Exec format error`, exitCode: 126 };
    case undefined:
    default:
      return { message: `hob: ${command}: cannot execute: ${err.message}`, exitCode: 126 };
  }
}
