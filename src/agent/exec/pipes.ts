import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { signalNumber } from '../../shared/control-messages.js';
import { decodeFrame, StreamId } from '../../shared/frames.js';
import { errorText } from '../log.js';
import { deferred, exitCodeOf, type CommandContext, type CommandSink, type RunningCommand } from './command.js';
import type { Launch } from './launch.js';
import { launchProblem } from './launch-failure.js';

/**
 * After the process exits, its pipes normally reach EOF at once. If a background child still
 * holds them, wait this long for the last bytes and then stop reading, so the exit is not
 * held hostage by a daemon the command started.
 */
const PIPE_GRACE_MS = 75;

/** Non-TTY exec: pipes, one-byte stream prefixes, the exit frame after all output. */
export class PipeCommand implements RunningCommand {
  pgid: number | undefined;
  finished = false;
  private readonly ended = deferred();
  readonly done = this.ended.promise;
  private child: ChildProcess | undefined;
  private openOutputs = 0;
  private exitCode: number | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(
    launch: Launch,
    withStdin: boolean,
    private readonly sink: CommandSink,
    private readonly ctx: CommandContext,
  ) {
    const { file, args, cwd, env, ids } = launch;
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd,
        env,
        // Own session and process group: signals and hang-ups reach the whole job.
        detached: true,
        stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        // libuv also drops supplementary groups when it switches ids.
        ...ids,
      });
    } catch (err) {
      this.failLaunch(file, env.PATH, cwd, err);
      return;
    }
    this.child = child;
    if (child.pid === undefined) {
      // spawn reports ENOENT, EACCES and the like through 'error' on the next tick.
      child.once('error', (err) => this.failLaunch(file, env.PATH, cwd, err));
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      return;
    }
    this.pgid = child.pid;
    ctx.log('exec_start', { id: ctx.id, pid: child.pid, cmd: file, tty: false });
    child.on('error', (err) => ctx.log('exec_error', { id: ctx.id, error: errorText(err) }));
    child.stdin?.on('error', () => {
      // EPIPE once the command stops reading is normal; the input is simply dropped.
    });
    const { stdout, stderr } = child;
    if (stdout !== null) this.pump(stdout, StreamId.Stdout);
    if (stderr !== null) this.pump(stderr, StreamId.Stderr);
    sink.onCongestion(
      () => {
        stdout?.pause();
        stderr?.pause();
      },
      () => {
        stdout?.resume();
        stderr?.resume();
      },
    );
    child.once('exit', (code, signal) => this.onExit(code, signal));
  }

  private pump(stream: Readable, id: typeof StreamId.Stdout | typeof StreamId.Stderr): void {
    this.openOutputs++;
    stream.on('data', (chunk: Buffer) => {
      if (!this.finished) this.sink.output(id, chunk);
    });
    stream.on('error', () => {});
    stream.once('close', () => {
      this.openOutputs--;
      if (this.exitCode !== undefined && this.openOutputs === 0) this.report();
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = exitCodeOf(code, signal === null ? undefined : signalNumber(signal));
    if (this.openOutputs === 0) {
      this.report();
      return;
    }
    // setImmediate after the timer lets one more poll phase read what is already in the pipes,
    // even if the event loop was too busy to notice them during the grace period.
    this.graceTimer = setTimeout(() => setImmediate(() => this.report()), PIPE_GRACE_MS);
  }

  input(frame: Buffer): void {
    const stdin = this.child?.stdin;
    if (this.finished || stdin === null || stdin === undefined || stdin.writableEnded) return;
    const decoded = decodeFrame(frame);
    if (decoded.stream === StreamId.Stdin) {
      if (decoded.data.length === 0) return;
      if (!stdin.write(decoded.data)) {
        this.sink.pauseInput();
        stdin.once('drain', () => this.sink.resumeInput());
      }
    } else if (decoded.stream === StreamId.StdinEof) {
      stdin.end();
    }
    // Anything else from the client (unknown ids, empty frames) is ignored.
  }

  resize(): void {
    // Pipes have no window size.
  }

  private failLaunch(file: string, searchPath: string | undefined, cwd: string, err: unknown): void {
    const errno = err instanceof Error ? (err as NodeJS.ErrnoException) : undefined; // spawn errors carry errno codes
    const failure = launchProblem(file, searchPath, cwd, errno) ?? { message: `hob: ${file}: ${errorText(err)}`, exitCode: 126 };
    this.ctx.log('exec_failed', { id: this.ctx.id, cmd: file, exit_code: failure.exitCode, error: failure.message });
    this.sink.output(StreamId.Stderr, Buffer.from(`${failure.message}\n`));
    this.exitCode = failure.exitCode;
    this.report();
  }

  private report(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.graceTimer);
    const code = this.exitCode ?? 1;
    // Stop reading pipes a background process may still hold; it gets SIGPIPE if it writes.
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.child?.stdin?.destroy();
    // Input may be paused for a stdin that will never drain now; the close handshake needs reads.
    this.sink.resumeInput();
    this.sink.exit(code);
    if (this.pgid !== undefined) {
      this.ctx.log('exec_exit', {
        id: this.ctx.id,
        pid: this.pgid,
        exit_code: code,
        duration_ms: Math.round(performance.now() - this.startedAt),
      });
    }
    this.ended.resolve();
  }
}
