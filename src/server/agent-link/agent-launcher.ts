import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HobError } from '../../shared/errors.js';
import { lastLines } from '../util/command.js';

/** The file sprites start (/.hob/agent.js): the launcher below. */
export const AGENT_LAUNCHER_FILE = 'agent.js';
/** The agent bundle (dist/agent.js), beside the launcher under this name. */
export const AGENT_BUNDLE_FILE = 'agent-bundle.js';
/** V8's code cache of the bundle, made by writeAgentCodeCache. */
export const AGENT_CODE_CACHE_FILE = 'agent-bundle.cache';

const CACHE_TIMEOUT_MS = 30_000;

/**
 * /.hob/agent.js: runs the agent bundle beside it through V8's code cache. Compiling the bundle
 * is about a fifth of the agent's start-up, which every cold create and cold start waits for,
 * and Node 20 has no compile cache of its own (`module.enableCompileCache` came in 22.1). The
 * bundle runs as Node would run it (the same wrapper, require, __dirname and argv), so the agent
 * cannot tell; a cache that is missing or that V8 rejects costs only the speed-up, and the
 * launcher says so in the agent log. Plain CommonJS in a string: it is written into the runtime
 * dir as it is, and sprites run it on the host's node.
 */
export const AGENT_LAUNCHER = `'use strict';
// Written by the Hob server (src/server/agent-link/agent-launcher.ts).
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, ${JSON.stringify(AGENT_BUNDLE_FILE)});
const cacheFile = join(__dirname, ${JSON.stringify(AGENT_CODE_CACHE_FILE)});
const writing = process.argv[2] === '--write-code-cache';
let cachedData;
if (!writing) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const source = '(function (exports, require, module, __filename, __dirname) {' + readFileSync(bundle, 'utf8') + '\\n})';
const script = new Script(source, { filename: bundle, cachedData });
if (writing) {
  // Without --socket the agent loads every module, then refuses its arguments and exits: the
  // cache then holds all it compiled on the way.
  process.argv.splice(2);
  process.once('exit', () => {
    writeFileSync(cacheFile, script.createCachedData());
    process.exitCode = 0;
  });
} else if (cachedData === undefined || script.cachedDataRejected === true) {
  const reason = cachedData === undefined ? 'missing' : 'rejected';
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), event: 'code_cache_unused', reason }) + '\\n');
}
const bundleModule = { exports: {} };
script.runInThisContext().call(bundleModule.exports, bundleModule.exports, createRequire(bundle), bundleModule, bundle, __dirname);
`;

/**
 * Makes the code cache of the launcher and bundle in `dir` with `nodeBinary`, the node sprites
 * run: V8 takes a cache only from its own version and flags, so it runs with no options and an
 * empty environment, as the agent does.
 */
export async function writeAgentCodeCache(dir: string, nodeBinary: string): Promise<void> {
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(nodeBinary, [join(dir, AGENT_LAUNCHER_FILE), '--write-code-cache'], { cwd: '/', env: {}, stdio: ['ignore', 'ignore', 'pipe'], timeout: CACHE_TIMEOUT_MS });
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stderr: text }));
  });
  if (code !== 0 || !existsSync(join(dir, AGENT_CODE_CACHE_FILE))) {
    throw new HobError('internal', `the agent bundle did not load on ${nodeBinary} (exit ${String(code)}): ${lastLines(stderr, 10)}`);
  }
}
