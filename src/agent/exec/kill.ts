import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionKillEventJson } from '../../shared/protocol.js';
import { KILL_REAP_TIMEOUT_MS } from '../../shared/session-limits.js';
import type { ExecSession } from './exec-session.js';
import { signalSession } from './process-group.js';

/** Resolves true if the session ended within `ms`. */
async function endsWithin(session: ExecSession, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const ended = await Promise.race([session.done.then(() => true), sleep(ms, false, { signal: ac.signal }).catch(() => false)]);
  ac.abort();
  return ended;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Ends a running session the way Sprites' kill does, reporting each step: the signal to its
 * whole session (every process group of it, so a shell's jobs too), then, if it has not exited
 * within `timeoutMs`, SIGKILL. It carries on to the end even if nobody reads the report.
 */
export async function killSession(session: ExecSession, pgid: number, signal: NodeJS.Signals, timeoutMs: number, report: (event: SessionKillEventJson) => void): Promise<void> {
  report({ type: 'signal', message: `Signaling ${signal} to process group ${pgid}`, pid: pgid, signal });
  signalSession(pgid, signal);
  // A stopped process acts on the signal only once continued.
  if (signal !== 'SIGSTOP' && signal !== 'SIGTSTP' && signal !== 'SIGCONT') signalSession(pgid, 'SIGCONT');
  if (await endsWithin(session, timeoutMs)) {
    report({ type: 'exited', message: 'Process exited' });
  } else {
    report({ type: 'timeout', message: `Timeout after ${seconds(timeoutMs)}, sending SIGKILL` });
    signalSession(pgid, 'SIGKILL');
    if (!(await endsWithin(session, KILL_REAP_TIMEOUT_MS))) {
      report({ type: 'error', message: `the process did not end within ${seconds(KILL_REAP_TIMEOUT_MS)} of SIGKILL` });
      return;
    }
    report({ type: 'killed', message: 'Process killed' });
  }
  report({ type: 'complete', exit_code: session.toJson().exit_code ?? 0 });
}
