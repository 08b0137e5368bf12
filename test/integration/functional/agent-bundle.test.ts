/**
 * The agent as it ships: one esbuild bundle with node-pty beside it in node_modules, started
 * with an empty environment from `/`, the way it runs inside a sprite, where /.hob/agent.js is
 * the launcher that runs the bundle through V8's code cache (src/server/agent-link/agent-launcher.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { AGENT_BUNDLE_FILE, AGENT_CODE_CACHE_FILE, AGENT_LAUNCHER, AGENT_LAUNCHER_FILE, writeAgentCodeCache } from '../../../src/server/agent-link/agent-launcher.js';
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

/** Builds the bundle once into `dir`, with what the runtime puts next to it. */
function buildBundle(): string {
  const outfile = join(dir, 'agent.js');
  if (existsSync(outfile)) return outfile;
  const build = spawnSync(join(REPO, 'node_modules/.bin/esbuild'), [...AGENT_ESBUILD_ARGS, `--outfile=${outfile}`, '--log-level=warning'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, build.stderr);
  // node-pty, and a package.json that pins the module type so that a /package.json in the
  // user's image cannot turn agent.js into ESM.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'node_modules/node-pty'), join(dir, 'node_modules/node-pty'));
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
  return outfile;
}

/** Starts `script` as a sprite starts the agent, waits for its /health and checks a piped and a TTY exec; returns its log. */
async function startAndExec(t: TestContext, script: string): Promise<string> {
  rmSync(sock, { force: true });
  const startedAt = performance.now();
  const proc = spawn(process.execPath, [script, '--socket', sock], { cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'inherit'] });
  agentProc = proc;
  let log = '';
  proc.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let body: Record<string, unknown> | undefined;
  while (body === undefined) {
    assert.ok(performance.now() - startedAt < 10_000, `${script} did not answer /health`);
    if (existsSync(sock)) body = await health(sock).catch(() => undefined);
    if (body === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  t.diagnostic(`${basename(script)} answered /health ${(performance.now() - startedAt).toFixed(0)} ms after spawn`);
  assert.equal(body.pid, proc.pid);

  const piped = await exec(false, ['echo', 'hi']);
  assert.equal(piped.output, '\x01hi\n\x03\x00');
  assert.equal(piped.closeCode, 1000);

  const pty = await exec(true, ['tty']);
  assert.match(pty.output, /^\/dev\/pts\/\d+\r\n$/);
  assert.equal(pty.closeCode, 1000);
  await new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
  });
  agentProc = undefined;
  return log;
}

test('the esbuild bundle starts from an empty environment and serves health, pipes and a pty', async (t) => {
  const bundle = readFileSync(buildBundle(), 'utf8');
  // node-pty stays outside, loaded with require: the launcher runs the bundle as a vm.Script,
  // where an import() of a package would find no loader.
  assert.match(bundle, /\("node-pty"\)/);
  assert.doesNotMatch(bundle, /\bimport\(/);
  assert.doesNotMatch(bundle, /require\("ws"\)/);
  await startAndExec(t, join(dir, 'agent.js'));
});

test('the launcher runs the bundle through a code cache V8 accepts, and without one', async (t) => {
  // As the runtime dir holds them: the launcher as agent.js, the bundle beside it.
  const runtime = join(dir, 'runtime');
  mkdirSync(runtime);
  copyFileSync(buildBundle(), join(runtime, AGENT_BUNDLE_FILE));
  writeFileSync(join(runtime, AGENT_LAUNCHER_FILE), AGENT_LAUNCHER);
  writeFileSync(join(runtime, 'package.json'), '{"type":"commonjs"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(runtime, 'node_modules'));
  await writeAgentCodeCache(runtime, process.execPath);
  const launcher = join(runtime, AGENT_LAUNCHER_FILE);

  const cached = await startAndExec(t, launcher);
  assert.match(cached, /"event":"start"/);
  assert.doesNotMatch(cached, /code_cache_unused/);

  writeFileSync(join(runtime, AGENT_CODE_CACHE_FILE), readFileSync(join(runtime, AGENT_CODE_CACHE_FILE)).subarray(0, 1000));
  assert.match(await startAndExec(t, launcher), /"event":"code_cache_unused","reason":"rejected"/);
  rmSync(join(runtime, AGENT_CODE_CACHE_FILE));
  assert.match(await startAndExec(t, launcher), /"event":"code_cache_unused","reason":"missing"/);
});
