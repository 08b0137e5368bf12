import { hostname } from 'node:os';
import { appendFile, readFile } from 'node:fs/promises';

/**
 * Makes the sprite's own name resolve, as on any machine: tools such as sudo complain (and
 * wait on DNS) when the hostname is missing from /etc/hosts. Only a missing entry is added;
 * whatever the user wrote stays. Done after the socket is up, off the start-up path.
 */
export async function ensureHostnameResolves(hostsFile = '/etc/hosts'): Promise<boolean> {
  const name = hostname();
  const current = await readFile(hostsFile, 'utf8').catch(() => '');
  const listed = current.split('\n').some((line) => line.replace(/#.*/, '').trim().split(/\s+/).slice(1).includes(name));
  if (listed) return false;
  await appendFile(hostsFile, `${current === '' || current.endsWith('\n') ? '' : '\n'}127.0.1.1\t${name}\n`);
  return true;
}

let ensuredFor: string | undefined;

/**
 * Keeps /etc/hosts in step with the host name, which can change after the agent starts (a
 * warm spare takes its sprite's name when it is handed over). Cheap when nothing changed.
 */
export function keepHostnameResolvable(onError: (err: unknown) => void): void {
  const name = hostname();
  if (name === ensuredFor) return;
  ensuredFor = name;
  ensureHostnameResolves().catch(onError);
}
