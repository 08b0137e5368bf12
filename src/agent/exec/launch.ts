import type { ExecRequest } from '../../shared/exec-request.js';
import { defaultDirectory, type Account } from './account.js';
import { buildEnvironment } from './environment.js';

/** How to start one command: what pipes, PTY execs and services share. */
export interface Launch {
  readonly file: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Ids to switch to; undefined when the command runs as root, as the agent does. */
  readonly ids: { uid: number; gid: number } | undefined;
}

/** What any command is: its argv, the variables laid over its account's defaults, and where it starts (default: the account's). */
export interface CommandSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly dir: string | undefined;
}

export function launchFor(command: CommandSpec, account: Account): Launch {
  const [file = '', ...args] = command.argv;
  return {
    file,
    args,
    cwd: command.dir ?? defaultDirectory(account),
    env: buildEnvironment(command.env, account),
    ids: account.uid === 0 ? undefined : { uid: account.uid, gid: account.gid },
  };
}

export function launchOf(req: ExecRequest, account: Account): Launch {
  return launchFor({ argv: req.cmd, env: req.env, dir: req.dir }, account);
}
