import { spawn } from 'node:child_process';
import { HOB_BIN } from './server.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
}

/**
 * Runs the built `hob` CLI against a test server with only the environment a user would set
 * (PATH, HOME in the run dir, HOB_URL and HOB_TOKEN), plus `options.env`.
 */
export function runHob(server: { url: string; token: string; runDir: string }, args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOB_BIN, ...args], {
      cwd: options.cwd ?? server.runDir,
      env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
