import type { WebSocket } from 'ws';
import { isSession, maxRunAfterDisconnectOf, type ExecRequest } from '../../shared/exec-request.js';
import { SCROLLBACK_BYTES } from '../../shared/session-limits.js';
import type { AgentConfig } from '../config.js';
import { keepHostnameResolvable } from '../hosts.js';
import { errorText, type Log } from '../log.js';
import type { Account } from './account.js';
import type { RunningCommand } from './command.js';
import { ExecSession } from './exec-session.js';
import { launchOf } from './launch.js';
import { preferForOomKill } from './oom.js';
import { PipeCommand } from './pipes.js';
import { startPty } from './pty.js';
import type { SessionRegistry } from './session-registry.js';

export interface ExecDeps {
  readonly config: AgentConfig;
  readonly log: Log;
  /** Every command still running; the agent signals them all when it stops. */
  readonly running: Set<RunningCommand>;
  readonly sessions: SessionRegistry;
}

let nextExecId = 1;

/**
 * Starts one exec for the client on `ws`: an ExecSession with the client attached, and the
 * command, with pipes or a PTY. A TTY or detachable exec is kept in the registry as a session
 * once it has started, so it can be listed and attached to after its client has gone.
 */
export function startExec(ws: WebSocket, req: ExecRequest, account: Account, deps: ExecDeps): void {
  const id = nextExecId++;
  const { log, config } = deps;
  const launch = launchOf(req, account);
  const asSession = isSession(req);
  const session = new ExecSession({
    cmd: req.cmd,
    workdir: launch.cwd,
    tty: req.tty,
    cols: req.cols,
    rows: req.rows,
    scrollbackBytes: asSession ? SCROLLBACK_BYTES : 0,
    maxRunAfterDisconnectMs: maxRunAfterDisconnectOf(req),
    keepaliveMs: config.keepaliveMs,
    hangupGraceMs: config.hangupGraceMs,
    execId: id,
    log,
  });
  session.addOwner(ws);

  const started = (cmd: RunningCommand): void => {
    if (!cmd.finished) {
      if (config.sandboxed && cmd.pgid !== undefined) preferForOomKill(cmd.pgid);
      deps.running.add(cmd);
      void cmd.done.then(() => deps.running.delete(cmd));
    }
    session.begin(cmd, asSession);
    if (session.id !== undefined) deps.sessions.add(session);
  };

  const begin = (): void => {
    const ctx = { id, log };
    if (!req.tty) {
      started(new PipeCommand(launch, req.stdin, session, ctx));
      return;
    }
    startPty(launch, { cols: req.cols, rows: req.rows, withStdin: req.stdin }, session, ctx).then(started, (err: unknown) => {
      log('exec_error', { id, error: errorText(err) });
      session.failStart();
    });
  };
  // Right after a warm spare is handed over, its new name may not be in /etc/hosts yet; the
  // command waits for that (a file append), so it never sees the spare's old name only.
  const hostsUpdate = config.sandboxed ? keepHostnameResolvable((err) => log('hosts_failed', { error: errorText(err) })) : undefined;
  if (hostsUpdate === undefined) begin();
  else void hostsUpdate.then(begin);
}
