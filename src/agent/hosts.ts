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
