import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (${exitCode === null ? 'killed' : `exit ${exitCode}`}): ${stderr.trim().slice(-2000) || 'no output'}`);
    this.name = 'CommandError';
  }
}

/** Runs a host tool (btrfs, runc, mount …) to completion, with its stderr in the error if it fails. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; allowFailure?: boolean } = {},
): Promise<CommandResult & { exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(new CommandError(`${file} ${args.join(' ')}`, null, error.message));
    });
    child.on('close', (code) => {
      if (timer !== undefined) clearTimeout(timer);
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: code };
      if (code !== 0 && options.allowFailure !== true) {
        reject(new CommandError(`${file} ${args.join(' ')}`, code, result.stderr || result.stdout));
      } else {
        resolve(result);
      }
    });
    if (options.input !== undefined) {
      // A tool that exits without reading its input must not crash the server with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
}
