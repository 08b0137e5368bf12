import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIPv4, isIPv6 } from 'node:net';
import { parseDurationMs } from '../shared/duration.js';
import { HobError } from '../shared/errors.js';
import { nameProblem } from '../shared/names.js';
import { Check } from '@sinclair/typebox/value';
import { NetworkPolicy } from '../shared/schemas/policy.js';
import { parseCidr, type Cidr } from './network/ipv4.js';
import type { Policy } from './network/policy/rules.js';
import type { SleepPolicy } from './sprites/sleeper.js';
import { LIST_PRICES, loadPriceFile, type Prices } from './metering/prices.js';
import { parseSpanMs } from '../shared/span.js';

/**
 * Everything the server process is configured with, resolved once from flags, environment and
 * defaults, then frozen and passed down. Nothing else reads process.env.
 */
export interface ServerConfig {
  /** `--listen` / HOB_LISTEN; default 127.0.0.1:7070. Port 0 picks a free port. */
  readonly listenHost: string;
  readonly listenPort: number;
  /** `--data-dir` / HOB_DATA_DIR; default /var/lib/hob. Holds the SQLite store and the btrfs pool. */
  readonly dataDir: string;
  /** `--cli-config` / HOB_CLI_CONFIG; where the first admin token is written for the CLI (mode 0600). */
  readonly cliConfigPath: string;
  /** `--pool-size-gib` / HOB_POOL_SIZE_GIB; size of the sparse loop file when the data dir is not on btrfs. Default 64. */
  readonly poolSizeGiB: number;
  /** `--default-image` / HOB_DEFAULT_IMAGE; the image new sprites use when none is named. Default debian. */
  readonly defaultImage: string;
  /** `--no-prebuild` / HOB_PREBUILD=0; build the default image in the background at start. Default on. */
  readonly prebuildDefaultImage: boolean;
  /** When idle sprites sleep: `--idle-timeout` (30s), `--cold-after` (15m), `--min-available-memory-mib` (1024). */
  readonly sleep: SleepPolicy;
  /** `--warm-pool` / HOB_WARM_POOL; sprites of the default image kept booted so creates are instant. Default 2. */
  readonly warmPoolSize: number;
  /** The cap on users' sprites running at once. */
  readonly capacity: CapacityConfig;
  /** `--debootstrap-cache` / HOB_DEBOOTSTRAP_CACHE; downloaded .debs kept between builds. Default /var/cache/hob/debootstrap. */
  readonly debootstrapCacheDir: string;
  /** HOB_CONTAINER_PREFIX; prefix of runc container ids and cgroups, so parallel servers never collide. Default hob. */
  readonly containerPrefix: string;
  /** First host uid/gid of the range a sprite's uid 0.. maps to (65536 ids). Default 100000. */
  readonly uidOffset: number;
  readonly spriteDefaults: {
    readonly ramMiB: number;
    readonly cpus: number;
    readonly pidsMax: number;
    readonly storageGiB: number;
  };
  /** Largest JSON request body. Default 1 MiB. */
  readonly maxBodyBytes: number;
  /** Largest stdin body for HTTP exec. Default 64 MiB. */
  readonly maxExecBodyBytes: number;
  /** Largest image tarball for `image import`. Default 8 GiB. */
  readonly maxImportBytes: number;
  /** How long to wait for a sprite's agent to answer after its container starts. Default 10 s. */
  readonly agentStartTimeoutMs: number;
  /** Organization name reported in sprite objects. Default local. */
  readonly organization: string;
  /** `--base-domain` / HOB_BASE_DOMAIN; sprite URLs are http://<name>.<base-domain>:<port>/. Default localhost. */
  readonly baseDomain: string;
  /**
   * `--sprite-network` / HOB_SPRITE_NETWORK; the IPv4 range this server takes a /20 of for its
   * sprites' links (the first one that clashes with no route of the host; kept in the store).
   * Default 10.208.0.0/12.
   */
  readonly spriteNetwork: Cidr;
  /**
   * `--dns-upstream` / HOB_DNS_UPSTREAM; resolvers (`ADDR` or `ADDR:PORT`, comma-separated) the
   * sprites' DNS forwarder asks. Default: the nameservers of the host's /etc/resolv.conf.
   */
  readonly dnsUpstreams: readonly { host: string; port: number }[] | undefined;
  /**
   * `--default-network-policy FILE` / HOB_DEFAULT_NETWORK_POLICY; the egress name policy of
   * every sprite that has not been given its own. Default `{"rules": []}`: no enforcement.
   */
  readonly defaultNetworkPolicy: Policy;
  /** How usage is sampled, kept and priced. */
  readonly metering: MeteringConfig;
  /** `--log-level` / HOB_LOG_LEVEL: trace, debug, info, warn, error, fatal or silent. Default info. */
  readonly logLevel: string;
  /**
   * `--log-format` / HOB_LOG_FORMAT: `json` (one object a line, for log storage) or `pretty`
   * (readable lines). Default: pretty when stdout is a terminal, json otherwise.
   */
  readonly logFormat: LogFormat;
}

