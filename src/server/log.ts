import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { MessageFormatFunc, PrettyOptions } from 'pino-pretty';
import type { ServerConfig } from './config.js';

export interface LoggerOptions {
  /** Where lines go; default stdout. */
  destination?: Writable;
  /** Colours in pretty lines; default: when the terminal supports them. */
  colorize?: boolean;
}

/**
 * The server's logger: one JSON object a line for log storage, or readable lines for a person
 * at a terminal. The formatter is loaded only for `pretty`, so a service logging JSON never
 * loads it.
 */
export async function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logFormat'>, options: LoggerOptions = {}): Promise<Logger> {
  if (config.logFormat === 'json') {
    return options.destination === undefined ? pino({ level: config.logLevel }) : pino({ level: config.logLevel }, options.destination);
  }
  const { default: pretty } = await import('pino-pretty');
  return pino({ level: config.logLevel }, pretty(prettyOptions(options)));
}

/** Fastify's per-request fields, shown in the message instead of as a JSON tail. */
const REQUEST_FIELDS = ['reqId', 'req', 'res', 'responseTime'];

function prettyOptions(options: LoggerOptions): PrettyOptions {
  return {
    ...(options.destination === undefined ? {} : { destination: options.destination }),
    ...(options.colorize === undefined ? {} : { colorize: options.colorize }),
    // Lines in the order they were logged, even when the process exits right after.
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...REQUEST_FIELDS].join(','),
    singleLine: true,
    messageFormat: formatMessage,
  };
}

/** `incoming request GET /v1/sprites (req-1)`, `request completed 200 in 3 ms (req-1)`; other messages as they are. */
const formatMessage: MessageFormatFunc = (log, messageKey) => {
  const raw = log[messageKey];
  const message = typeof raw === 'string' ? raw : '';
  const req = log.req as { method?: unknown; url?: unknown } | undefined; // fastify's request serializer
  const res = log.res as { statusCode?: unknown } | undefined; // fastify's response serializer
  const parts = [message];
  if (req !== undefined) parts.push(`${String(req.method)} ${String(req.url)}`);
  if (res !== undefined) parts.push(`${String(res.statusCode)}${typeof log.responseTime === 'number' ? ` in ${Math.round(log.responseTime)} ms` : ''}`);
  if (typeof log.reqId === 'string') parts.push(`(${log.reqId})`);
  return parts.join(' ');
};
