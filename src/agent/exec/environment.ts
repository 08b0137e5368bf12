import { hostname } from 'node:os';
import type { Account } from './account.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A command's environment: a fixed login-like default for its account overlaid by the
 * request's variables (which the server has already laid over the sprite's own). Built from
 * scratch on every exec so that nothing of the agent's own environment leaks in.
 */
export function buildEnvironment(requested: Readonly<Record<string, string>>, account: Account): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    HOME: account.home,
    USER: account.name,
    LOGNAME: account.name,
    SHELL: account.shell,
    HOSTNAME: hostname(),
    ...requested,
  };
}