export type LogFormat = 'json' | 'pretty';

export interface CapacityConfig {
  /** `--max-running` / HOB_MAX_RUNNING; the most users' sprites running at once (spares not counted); null: no cap (the default, 0). */
  readonly maxRunning: number | null;
  /** `--capacity-wait` / HOB_CAPACITY_WAIT; how long a create or wake with `wait_for_capacity` waits for room. Default 5m. */
  readonly waitMs: number;
}

export interface MeteringConfig {
  /** `--usage-sample-interval` / HOB_USAGE_SAMPLE_INTERVAL; how often each sprite's CPU, memory and storage are read. Default 5s. */
  readonly sampleIntervalMs: number;
  /** `--usage-retention` / HOB_USAGE_RETENTION; per-minute usage is kept this long, then folded into hours. Default 7d. */
  readonly minuteRetentionMs: number;
  /** `--price-file` / HOB_PRICE_FILE; a JSON file of prices (metering/prices.ts). Default: Sprites' list prices. */
  readonly prices: Prices;
}

export interface ServeFlags {
  listen?: string;
  dataDir?: string;
  cliConfig?: string;
  poolSizeGib?: string;
  defaultImage?: string;
  prebuild?: boolean;
  debootstrapCache?: string;
  warmPool?: string;
  maxRunning?: string;
  capacityWait?: string;
  idleTimeout?: string;
  coldAfter?: string;
  minAvailableMemoryMib?: string;
  baseDomain?: string;
  spriteNetwork?: string;
  dnsUpstream?: string;
  defaultNetworkPolicy?: string;
  logLevel?: string;
  logFormat?: string;
  usageSampleInterval?: string;
  usageRetention?: string;
  priceFile?: string;
}

/** A setting as the user gave it, with the flag or variable it came from, so an error can name it. */
interface Setting {
  value: string;
  source: string;
}

/** The flag if given, else the environment variable, else nothing. */
function given(flag: string | undefined, flagName: string, env: string | undefined, envName: string): Setting | undefined {
  if (flag !== undefined) return { value: flag, source: flagName };
  if (env !== undefined) return { value: env, source: envName };
  return undefined;
}

/** The flag if given, else the environment variable, else the default (named after the flag). */
function setting(flag: string | undefined, flagName: string, env: string | undefined, envName: string, fallback: string): Setting {
  return given(flag, flagName, env, envName) ?? { value: fallback, source: flagName };
}

function invalid(what: Setting, expected: string): HobError {
  return new HobError('invalid_config', `${what.source} must be ${expected}, got ${JSON.stringify(what.value)}`);
}

function parseListen(listen: Setting): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen.value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw invalid(listen, 'HOST:PORT (for example 127.0.0.1:7070)');
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port };
}

function positiveNumber(value: Setting): number {
  const n = Number(value.value);
  if (!Number.isFinite(n) || n <= 0) throw invalid(value, 'a positive number');
  return n;
}

function duration(value: Setting): number {
  const ms = parseDurationMs(value.value.trim());
  if (ms === undefined) throw invalid(value, 'a duration such as 30s, 15m or 1h30m (a bare number is seconds; 0 turns it off)');
  return Math.round(ms);
}

