import type { ExecRequest } from '../../shared/exec-request.js';
import { defaultDirectory, type Account } from './account.js';
import { buildEnvironment } from './environment.js';

/** How to start one command: what pipes and PTY execs share. */
export interface Launch {
  readonly file: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Ids to switch to; undefined when the command runs as root, as the agent does. */
  readonly ids: { uid: number; gid: number } | undefined;
}

export function launchOf(req: ExecRequest, account: Account): Launch {
  const [file = '', ...args] = req.cmd;
  return {
    file,
    args,
    cwd: req.dir ?? defaultDirectory(account),
    env: buildEnvironment(req.env, account),
    ids: account.uid === 0 ? undefined : { uid: account.uid, gid: account.gid },
  };
}
