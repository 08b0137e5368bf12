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

let ensured: { name: string; settled: boolean; done: Promise<void> } | undefined;

/**
 * Keeps /etc/hosts in step with the host name, which can change after the agent starts (a
 * warm spare takes its sprite's name when it is handed over). Returns the pending update, if
 * one is under way, so that a command started now sees the new entry; undefined when nothing
 * changed, which is the common, free case.
 */
export function keepHostnameResolvable(onError: (err: unknown) => void): Promise<void> | undefined {
  const name = hostname();
  if (ensured?.name === name) return ensured.settled ? undefined : ensured.done;
  const entry = {
    name,
    settled: false,
    done: ensureHostnameResolves().then(
      () => undefined,
      (err: unknown) => onError(err),
    ),
  };
  void entry.done.finally(() => (entry.settled = true));
  ensured = entry;
  return entry.done;
}
