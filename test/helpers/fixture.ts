import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { HobClient } from '../../src/client/client.js';
import { StreamId, decodeFrame, encodeFrame } from '../../src/shared/frames.js';
import type { CreateSpriteBody, SpriteJson } from '../../src/shared/protocol.js';
import type { ExecRequest } from '../../src/shared/exec-request.js';

/** The server the test runner started for this run (scripts/test.ts), from its environment. */
export interface SharedServer {
  url: string;
  token: string;
  dataDir: string;
  prefix: string;
  runDir: string;
  logFile: string;
}

export function sharedServer(): SharedServer {
  const { HOB_TEST_URL, HOB_TEST_TOKEN, HOB_TEST_DATA_DIR, HOB_TEST_PREFIX, HOB_TEST_RUN_DIR, HOB_TEST_SERVER_LOG } = process.env;
  if (!HOB_TEST_URL || !HOB_TEST_TOKEN || !HOB_TEST_DATA_DIR || !HOB_TEST_PREFIX || !HOB_TEST_RUN_DIR) {
    throw new Error('integration tests run under `npm test`, which starts a Hob server for them');
  }
  return {
    url: HOB_TEST_URL,
    token: HOB_TEST_TOKEN,
    dataDir: HOB_TEST_DATA_DIR,
    prefix: HOB_TEST_PREFIX,
    runDir: HOB_TEST_RUN_DIR,
    logFile: HOB_TEST_SERVER_LOG ?? '',
  };
}

export function clientFor(server: { url: string; token: string }): HobClient {
  return new HobClient({ url: server.url, token: server.token });
}

let counter = 0;

/**
 * Owns the sprites of one test: names them after the test, labels them with it, destroys them
 * when the test ends, and prints the server's and their agents' logs if it failed.
 */
export function spriteFixture(t: TestContext, server: { url: string; token: string; dataDir: string; prefix: string; logFile?: string }) {
  const client = clientFor(server);
  const created: SpriteJson[] = [];
  t.after(async () => {
    // `passed` exists on Node 20's TestContext at run time but is missing from @types/node 20.
    const failed = (t as TestContext & { passed?: boolean }).passed === false;
    for (const sprite of created) {
      if (failed) dumpLogs(server, sprite);
      await client.deleteSprite(sprite.name).catch(() => undefined);
    }
    if (failed && server.logFile && existsSync(server.logFile)) {
      process.stderr.write(`--- server log tail (${server.logFile}) ---\n${tail(server.logFile, 40)}\n`);
    }
  });
  // Arrow functions, not methods: tests destructure them.
  return {
    client,
    create: async (body: Partial<CreateSpriteBody> = {}): Promise<SpriteJson> => {
      const slug = t.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30).replace(/-$/, '');
      const name = body.name ?? `${server.prefix}-${slug || 'test'}-${++counter}`;
      // A fork takes its source's image.
      const sprite = await client.createSprite({ ...(body.source === undefined ? { image: 'tiny' } : {}), ...body, name, labels: [...(body.labels ?? []), `test:${t.name}`.slice(0, 128)] });
      created.push(sprite);
      return sprite;
    },
    /** Forget a sprite the test destroyed itself. */
    forget: (name: string): void => {
      const index = created.findIndex((s) => s.name === name);
      if (index >= 0) created.splice(index, 1);
    },
  };
}

function dumpLogs(server: { dataDir: string }, sprite: SpriteJson): void {
  const log = join(server.dataDir, 'sprites', sprite.id, 'agent.log');
  if (existsSync(log)) process.stderr.write(`--- agent log of ${sprite.name} ---\n${tail(log, 30)}\n`);
}

function tail(file: string, lines: number): string {
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a non-TTY command over the WebSocket exec and collects its output. */
export async function execCollect(client: HobClient, name: string, cmd: string[], options: Partial<ExecRequest> & { input?: string } = {}): Promise<ExecResult> {
  const ws = await client.openExec(name, { cmd, env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: true, ...options });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  return new Promise((resolve, reject) => {
    let code: number | undefined;
    ws.on('open', () => {
      if (options.input !== undefined) {
        ws.send(encodeFrame(StreamId.Stdin, Buffer.from(options.input)));
        ws.send(encodeFrame(StreamId.StdinEof));
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const frame = decodeFrame(data);
      if (frame.stream === StreamId.Stdout) stdout.push(frame.data);
      else if (frame.stream === StreamId.Stderr) stderr.push(frame.data);
      else if (frame.stream === StreamId.Exit) {
        code = frame.code;
        ws.close(1000);
      }
    });
    // A refused exec is a HobError carrying the server's JSON error.
    ws.on('error', reject);
    ws.on('close', () => {
      if (code === undefined) reject(new Error(`exec of ${cmd.join(' ')} closed without an exit frame`));
      else resolve({ stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), code });
    });
  });
}

export { WebSocket };
