/**
 * The `hob` CLI as whole processes, from spawn to exit, next to `node -e 0` in the same rounds:
 * `hob --version` (start-up alone) and `hob exec -s NAME -- true` on a running sprite (start-up,
 * the WebSocket exec and the exit), each with and without the compile cache, and `hob ls` (one
 * API request). The cache lives in
 * a directory of the bench's own, filled by the warm-up rounds.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/server.js';
import { sampleRoundRobin, summarize, type Summary } from './stats.js';

const WARMUP = 3;
const HOB = join(REPO_ROOT, 'dist', 'hob.js');

export interface CliResults {
  n: number;
  nodeBare: Summary;
  version: Summary;
  versionNoCache: Summary;
  exec: Summary;
  execNoCache: Summary;
  list: Summary;
}

export interface CliBenchOptions {
  url: string;
  token: string;
  /** A running sprite to exec in. */
  sprite: string;
  /** Where the compile cache goes (removed with the bench's run dir). */
  cacheDir: string;
  n: number;
}

/** Runs one process to its exit with stdio ignored; fails on a non-zero exit. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.join(' ')} exited with ${String(code ?? signal)}`));
    });
  });
}

export async function measureCli(options: CliBenchOptions): Promise<CliResults> {
  // The node binary running the bench runs hob too, as `node dist/hob.js`: the same binary as the
  // reference, without /usr/bin/env in front.
  const env = { ...process.env, HOB_URL: options.url, HOB_TOKEN: options.token, XDG_CACHE_HOME: options.cacheDir };
  const noCache = { ...env, HOB_COMPILE_CACHE: '0' };
  const exec = [HOB, 'exec', '-s', options.sprite, '--', 'true'];
  const samples = await sampleRoundRobin(options.n, WARMUP, {
    nodeBare: () => run(['-e', '0'], env),
    version: () => run([HOB, '--version'], env),
    versionNoCache: () => run([HOB, '--version'], noCache),
    exec: () => run(exec, env),
    execNoCache: () => run(exec, noCache),
    list: () => run([HOB, 'ls', '--prefix', options.sprite], env),
  });
  return {
    n: options.n,
    nodeBare: summarize(samples.nodeBare),
    version: summarize(samples.version),
    versionNoCache: summarize(samples.versionNoCache),
    exec: summarize(samples.exec),
    execNoCache: summarize(samples.execNoCache),
    list: summarize(samples.list),
  };
}
