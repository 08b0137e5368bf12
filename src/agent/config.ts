import { parseArgs } from 'node:util';
import { MAX_EXEC_MESSAGE_BYTES } from '../shared/frames.js';
import { SERVICE_LOGS_DIR, SERVICES_DIR } from '../shared/services.js';

/**
 * The agent's whole configuration, resolved once from its command line. The agent reads no
 * environment variables: its environment belongs to the image, and nothing of it may leak
 * into the commands it runs.
 */
export interface AgentConfig {
  /** `--socket <path>` (required): the unix socket the agent serves HTTP and WebSocket on. */
  readonly socketPath: string;
  /**
   * `--keepalive-ms <n>` (default 15000): an exec socket that has sent nothing for this long
   * gets an empty binary frame, because the SDK drops sockets that are silent for 45 s.
   */
  readonly keepaliveMs: number;
  /** `--hangup-grace-ms <n>` (default 2000): after a client disconnects, SIGHUP, then SIGKILL after this long. */
  readonly hangupGraceMs: number;
  /** `--max-message-bytes <n>` (default MAX_EXEC_MESSAGE_BYTES: a 16 MiB write and its stream id): the largest WebSocket message a client may send. */
  readonly maxMessageBytes: number;
  /**
   * `--sprite`: the agent runs as a sprite's init and may tidy the sprite's own system files
   * (its hostname in /etc/hosts). Off when the agent runs on a host, as in its tests.
   */
  readonly sandboxed: boolean;
  /** `--services-dir <dir>` (default SERVICES_DIR, in the sprite's own root): where service definitions are kept. */
  readonly servicesDir: string;
  /** `--service-logs-dir <dir>` (default SERVICE_LOGS_DIR): where services' logs are written. */
  readonly serviceLogsDir: string;
  /**
   * `--settings <file>` (default none): the sprite's AgentSettings, written by the server before
   * it boots the sprite; without it services run as root with no extra environment.
   */
  readonly settingsPath: string | undefined;
}

export class UsageError extends Error {}

function positiveInt(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function parseAgentArgs(argv: readonly string[]): AgentConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        socket: { type: 'string' },
        'keepalive-ms': { type: 'string' },
        'hangup-grace-ms': { type: 'string' },
        'max-message-bytes': { type: 'string' },
        sprite: { type: 'boolean' },
        'services-dir': { type: 'string' },
        'service-logs-dir': { type: 'string' },
        settings: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.socket === undefined || values.socket === '') throw new UsageError('--socket <path> is required');
  return Object.freeze({
    socketPath: values.socket,
    keepaliveMs: positiveInt(values['keepalive-ms'], 15_000, 'keepalive-ms'),
    hangupGraceMs: positiveInt(values['hangup-grace-ms'], 2_000, 'hangup-grace-ms'),
    maxMessageBytes: positiveInt(values['max-message-bytes'], MAX_EXEC_MESSAGE_BYTES, 'max-message-bytes'),
    sandboxed: values.sprite === true,
    servicesDir: values['services-dir'] ?? SERVICES_DIR,
    serviceLogsDir: values['service-logs-dir'] ?? SERVICE_LOGS_DIR,
    settingsPath: values.settings,
  });
}
