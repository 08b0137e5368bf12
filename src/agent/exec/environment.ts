import { existsSync } from 'node:fs';
import { hostname } from 'node:os';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A command's environment: a fixed login-like default overlaid by the request's variables.
 * Built from scratch on every exec so that nothing of the agent's own environment leaks in,
 * and so that a shell installed after the sprite started is picked up.
 */
export function buildEnvironment(requested: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    SHELL: existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh',
    HOSTNAME: hostname(),
    ...requested,
  };
}
