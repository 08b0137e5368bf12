import { nameProblem } from '../../shared/names.js';

/**
 * The sprite a request's Host names, if it is `<name>.<base-domain>` with an optional port;
 * anything else (the API's own host, an IP, another domain) is not a sprite URL.
 */
export function spriteOfHost(host: string | undefined, baseDomain: string): string | undefined {
  if (host === undefined) return undefined;
  const hostname = host.replace(/:\d{1,5}$/, '').replace(/\.$/, '').toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const name = hostname.slice(0, -suffix.length);
  return nameProblem(name) === undefined ? name : undefined;
}
