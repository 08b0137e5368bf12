import { HobError } from '../../../shared/errors.js';

export interface PortMapping {
  localPort: number;
  remotePort: number;
}

function port(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d{1,5}$/.test(text) || value < 1 || value > 65535) throw new HobError('bad_request', `${what} must be a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return value;
}

/** `5432` (the same port on both sides) or `3001:3000` (local:remote), as `sprite proxy` takes them. */
export function parseMapping(arg: string): PortMapping {
  const [local, remote, extra] = arg.split(':');
  if (extra !== undefined || local === undefined) throw new HobError('bad_request', `expected PORT or LOCAL:REMOTE, got ${JSON.stringify(arg)}`);
  if (remote === undefined) {
    const both = port(local, 'the port');
    return { localPort: both, remotePort: both };
  }
  return { localPort: port(local, 'the local port'), remotePort: port(remote, 'the remote port') };
}
