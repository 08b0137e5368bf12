import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every command leads its own session and process group (setsid: sid = pgid = leader pid),
 * so signals reach the whole pipeline or job, and clean-up can find everything it started.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * The process groups of a session, from /proc: an interactive shell puts its jobs in groups
 * of their own, which signalling the leader's group alone would miss. Processes that called
 * setsid() themselves have left the session and are not found (they chose to be daemons).
 */
function sessionGroups(sid: number): Set<number> {
  const groups = new Set<number>([sid]);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return groups;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // Fields after "(comm)": state ppid pgrp session …; comm may itself contain ") ".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid) groups.add(Number(fields[2]));
    } catch {
      // The process ended while we looked.
    }
  }
  return groups;
}

export function signalSession(sid: number, signal: NodeJS.Signals): void {
  for (const pgid of sessionGroups(sid)) signalGroup(pgid, signal);
}

/**
 * The client went away before the command ended: hang up like a closed terminal would, then
 * make sure nothing of the session survives. A session or group id stays reserved while any
 * member is alive, so the delayed SIGKILL cannot hit an unrelated process.
 */
export function hangUpSession(sid: number, graceMs: number): void {
  signalSession(sid, 'SIGHUP');
  // A stopped process acts on SIGHUP only once continued (the kernel does the same for orphans).
  signalSession(sid, 'SIGCONT');
  setTimeout(() => signalSession(sid, 'SIGKILL'), graceMs).unref();
}
