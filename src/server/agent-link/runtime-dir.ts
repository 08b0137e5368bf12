import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HobError } from '../../shared/errors.js';
import { runCommand } from '../util/command.js';
import { AGENT_BUNDLE_FILE, AGENT_LAUNCHER, AGENT_LAUNCHER_FILE, writeAgentCodeCache } from './agent-launcher.js';

export interface AgentRuntimeSources {
  /** The agent bundle (dist/agent.js). */
  agentBundle: string;
  /** The host's node binary. */
  nodeBinary: string;
  /** A statically linked tini, PID 1 of every sprite. */
  tiniBinary: string;
  /** The sprite-env bundle (dist/sprite-env.js), the command line of /.sprite/api.sock. */
  spriteEnvBundle: string;
  /** The file worker bundle (dist/fs-worker.js), which the agent starts as a sprite's user; it must sit beside the agent. */
  fsWorkerBundle: string;
}

/**
 * /.hob/bin/sprite-env, which the agent links into /usr/local/bin: it runs the bundle on the
 * mounted node through its own loader, as the agent runs, so no libc or node of the image's is needed.
 */
const SPRITE_ENV_SCRIPT = `#!/bin/sh
exec /.hob/lib/ld-linux-x86-64.so.2 --library-path /.hob/lib /.hob/bin/node /.hob/sprite-env.js "$@"
`;

const TINI_CANDIDATES = ['/usr/bin/tini-static', '/usr/sbin/tini-static'];

export function defaultAgentRuntimeSources(distDir: string): AgentRuntimeSources {
  const tini = TINI_CANDIDATES.find((path) => existsSync(path));
  if (tini === undefined) throw new HobError('invalid_config', 'tini-static not found: install the Debian package `tini` (the README set-up does)');
  return { agentBundle: join(distDir, 'agent.js'), nodeBinary: realpathSync(process.execPath), tiniBinary: tini, spriteEnvBundle: join(distDir, 'sprite-env.js'), fsWorkerBundle: join(distDir, 'fs-worker.js') };
}

function nodePtyDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('node-pty/package.json'));
}

/**
 * Assembles the read-only directory mounted at /.hob in every sprite: the host's node binary,
 * the shared libraries it (and node-pty) link against with their dynamic loader, the agent
 * bundle with its launcher and code cache (agent-launcher.ts), node-pty and tini. Running node
 * through the bundled loader works in any image, even one with no libc, and a user who breaks
 * their own node cannot break the agent.
 *
 * The directory is named by a hash of its inputs: sprites started earlier keep the exact
 * runtime they booted with, and an upgrade never changes files under a running agent.
 */
export async function prepareAgentRuntime(baseDir: string, sources: AgentRuntimeSources): Promise<string> {
  for (const bundle of [sources.agentBundle, sources.spriteEnvBundle, sources.fsWorkerBundle]) {
    if (!existsSync(bundle)) throw new HobError('invalid_config', `${bundle} is missing: run \`npm run build\` first`);
  }
  const ptyDir = nodePtyDir();
  const ptyNative = join(ptyDir, 'build', 'Release', 'pty.node');
  const hash = createHash('sha256');
  hash.update(readFileSync(sources.agentBundle));
  hash.update(readFileSync(sources.spriteEnvBundle));
  hash.update(readFileSync(sources.fsWorkerBundle));
  hash.update(SPRITE_ENV_SCRIPT);
  hash.update(AGENT_LAUNCHER);
  for (const file of [sources.nodeBinary, sources.tiniBinary, ptyNative]) {
    const stat = statSync(file);
    hash.update(`${file}:${stat.size}:${stat.mtimeMs}\n`);
  }
  const target = join(baseDir, hash.digest('hex').slice(0, 16));
  if (existsSync(target)) return target;

  mkdirSync(baseDir, { recursive: true, mode: 0o755 });
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'bin'), { recursive: true });
  await mkdir(join(staging, 'lib'));
  await mkdir(join(staging, 'run'));
  await copyFile(sources.nodeBinary, join(staging, 'bin', 'node'));
  await copyFile(sources.tiniBinary, join(staging, 'bin', 'tini'));
  await copyFile(sources.agentBundle, join(staging, AGENT_BUNDLE_FILE));
  await writeFile(join(staging, AGENT_LAUNCHER_FILE), AGENT_LAUNCHER);
  await copyFile(sources.spriteEnvBundle, join(staging, 'sprite-env.js'));
  await copyFile(sources.fsWorkerBundle, join(staging, 'fs-worker.js'));
  await writeFile(join(staging, 'bin', 'sprite-env'), SPRITE_ENV_SCRIPT, { mode: 0o755 });
  // The bundle is CommonJS; without this, a /package.json in the image saying "type": "module" would make node load it as ESM.
  await writeFile(join(staging, 'package.json'), '{"type":"commonjs"}\n');
  for (const lib of await sharedLibraries([sources.nodeBinary, ptyNative])) {
    await copyFile(lib.path, join(staging, 'lib', lib.name));
  }
  const ptyTarget = join(staging, 'node_modules', 'node-pty');
  await mkdir(join(ptyTarget, 'build', 'Release'), { recursive: true });
  await copyFile(join(ptyDir, 'package.json'), join(ptyTarget, 'package.json'));
  await cp(join(ptyDir, 'lib'), join(ptyTarget, 'lib'), { recursive: true });
  await copyFile(ptyNative, join(ptyTarget, 'build', 'Release', 'pty.node'));
  await writeAgentCodeCache(staging, sources.nodeBinary);
  await rename(staging, target);
  return target;
}

/** The shared libraries and the dynamic loader the given ELF files need, from ldd. */
async function sharedLibraries(files: string[]): Promise<{ name: string; path: string }[]> {
  const found = new Map<string, string>();
  for (const file of files) {
    const { stdout } = await runCommand('ldd', [file]);
    for (const line of stdout.split('\n')) {
      const linked = /^\s*(\S+) => (\/\S+) \(/.exec(line);
      if (linked?.[1] !== undefined && linked[2] !== undefined) {
        found.set(linked[1], realpathSync(linked[2]));
        continue;
      }
      const loader = /^\s*(\/\S*ld-linux[^\s]*) \(/.exec(line);
      if (loader?.[1] !== undefined) found.set(basename(loader[1]), realpathSync(loader[1]));
    }
  }
  if (!found.has('ld-linux-x86-64.so.2')) throw new Error('could not find the dynamic loader of the node binary (ldd)');
  return [...found].map(([name, path]) => ({ name, path }));
}
