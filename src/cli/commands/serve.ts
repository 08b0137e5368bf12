import type { Command } from 'commander';
import { HobError } from '../../shared/errors.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Hob server (needs root: it manages runc containers and a btrfs pool)')
    .option('--listen <host:port>', 'address to listen on (env HOB_LISTEN)', undefined)
    .option('--data-dir <dir>', 'where the store and the btrfs pool live (env HOB_DATA_DIR; default /var/lib/hob)')
    .option('--cli-config <file>', 'where to save the first admin token for the CLI (env HOB_CLI_CONFIG)')
    .option('--pool-size-gib <n>', 'size of the sparse pool file when the data dir is not on btrfs (default 64)')
    .option('--default-image <name>', 'image of sprites created without one (default debian)')
    .option('--no-prebuild', 'do not build the default image in the background at start')
    .option('--warm-pool <n>', 'sprites of the default image kept booted for instant creates (default 2; 0 turns it off)')
    .option('--max-running <n>', 'the most sprites running at once; creates and wakes over it get 429, or wait with wait_for_capacity (env HOB_MAX_RUNNING; default 0: no cap)')
    .option('--capacity-wait <duration>', 'how long a create or wake with wait_for_capacity waits for room under --max-running (env HOB_CAPACITY_WAIT; default 5m)')
    .option('--idle-timeout <duration>', 'a sprite idle this long goes warm: frozen, memory kept (default 30s; 0: never)')
    .option('--cold-after <duration>', 'a warm sprite goes cold after this long: stopped, files kept (default 15m; 0: never)')
    .option('--min-available-memory-mib <n>', 'below this much free host memory, warm sprites go cold, least recently used first (default 1024; 0: never)')
    .option('--debootstrap-cache <dir>', 'cache of downloaded Debian packages (default /var/cache/hob/debootstrap)')
    .option('--base-domain <domain>', 'sprite URLs are http://<name>.<domain>:<port>/ (default localhost)')
    .option('--sprite-network <cidr>', "IPv4 range this server takes a /20 of for sprite links (default 10.208.0.0/12)")
    .option('--dns-upstream <addrs>', "resolvers the sprites' DNS forwarder asks, ADDR[:PORT],... (default: the host's /etc/resolv.conf)")
    .option('--default-network-policy <file>', 'JSON network policy ({"rules":[...]}) for sprites that have not been given one (env HOB_DEFAULT_NETWORK_POLICY; default: none)')
    .option('--usage-sample-interval <duration>', "how often each sprite's CPU, memory and storage are sampled (env HOB_USAGE_SAMPLE_INTERVAL; default 5s)")
    .option('--usage-retention <duration>', 'per-minute usage is kept this long, then folded into hours (env HOB_USAGE_RETENTION; default 7d)')
    .option('--price-file <file>', "JSON prices of usage (env HOB_PRICE_FILE; default Sprites' list prices; README: Usage and cost)")
    .option('--log-level <level>', 'trace, debug, info, warn or error (default info)')
    .option('--log-format <format>', 'json or pretty (env HOB_LOG_FORMAT; default pretty on a terminal, json otherwise)')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      if (process.getuid?.() !== 0) throw new HobError('invalid_config', 'hob serve must run as root (it drives runc, mounts and btrfs); run it with sudo');
      // A separate bundle (scripts/build.mjs): no other command loads the server.
      const { resolveServerConfig, startServer, startupError, distDir } = await import('../../server/bundle.js');
      const config = resolveServerConfig(
        {
          listen: flags.listen as string | undefined, // commander types option values loosely; each is a string flag
          dataDir: flags.dataDir as string | undefined,
          cliConfig: flags.cliConfig as string | undefined,
          poolSizeGib: flags.poolSizeGib as string | undefined,
          defaultImage: flags.defaultImage as string | undefined,
          prebuild: flags.prebuild === false ? false : undefined,
          debootstrapCache: flags.debootstrapCache as string | undefined,
          warmPool: flags.warmPool as string | undefined,
          maxRunning: flags.maxRunning as string | undefined,
          capacityWait: flags.capacityWait as string | undefined,
          idleTimeout: flags.idleTimeout as string | undefined,
          coldAfter: flags.coldAfter as string | undefined,
          minAvailableMemoryMib: flags.minAvailableMemoryMib as string | undefined,
          baseDomain: flags.baseDomain as string | undefined,
          spriteNetwork: flags.spriteNetwork as string | undefined,
          dnsUpstream: flags.dnsUpstream as string | undefined,
          defaultNetworkPolicy: flags.defaultNetworkPolicy as string | undefined,
          logLevel: flags.logLevel as string | undefined,
          logFormat: flags.logFormat as string | undefined,
          usageSampleInterval: flags.usageSampleInterval as string | undefined,
          usageRetention: flags.usageRetention as string | undefined,
          priceFile: flags.priceFile as string | undefined,
        },
        process.env,
        process.stdout.isTTY,
      );
      const server = await startServer(config, { distDir }).catch((error: unknown) => {
        throw startupError(error, config);
      });
      const stop = (): void => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
