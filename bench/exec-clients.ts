/**
 * The exec round trips the bench compares: a raw `ws` client through the server, the same
 * straight to a sprite's agent socket (no server), and a local child process.
 */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

const EXIT_FRAME = 0x03;
const TRUE_QUERY = 'cmd=true&path=true&stdin=true';

/** Opens a WebSocket exec of `true` at `url` and resolves with its exit code once the exit frame arrives. */
function execTrue(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    let code: number | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data[0] !== EXIT_FRAME) return;
      code = data[1] ?? 0;
      // Like the SDK: the exit frame ends the command; the close handshake is not waited for.
      ws.close(1000);
      resolve(code);
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`exec refused with HTTP ${String(res.statusCode)}`)));
    ws.on('error', reject);
    ws.on('close', () => {
      if (code === undefined) reject(new Error(`exec at ${url} closed without an exit frame`));
    });
  });
}

/** `true` through the Hob server, as any Sprites client would run it. */
export function serverExecTrue(baseUrl: string, token: string, sprite: string): Promise<number> {
  const wsBase = baseUrl.replace(/^http/, 'ws');
  return execTrue(`${wsBase}/v1/sprites/${encodeURIComponent(sprite)}/exec?${TRUE_QUERY}`, { Authorization: `Bearer ${token}` });
}

/** `true` straight on a sprite's agent socket: what the server relays to, minus the server. */
export function agentExecTrue(socketPath: string): Promise<number> {
  return execTrue(`ws+unix://${socketPath}:/exec?${TRUE_QUERY}`);
}

/** Runs a local command to completion (stdio piped, as the agent does) and resolves with its exit code. */
export function runLocal(file: string, args: readonly string[] = [], stdio: 'pipe' | 'ignore' = 'pipe'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : 1)));
  });
}

export async function mustSucceed(what: string, run: Promise<number>): Promise<void> {
  const code = await run;
  if (code !== 0) throw new Error(`${what} exited with ${code}`);
}
