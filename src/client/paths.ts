/** Paths and query strings of the API, with names percent-encoded. */

export function checkpointsPath(name: string): string {
  return `/v1/sprites/${encodeURIComponent(name)}/checkpoints`;
}

export function checkpointPath(name: string, id: string): string {
  return `${checkpointsPath(name)}/${encodeURIComponent(id)}`;
}

export function servicesPath(name: string): string {
  return `/v1/sprites/${encodeURIComponent(name)}/services`;
}

export function servicePath(name: string, service: string): string {
  return `${servicesPath(name)}/${encodeURIComponent(service)}`;
}

/** A query string of the options that are set, or nothing. */
export function queryOf(options: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) if (value !== undefined) query.set(key, String(value));
  return query.size > 0 ? `?${query.toString()}` : '';
}

export function spendLimitPath(name: string): string {
  return `/v1/sprites/${encodeURIComponent(name)}/policy/spend`;
}

export function networkPolicyPath(name: string): string {
  return `/v1/sprites/${encodeURIComponent(name)}/policy/network`;
}
