import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createLogger } from './log.js';
import type { ServerConfig } from './config.js';
import { createApp } from './app.js';
import { openDatabase } from './store/db.js';
import { TokenStore } from './store/tokens.js';
import { SpriteStore } from './store/sprites.js';
import { CheckpointStore } from './store/checkpoints.js';
import { ImageStore } from './store/images.js';
import { BtrfsPool } from './volumes/pool.js';
import { ImageRegistry } from './images/registry.js';
import { RuncRuntime } from './runtimes/runc/index.js';
import { SpriteService } from './sprites/service.js';
import { defaultAgentRuntimeSources, prepareAgentRuntime } from './agent-link/runtime-dir.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Brings the whole server up: pool, store, first admin token, agent runtime, reconciliation
 * with what runs, then the API. Returns once it listens.
 */
export async function startServer(config: ServerConfig, options: { distDir: string; log?: Logger }): Promise<RunningServer> {
  const log = options.log ?? (await createLogger(config));
  const pool = await BtrfsPool.open(config.dataDir, config.poolSizeGiB, log);
  const db = openDatabase(join(config.dataDir, 'hob.db'));
  const tokens = new TokenStore(db);
  const firstToken = tokens.count() === 0 ? tokens.create('admin token created at first start') : undefined;

  const images = new ImageRegistry(new ImageStore(db), pool, config.uidOffset, config.debootstrapCacheDir, log);
  await images.recover();
  const runtime = new RuncRuntime(join(config.dataDir, 'runc'), join(config.dataDir, 'bundles'), config.uidOffset);
  const agentRuntimeDir = await prepareAgentRuntime(join(config.dataDir, 'agent'), defaultAgentRuntimeSources(options.distDir));
  const spriteStore = new SpriteStore(db);
  const sprites = new SpriteService({ config, store: spriteStore, checkpointStore: new CheckpointStore(db), images, pool, runtime, agentRuntimeDir, log });
  await sprites.reconcile();

  const { fastify, relays } = createApp({ config, log, tokens, spriteStore, sprites, images });
  await fastify.listen({ host: config.listenHost, port: config.listenPort });
  const port = (fastify.server.address() as AddressInfo).port; // a TCP listener always has an AddressInfo
  sprites.setPublicPort(port);
  const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
  const url = `http://${host}:${port}`;
  if (firstToken !== undefined) writeFirstToken(firstToken, url, config, log);
  log.info({ url, dataDir: config.dataDir, pool: pool.root }, 'hob server listening');

  if (config.prebuildDefaultImage && images.toJson(config.defaultImage).status !== 'ready') {
    const job = images.build(config.defaultImage);
    log.info({ image: config.defaultImage }, 'building the default image in the background; `hob image build` shows progress');
    job.subscribe((event) => {
      if (event.type === 'progress' || event.type === 'complete' || event.type === 'error') log.info({ image: config.defaultImage, ...event }, 'image build');
    });
  }

  sprites.warmPool.refill();

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        log.info('shutting down');
        await Promise.all([images.cancelAll(), sprites.warmPool.stop()]);
        const closed = fastify.close();
        // Exec streams get a moment to finish; sprites themselves keep running.
        const grace = setTimeout(() => relays.destroyAll(), 3000);
        // close() drops the connections idle at the time; one that carried a checkpoint or
        // restore stream to its end goes idle later and would hold the shutdown for the whole
        // keep-alive timeout.
        const sweep = setInterval(() => fastify.server.closeIdleConnections(), 100);
        await closed;
        clearInterval(sweep);
        relays.destroyAll();
        clearTimeout(grace);
        // A checkpoint or restore under way finishes rather than leave work for the next start.
        await sprites.drain();
        db.close();
      })();
      return closing;
    },
  };
}

function writeFirstToken(token: string, url: string, config: ServerConfig, log: Logger): void {
  mkdirSync(dirname(config.cliConfigPath), { recursive: true, mode: 0o700 });
  writeFileSync(config.cliConfigPath, `${JSON.stringify({ url, token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(config.cliConfigPath, 0o600);
  log.info({ cliConfig: config.cliConfigPath }, 'created the admin API token and saved it for the hob CLI');
  // Printed once, on stderr, outside the structured log so it never lands in log storage twice.
  process.stderr.write(`\nHob admin API token (shown once; saved to ${config.cliConfigPath}):\n\n  ${token}\n\n`);
}
