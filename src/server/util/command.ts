import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * The server shells out to host tools (runc, btrfs, mount, debootstrap, chroot, tar). This is
 * the one place that spawns them, so cancellation, time limits and error text behave the same
 * for all of them.
 */

export interface RunOptions {
  signal?: AbortSignal;
  /** Fed to the child's stdin; without it stdin is closed at once so nothing waits on it. */
  stdin?: Readable;
  /** Called per line of stdout and stderr (interleaved as they arrive). */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Put the child in its own process group and signal the whole group on abort, so helpers
   * it started (debootstrap's dpkg, wget, chroot'ed scripts) die with it.
   */
  processGroup?: boolean;
  /** How long to wait after SIGTERM before SIGKILL on abort. */
  killGraceMs?: number;
  /** Kill the command (SIGKILL) if it runs longer than this. */
  timeoutMs?: number;
  /** Resolve with the exit code instead of rejecting when the command fails. */
  allowFailure?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

// Enough for any listing we parse (busybox --list-full is ~3 KB) while bounding a chatty child.
const MAX_CAPTURE_BYTES = 1 << 20;
const ERROR_TAIL_LINES = 15;

export class CommandError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(message: string, exitCode: number | null, stderr: string) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const { signal } = opts;
  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      detached: opts.processGroup === true,
    });
    const stdout = new Capture(opts.onLine);
    const stderr = new Capture(opts.onLine);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that exits early (tar on a bad archive) closes its stdin: that EPIPE is not
    // the error worth reporting, the child's exit status and stderr are.
    child.stdin.on('error', () => undefined);
    if (opts.stdin === undefined) {
      child.stdin.end();
    } else {
      opts.stdin.on('error', (err) => child.stdin.destroy(err));
      opts.stdin.pipe(child.stdin);
    }

    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      sendSignal('SIGTERM');
      killTimer = setTimeout(() => sendSignal('SIGKILL'), opts.killGraceMs ?? 3000);
    };
    const sendSignal = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        if (opts.processGroup === true) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // Already gone: nothing to stop.
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = opts.timeoutMs === undefined ? undefined : setTimeout(() => sendSignal('SIGKILL'), opts.timeoutMs);

    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      if (timeout !== undefined) clearTimeout(timeout);
      reject(new Error(`cannot run ${file}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      if (timeout !== undefined) clearTimeout(timeout);
      stdout.flush();
      stderr.flush();
      if (signal?.aborted) {
        // Make sure stragglers in the group do not outlive the abort.
        if (opts.processGroup === true) sendSignal('SIGKILL');
        reject(abortReason(signal));
        return;
      }
      if (code === 0 || opts.allowFailure === true) {
        resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode: code });
        return;
      }
      const how = code === null ? `was killed by ${sig ?? 'a signal'}` : `exited with status ${code}`;
      const tail = lastLines(stderr.text() || stdout.text(), ERROR_TAIL_LINES);
      reject(new CommandError(`${file} ${args.slice(0, 3).join(' ')} ${how}${tail === '' ? '' : `:\n${tail}`}`, code, stderr.text()));
    });
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function abortReason(signal: AbortSignal): Error {
  // AbortSignal.reason is `any` in the DOM typings; Hob aborts with the default, an AbortError.
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}

/** Collects output up to a bound (keeping the tail) and hands out complete lines. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private partial = '';
  // A chunk can end inside a multi-byte character; the decoder carries it to the next one.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: ((line: string) => void) | undefined) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    // Drop from the front: the end of the output is what explains a failure.
    while (this.bytes > MAX_CAPTURE_BYTES && this.chunks.length > 1) {
      this.bytes -= this.chunks.shift()?.length ?? 0;
    }
    if (this.onLine === undefined) return;
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  flush(): void {
    const rest = this.partial + this.decoder.end();
    if (this.onLine !== undefined && rest !== '') this.onLine(rest);
    this.partial = '';
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
