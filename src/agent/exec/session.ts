import type { RawData, WebSocket } from 'ws';
import { normalizeSignal, parseClientControl } from '../../shared/control-messages.js';
import type { ExecRequest } from '../../shared/exec-request.js';
import type { AgentConfig } from '../config.js';
import type { Account } from './account.js';
import { preferForOomKill } from './oom.js';
import { keepHostnameResolvable } from '../hosts.js';
import { errorText, type Log } from '../log.js';
import { ExecChannel } from './channel.js';
import type { RunningCommand } from './command.js';
import { PipeCommand } from './pipes.js';
import { hangUpSession, signalGroup } from './process-group.js';
import { startPty } from './pty.js';

export interface ExecDeps {
  readonly config: AgentConfig;
  readonly log: Log;
  /** Every command still running; the agent signals them all when it stops. */
  readonly running: Set<RunningCommand>;
}

let nextExecId = 1;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Runs one exec on an accepted WebSocket and wires the client's messages to it. */
export function serveExec(ws: WebSocket, req: ExecRequest, account: Account, deps: ExecDeps): void {
  const id = nextExecId++;
  const { log } = deps;
  const channel = new ExecChannel(ws, deps.config.keepaliveMs);
  let command: RunningCommand | undefined;
  // A TTY command starts asynchronously (node-pty loads lazily); input that arrives before
  // then is kept, in order, and replayed.
  const early: Array<{ data: RawData; isBinary: boolean }> = [];
  let clientGone = false;

  const handle = (data: RawData, isBinary: boolean): void => {
    if (command === undefined) {
      early.push({ data, isBinary });
      return;
    }
    if (command.finished) return;
    if (isBinary) {
      command.input(toBuffer(data));
      return;
    }
    const msg = parseClientControl(toBuffer(data).toString('utf8'));
    if (msg?.type === 'resize') {
      command.resize(msg.cols, msg.rows);
    } else if (msg?.type === 'signal') {
      const signal = normalizeSignal(msg.signal);
      if (signal === undefined) log('exec_bad_signal', { id, signal: msg.signal.slice(0, 32) });
      else if (command.pgid !== undefined) signalGroup(command.pgid, signal);
    }
    // Unknown text messages are ignored: newer clients may send things this agent predates.
  };

  ws.on('message', (data, isBinary) => {
    try {
      handle(data, isBinary);
    } catch (err) {
      log('exec_error', { id, error: errorText(err) });
    }
  });
  ws.on('error', (err) => log('exec_socket_error', { id, error: errorText(err) }));
  ws.on('close', () => {
    clientGone = true;
    channel.dispose();
    if (command !== undefined && !command.finished && command.pgid !== undefined) {
      log('exec_hangup', { id, pid: command.pgid });
      hangUpSession(command.pgid, deps.config.hangupGraceMs);
    }
  });

  const started = (cmd: RunningCommand): void => {
    command = cmd;
    if (deps.config.sandboxed && !cmd.finished && cmd.pgid !== undefined) preferForOomKill(cmd.pgid);
    if (!cmd.finished) {
      deps.running.add(cmd);
      void cmd.done.then(() => deps.running.delete(cmd));
    }
    if (clientGone && !cmd.finished && cmd.pgid !== undefined) hangUpSession(cmd.pgid, deps.config.hangupGraceMs);
    for (const { data, isBinary } of early.splice(0)) handle(data, isBinary);
  };

  const begin = (): void => {
    if (!req.tty) {
      started(new PipeCommand(req, account, channel, { id, log }));
      return;
    }
    startPty(req, account, channel, { id, log }).then(started, (err: unknown) => {
      log('exec_error', { id, error: errorText(err) });
      channel.close(1011);
    });
  };
  // Right after a warm spare is handed over, its new name may not be in /etc/hosts yet; the
  // command waits for that (a file append), so it never sees the spare's old name only.
  const hostsUpdate = deps.config.sandboxed ? keepHostnameResolvable((err) => log('hosts_failed', { error: errorText(err) })) : undefined;
  if (hostsUpdate === undefined) begin();
  else void hostsUpdate.then(begin);
}
