import { existsSync, readFileSync, statSync } from 'node:fs';

/** Whom a command runs as, and the login facts its environment and working directory come from. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

const PASSWD = '/etc/passwd';
const MAX_ID = 65_535;

function defaultShell(): string {
  return existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
}

function parsePasswd(text: string): Account[] {
  const accounts: Account[] = [];
  for (const line of text.split('\n')) {
    const [name, , uidText, gidText, , home, shell] = line.split(':');
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (name === undefined || name === '' || !Number.isInteger(uid) || !Number.isInteger(gid) || uid < 0 || gid < 0 || uid > MAX_ID || gid > MAX_ID) continue;
    accounts.push({ name, uid, gid, home: home === undefined || home === '' ? '/' : home, shell: shell === undefined || shell === '' ? defaultShell() : shell });
  }
  return accounts;
}

function readPasswd(path: string): Account[] {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * The account `user` names, from the sprite's own /etc/passwd (read at every exec: users are
 * added while a sprite runs). Root is root even in an image without a passwd file, and a uid
 * with no entry runs as that uid and its own group, as `docker run --user` does; a name with no
 * entry is undefined.
 */
export function lookUpAccount(user: string | undefined, passwdPath = PASSWD): Account | undefined {
  const accounts = readPasswd(passwdPath);
  const wanted = user ?? 'root';
  const numeric = /^\d+$/.test(wanted) ? Number(wanted) : undefined;
  const found = accounts.find((account) => (numeric === undefined ? account.name === wanted : account.uid === numeric));
  if (found !== undefined) return found;
  if (wanted === 'root' || numeric === 0) return { name: 'root', uid: 0, gid: 0, home: '/root', shell: defaultShell() };
  if (numeric !== undefined && numeric <= MAX_ID) return { name: String(numeric), uid: numeric, gid: numeric, home: '/', shell: defaultShell() };
  return undefined;
}

/**
 * Where a command starts when the request names no directory: a user's home, as a login
 * would (or `/` if it has none), but root stays in `/`, where Hob's commands have always started.
 */
export function defaultDirectory(account: Account): string {
  if (account.uid === 0) return '/';
  try {
    return statSync(account.home).isDirectory() ? account.home : '/';
  } catch {
    return '/';
  }
}
