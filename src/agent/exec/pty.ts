import { readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IPty } from 'node-pty';
import { errorText } from '../log.js';
import { deferred, exitCodeOf, type CommandContext, type CommandSink, type RunningCommand } from './command.js';
import type { Launch } from './launch.js';
import { launchProblem, type LaunchFailure } from './launch-failure.js';

/**
 * node-pty itself waits (up to 200 ms) for the terminal to close before reporting exit; a
 * little more quiet is waited for anyway, bounded, so late output is never cut off.
 */
const QUIET_MS = 20;
const MAX_DRAIN_MS = 300;

type PtyModule = typeof import('node-pty');
let ptyModule: Promise<PtyModule> | undefined;

/**
 * Loaded on the first TTY exec only: the native module is not needed to start, and start-up
 * time counts. With require, resolved from the agent's script as Node would (from /.hob in a
 * sprite), not import(): in a sprite the bundle runs from V8's code cache through a vm.Script
 * (server/agent-link/agent-launcher.ts), where Node 20 loses the loader import() needs.
 */
function loadPty(): Promise<PtyModule> {
  ptyModule ??= Promise.resolve().then(() => createRequire(process.argv[1] ?? join(process.cwd(), 'agent.js'))('node-pty') as PtyModule); // require() is untyped; these are node-pty's own typings
  return ptyModule;
}

export interface TerminalOptions {
  readonly cols: number;
  readonly rows: number;
  readonly withStdin: boolean;
}

/** TTY exec: the command on a pseudo-terminal, its output raw. */
export async function startPty(launch: Launch, terminal: TerminalOptions, sink: CommandSink, ctx: CommandContext): Promise<RunningCommand> {
  const { file, args, cwd, env, ids } = launch;
  // node-pty reports a failed exec only as exit 1 plus perror text, so check first.
  const problem = launchProblem(file, env.PATH, cwd);
  if (problem !== undefined) return new FailedPty(sink, ctx, file, problem);
  let term: IPty;
  try {
    const pty = await loadPty();
    term = pty.spawn(file, args, {
      name: env.TERM ?? 'xterm-256color',
      cols: terminal.cols,
      rows: terminal.rows,
      cwd,
      env,
      // Raw bytes: output is relayed as it is, and input is not re-encoded.
      encoding: null,
      // node-pty keeps the agent's supplementary groups, which are none (see agent/main.ts).
      ...ids,
    });
  } catch (err) {
    return new FailedPty(sink, ctx, file, { message: `hob: ${file}: cannot start a terminal: ${errorText(err)}`, exitCode: 126 });
  }
  return new PtyCommand(term, sink, ctx, file, terminal.withStdin);
}

/** node-pty's internals this module relies on, checked at run time (they are not in its typings). */
interface PtyInternals {
  _socket?: { destroy: (...args: unknown[]) => unknown; read: () => unknown };
  _fd?: unknown;
}

/**
 * node-pty reports exit once the terminal reads EOF, or 200 ms after the process exited,
 * whichever comes first; at the 200 ms mark it destroys its reader, and output still in the
 * kernel's buffer is lost. The timer and the read are served by one event loop, timers first,
 * so an agent starved of CPU for 200 ms (a busy host) loses the last output of a command. Just
 * before the reader is destroyed, whatever the terminal still holds is read here and kept.
 */
function salvageOutputOnDestroy(term: IPty, emit: (data: Buffer) => void): void {
  const internals = term as unknown as PtyInternals; // node-pty keeps these on the instance; both are checked below
  const socket = internals._socket;
  const fd = internals._fd;
  if (socket === undefined || typeof socket.destroy !== 'function' || typeof socket.read !== 'function' || typeof fd !== 'number') return;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (...args: unknown[]) => {
    // First what the reader already took in but (paused) has not handed out, then the kernel's rest.
    for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) {
      if (Buffer.isBuffer(chunk)) emit(chunk);
    }
    const buffer = Buffer.alloc(64 * 1024);
    try {
      // The master is non-blocking: this ends with EAGAIN (empty) or EIO (no writer left).
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) emit(Buffer.from(buffer.subarray(0, n)));
    } catch {
      // Nothing more to read.
    }
    return destroy(...args);
  };
}

class PtyCommand implements RunningCommand {
  readonly pgid: number;
  finished = false;
  private readonly ended = deferred();
  readonly done = this.ended.promise;
  private exitCode: number | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private capTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(
    private readonly term: IPty,
    private readonly sink: CommandSink,
    private readonly ctx: CommandContext,
    file: string,
    private readonly acceptInput: boolean,
  ) {
    // node-pty's child calls setsid(), so its pid is also its process group and session.
    this.pgid = term.pid;
    ctx.log('exec_start', { id: ctx.id, pid: term.pid, cmd: file, tty: true });
    // With encoding null node-pty hands out Buffers although its typings say string.
    const forward = (data: string | Buffer): void => {
      if (this.finished) return;
      sink.output('tty', Buffer.isBuffer(data) ? data : Buffer.from(data));
      this.quietTimer?.refresh();
    };
    term.onData(forward);
    salvageOutputOnDestroy(term, forward);
    term.onExit(({ exitCode, signal }) => {
      this.exitCode = exitCodeOf(exitCode, signal);
      this.quietTimer = setTimeout(() => this.report(), QUIET_MS);
      this.capTimer = setTimeout(() => this.report(), MAX_DRAIN_MS);
    });
    sink.onCongestion(
      () => term.pause(),
      () => term.resume(),
    );
  }

  input(frame: Buffer): void {
    if (this.acceptInput && this.exitCode === undefined && frame.length > 0) this.term.write(frame);
  }

  resize(cols: number, rows: number): void {
    if (this.exitCode !== undefined) return;
    try {
      this.term.resize(cols, rows);
    } catch (err) {
      this.ctx.log('exec_error', { id: this.ctx.id, error: `resize: ${errorText(err)}` });
    }
  }

  private report(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.capTimer);
    const code = this.exitCode ?? 1;
    this.sink.exit(code);
    this.ctx.log('exec_exit', {
      id: this.ctx.id,
      pid: this.pgid,
      exit_code: code,
      duration_ms: Math.round(performance.now() - this.startedAt),
    });
    this.ended.resolve();
  }
}

/** A TTY command that never started: its message goes out as terminal output. */
class FailedPty implements RunningCommand {
  readonly pgid = undefined;
  readonly finished = true;
  readonly done = Promise.resolve();

  constructor(sink: CommandSink, ctx: CommandContext, file: string, failure: LaunchFailure) {
    ctx.log('exec_failed', { id: ctx.id, cmd: file, exit_code: failure.exitCode, error: failure.message });
    sink.output('tty', Buffer.from(`${failure.message}\r\n`));
    sink.exit(failure.exitCode);
  }

  input(): void {}
  resize(): void {}
}
