import { HobError } from '../shared/errors.js';
import type { ServerConfig } from './config.js';

/**
 * Start-up failures whose cause is the configuration, not Hob, become one-line errors that
 * name the fix; anything else is passed on unchanged (and reported as the bug it is).
 */
export function startupError(error: unknown, config: ServerConfig): unknown {
  if (error instanceof HobError || !(error instanceof Error)) return error;
  const { code, syscall } = error as NodeJS.ErrnoException; // node's system errors carry these
  if (syscall !== 'listen') return error;
  const address = `${config.listenHost}:${config.listenPort}`;
  switch (code) {
    case 'EADDRINUSE':
      return new HobError('invalid_config', `${address} is already in use (is another hob serve running?); stop it or pick another --listen`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new HobError('invalid_config', `${config.listenHost} is not an address of this machine; pick another --listen`, { cause: error });
    case undefined:
    default:
      return new HobError('invalid_config', `cannot listen on ${address} (${error.message}); pick another --listen`, { cause: error });
  }
}