/** A duration that may be given in days (`7d`), within bounds said in words as `bounds`. */
function span(value: Setting, minMs: number, maxMs: number, bounds: string): number {
  const ms = parseSpanMs(value.value);
  if (ms === undefined || ms < minMs || ms > maxMs) throw invalid(value, `a duration ${bounds}`);
  return Math.round(ms);
}

function wholeNumber(value: Setting, max: number): number {
  const n = Number(value.value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw invalid(value, `a whole number from 0 to ${max}`);
  return n;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function logLevel(value: Setting): string {
  if (!LOG_LEVELS.includes(value.value)) throw invalid(value, `one of ${LOG_LEVELS.join(', ')}`);
  return value.value;
}

function logFormat(value: Setting | undefined, stdoutIsTerminal: boolean): LogFormat {
  if (value === undefined) return stdoutIsTerminal ? 'pretty' : 'json';
  if (value.value !== 'json' && value.value !== 'pretty') throw invalid(value, 'json or pretty');
  return value.value;
}

function imageName(value: Setting): string {
  const problem = nameProblem(value.value);
  if (problem !== undefined) throw invalid(value, `an image name (${problem})`);
  return value.value;
}

function ipv4Range(value: Setting): Cidr {
  const range = parseCidr(value.value);
  if (range === undefined || range.prefixLength < 8 || range.prefixLength > 20) throw invalid(value, 'an IPv4 network from /8 to /20 (for example 10.208.0.0/12)');
  return range;
}

function dnsUpstreams(value: Setting | undefined): { host: string; port: number }[] | undefined {
  if (value === undefined) return undefined;
  return value.value.split(',').map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(entry.trim());
    const host = match?.[1] ?? match?.[2] ?? '';
    const port = Number(match?.[3] ?? 53);
    if (!(isIPv4(host) || isIPv6(host)) || port < 1 || port > 65535) throw invalid(value, 'resolver addresses, ADDR or ADDR:PORT, comma-separated');
    return { host, port };
  });
}

function networkPolicyFile(file: Setting | undefined): Policy {
  if (file === undefined) return { rules: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file.value, 'utf8'));
  } catch (error) {
    throw new HobError('invalid_config', `${file.source}: cannot read ${file.value} as JSON: ${(error as Error).message}`); // readFileSync and JSON.parse throw Errors
  }
  if (!Check(NetworkPolicy, parsed)) throw invalid(file, 'a file holding a network policy, {"rules":[{"domain":"…","action":"allow"|"deny"}|{"include":"defaults"}]}');
  return parsed;
}

function priceFile(file: Setting | undefined): Prices {
  return file === undefined ? LIST_PRICES : loadPriceFile(file.value, file.source);
}

