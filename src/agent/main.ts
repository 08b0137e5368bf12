/**
 * The agent's entry point: `agent.js --socket <path>`. Inside a sprite it is the only child of
 * tini, so if it dies the sprite stops; it logs unexpected errors and keeps serving.
 */
import { parseAgentArgs, UsageError, type AgentConfig } from './config.js';
import { listenOnSocket } from './listen.js';
import { createLog, errorText } from './log.js';
import { createAgentServer } from './server.js';
import { keepHostnameResolvable } from './hosts.js';
import { linkSpriteEnv } from './sprite-env-link.js';
import { AGENT_VERSION } from '../shared/version.js';

/** Running commands get this long to exit after SIGTERM before their groups are killed. */
const SHUTDOWN_GRACE_MS = 1500;

function main(): void {
  const startedAtMs = performance.now();
  let config: AgentConfig;
  try {
    config = parseAgentArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`hob-agent: ${err.message}\nusage: agent.js --socket <path> [--keepalive-ms N] [--hangup-grace-ms N] [--max-message-bytes N] [--sprite] [--services-dir DIR] [--service-logs-dir DIR] [--settings FILE]\n`);
    process.exit(2);
  }
  const log = createLog();
  // node-pty hands its children the agent's supplementary groups when it switches to a user;
  // root needs none, so there are none to leak (pipe commands get none from libuv either way).
  if (config.sandboxed) process.setgroups?.([]);
  process.on('uncaughtException', (err) => log('uncaught_exception', { error: errorText(err), stack: err.stack }));
  process.on('unhandledRejection', (err) => log('unhandled_rejection', { error: errorText(err) }));

  if (config.sandboxed) {
    try {
      linkSpriteEnv();
    } catch (err) {
      log('sprite_env_link_failed', { error: errorText(err) });
    }
  }
  const agent = createAgentServer({ config, log, startedAtMs });
  // Before listening: the server lets nothing through to a booting sprite until its agent
  // answers, so every request finds the sprite's services started (a URL its web app, say).
  try {
    agent.supervisor.startAll();
  } catch (err) {
    log('services_start_failed', { error: errorText(err) });
  }
  let removeSocket = (): void => {};
  listenOnSocket(agent.server, config.socketPath).then(
    (remove) => {
      removeSocket = remove;
      log('start', { agent_version: AGENT_VERSION, pid: process.pid, socket: config.socketPath, startup_ms: Math.round(performance.now()) });
      if (config.sandboxed) void keepHostnameResolvable((err) => log('hosts_failed', { error: errorText(err) }));
    },
    (err: unknown) => {
      log('listen_failed', { socket: config.socketPath, error: errorText(err) });
      process.exit(1);
    },
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log('stop', { signal, running: agent.running.size });
    agent.shutdown(SHUTDOWN_GRACE_MS).then(
      () => {
        removeSocket();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
