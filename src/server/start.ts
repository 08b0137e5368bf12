import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createLogger } from './log.js';
import type { ServerConfig } from './config.js';
import { createApp } from './app.js';
import { buildServices } from './container.js';

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
  const services = await buildServices(config, log, options.distDir);
  const { db, tokens, images, pool, spares, registry } = services;
  const firstToken = tokens.count() === 0 ? tokens.create('admin token created at first start') : undefined;
  await services.reconcile();

  pool.capacity.start();

  const { fastify, relays } = createApp({
    ...services,
    runtimeName: services.runtime.name,
    exclusiveBytes: (qgroup) => pool.qgroupBytes(1, qgroup),
    spriteAddress: (spriteId) => services.network.address(spriteId) ?? null,
  });
  await fastify.listen({ host: config.listenHost, port: config.listenPort });
  const port = (fastify.server.address() as AddressInfo).port; // a TCP listener always has an AddressInfo
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

  spares.refill();
  services.sleeper.start();
  services.usageSampler.start();
  services.usageCompactor.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        log.info('shutting down');
        pool.capacity.stop();
        services.sleeper.stop();
        await Promise.all([images.cancelAll(), spares.stop()]);
        const closed = fastify.close();
        // Exec streams get a moment to finish; sprites themselves keep running.
        const grace = setTimeout(() => {
          relays.destroyAll();
          // Whatever is still open by then (a watch stream, a client that never hangs up) is cut.
          fastify.server.closeAllConnections();
        }, 3000);
        // close() drops the connections idle at the time; one that carried a checkpoint or
        // restore stream to its end goes idle later and would hold the shutdown for the whole
        // keep-alive timeout.
        const sweep = setInterval(() => fastify.server.closeIdleConnections(), 100);
        await closed;
        clearInterval(sweep);
        relays.destroyAll();
        clearTimeout(grace);
        // Sprites stop asking for checkpoints before the ones under way are waited for.
        await services.spriteApi.closeAll();
        // A checkpoint or restore under way finishes rather than leave work for the next start.
        await registry.drain();
        services.tasks.close();
        await services.network.close();
        // Usage up to this moment is kept before the store closes.
        services.usageSampler.stop();
        await services.usageCompactor.stop();
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
