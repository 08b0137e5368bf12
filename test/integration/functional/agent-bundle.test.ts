/**
 * The agent as it ships: one esbuild bundle with node-pty beside it in node_modules, started
 * with an empty environment from `/`, the way it runs inside a sprite at /.hob/agent.js.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { encodeExecQuery } from '../../../src/shared/exec-request.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The build the release uses; keep scripts/build.mjs in step with this list. */
const AGENT_ESBUILD_ARGS = [
  'src/agent/main.ts',
  '--bundle',
  '--platform=node',
  '--target=node20',
  // CommonJS: bundled CJS dependencies (ws) call require() on Node built-ins, which an ESM
  // bundle cannot do without a createRequire banner.
  '--format=cjs',
  // A native module: it is loaded from node_modules next to the bundle, on the first TTY exec.
  '--external:node-pty',
];

let dir: string;
let agentProc: ChildProcess | undefined;
let sock: string;

function health(socketPath: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/health' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as Record<string, unknown>); // test-only: shape asserted below
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function exec(tty: boolean, cmd: string[]): Promise<{ output: string; closeCode: number }> {
  const q = encodeExecQuery({ cmd, env: {}, dir: undefined, tty, rows: 24, cols: 80, stdin: true });
  const ws = new WebSocket(`ws+unix://${sock}:/exec?${q.toString()}`);
  let output = '';
  ws.on('message', (data, isBinary) => {
    if (isBinary) output += Buffer.isBuffer(data) ? data.toString('latin1') : '';
  });
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', (closeCode) => resolve({ output, closeCode }));
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hob-agent-bundle-'));
  sock = join(dir, 'run', 'agent.sock');
});

after(() => {
  agentProc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('the esbuild bundle starts from an empty environment and serves health, pipes and a pty', async (t) => {
  const outfile = join(dir, 'agent.js');
  const build = spawnSync(join(REPO, 'node_modules/.bin/esbuild'), [...AGENT_ESBUILD_ARGS, `--outfile=${outfile}`, '--log-level=warning'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, build.stderr);
  const bundle = readFileSync(outfile, 'utf8');
  assert.match(bundle, /import\("node-pty"\)|require\("node-pty"\)/);
  assert.doesNotMatch(bundle, /require\("ws"\)/);

  // What the runtime puts next to the bundle: node-pty, and a package.json that pins the
  // module type so that a /package.json in the user's image cannot turn agent.js into ESM.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'node_modules/node-pty'), join(dir, 'node_modules/node-pty'));
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');

  const startedAt = performance.now();
  agentProc = spawn(process.execPath, [outfile, '--socket', sock], { cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'inherit'] });
  let body: Record<string, unknown> | undefined;
  while (body === undefined) {
    assert.ok(performance.now() - startedAt < 10_000, 'bundle did not answer /health');
    if (existsSync(sock)) body = await health(sock).catch(() => undefined);
    if (body === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const readyMs = performance.now() - startedAt;
  t.diagnostic(`bundle answered /health ${readyMs.toFixed(0)} ms after spawn`);
  assert.equal(body.pid, agentProc.pid);

  const piped = await exec(false, ['echo', 'hi']);
  assert.equal(piped.output, '\x01hi\n\x03\x00');
  assert.equal(piped.closeCode, 1000);

  const pty = await exec(true, ['tty']);
  assert.match(pty.output, /^\/dev\/pts\/\d+\r\n$/);
  assert.equal(pty.closeCode, 1000);
});