/** `stdoutIsTerminal` picks the log format when neither flag nor environment does. */
export function resolveServerConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, stdoutIsTerminal = false): ServerConfig {
  const listen = parseListen(setting(flags.listen, '--listen', env.HOB_LISTEN, 'HOB_LISTEN', '127.0.0.1:7070'));
  const home = env.HOME ?? homedir();
  const configHome = env.XDG_CONFIG_HOME ?? join(home, '.config');
  const defaultImage = imageName(setting(flags.defaultImage, '--default-image', env.HOB_DEFAULT_IMAGE, 'HOB_DEFAULT_IMAGE', 'debian'));
  const containerPrefix = env.HOB_CONTAINER_PREFIX ?? 'hob';
  if (!/^[a-z][a-z0-9]{0,15}$/.test(containerPrefix)) {
    throw invalid({ value: containerPrefix, source: 'HOB_CONTAINER_PREFIX' }, '1–16 lowercase letters or digits, starting with a letter');
  }
  return Object.freeze({
    listenHost: listen.host,
    listenPort: listen.port,
    dataDir: flags.dataDir ?? env.HOB_DATA_DIR ?? '/var/lib/hob',
    cliConfigPath: flags.cliConfig ?? env.HOB_CLI_CONFIG ?? join(configHome, 'hob', 'config.json'),
    poolSizeGiB: positiveNumber(setting(flags.poolSizeGib, '--pool-size-gib', env.HOB_POOL_SIZE_GIB, 'HOB_POOL_SIZE_GIB', '64')),
    defaultImage,
    prebuildDefaultImage: flags.prebuild ?? env.HOB_PREBUILD !== '0',
    sleep: Object.freeze({
      idleTimeoutMs: duration(setting(flags.idleTimeout, '--idle-timeout', env.HOB_IDLE_TIMEOUT, 'HOB_IDLE_TIMEOUT', '30s')),
      coldAfterMs: duration(setting(flags.coldAfter, '--cold-after', env.HOB_COLD_AFTER, 'HOB_COLD_AFTER', '15m')),
      minAvailableBytes: wholeNumber(setting(flags.minAvailableMemoryMib, '--min-available-memory-mib', env.HOB_MIN_AVAILABLE_MEMORY_MIB, 'HOB_MIN_AVAILABLE_MEMORY_MIB', '1024'), 1 << 30) * 1024 * 1024,
    }),
    warmPoolSize: wholeNumber(setting(flags.warmPool, '--warm-pool', env.HOB_WARM_POOL, 'HOB_WARM_POOL', '2'), 64),
    capacity: Object.freeze({
      maxRunning: wholeNumber(setting(flags.maxRunning, '--max-running', env.HOB_MAX_RUNNING, 'HOB_MAX_RUNNING', '0'), 1_000_000) || null,
      waitMs: span(setting(flags.capacityWait, '--capacity-wait', env.HOB_CAPACITY_WAIT, 'HOB_CAPACITY_WAIT', '5m'), 1000, 3_600_000, 'from 1s to 1h, such as 5m'),
    }),
    debootstrapCacheDir: flags.debootstrapCache ?? env.HOB_DEBOOTSTRAP_CACHE ?? '/var/cache/hob/debootstrap',
    containerPrefix,
    uidOffset: 100000,
    spriteDefaults: Object.freeze({ ramMiB: 1024, cpus: 1, pidsMax: 1024, storageGiB: 10 }),
    maxBodyBytes: 1024 * 1024,
    maxExecBodyBytes: 64 * 1024 * 1024,
    maxImportBytes: 8 * 1024 * 1024 * 1024,
    agentStartTimeoutMs: 10_000,
    organization: 'local',
    baseDomain: flags.baseDomain ?? env.HOB_BASE_DOMAIN ?? 'localhost',
    spriteNetwork: ipv4Range(setting(flags.spriteNetwork, '--sprite-network', env.HOB_SPRITE_NETWORK, 'HOB_SPRITE_NETWORK', '10.208.0.0/12')),
    dnsUpstreams: dnsUpstreams(given(flags.dnsUpstream, '--dns-upstream', env.HOB_DNS_UPSTREAM, 'HOB_DNS_UPSTREAM')),
    defaultNetworkPolicy: networkPolicyFile(given(flags.defaultNetworkPolicy, '--default-network-policy', env.HOB_DEFAULT_NETWORK_POLICY, 'HOB_DEFAULT_NETWORK_POLICY')),
    metering: Object.freeze({
      sampleIntervalMs: span(setting(flags.usageSampleInterval, '--usage-sample-interval', env.HOB_USAGE_SAMPLE_INTERVAL, 'HOB_USAGE_SAMPLE_INTERVAL', '5s'), 100, 60_000, 'from 100ms to 1m, such as 5s'),
      minuteRetentionMs: span(setting(flags.usageRetention, '--usage-retention', env.HOB_USAGE_RETENTION, 'HOB_USAGE_RETENTION', '7d'), 3_600_000, 366 * 86_400_000, 'from 1h to 366d, such as 7d'),
      prices: priceFile(given(flags.priceFile, '--price-file', env.HOB_PRICE_FILE, 'HOB_PRICE_FILE')),
    }),
    logLevel: logLevel(setting(flags.logLevel, '--log-level', env.HOB_LOG_LEVEL, 'HOB_LOG_LEVEL', 'info')),
    logFormat: logFormat(given(flags.logFormat, '--log-format', env.HOB_LOG_FORMAT, 'HOB_LOG_FORMAT'), stdoutIsTerminal),
  });
}
