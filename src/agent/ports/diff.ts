import type { PortEventJson } from '../../shared/protocol.js';

/** A listening port as watchers see it. */
export interface ListeningPort {
  port: number;
  address: string;
  pid: number;
}

const key = (entry: ListeningPort): string => `${entry.address}|${entry.port}`;

/**
 * The events that turn one snapshot into the next: closes first, then opens, each in port
 * order. A port that stayed open under another pid (a server restarted between two looks)
 * is closed for the old pid and opened for the new one.
 */
export function diffPorts(before: readonly ListeningPort[], after: readonly ListeningPort[]): PortEventJson[] {
  const old = new Map(before.map((entry) => [key(entry), entry]));
  const now = new Map(after.map((entry) => [key(entry), entry]));
  const closed = before.filter((entry) => now.get(key(entry))?.pid !== entry.pid);
  const opened = after.filter((entry) => old.get(key(entry))?.pid !== entry.pid);
  return [...sortPorts(closed).map((e) => event('port_closed', e)), ...sortPorts(opened).map((e) => event('port_opened', e))];
}

export function sortPorts(entries: readonly ListeningPort[]): ListeningPort[] {
  // Byte order, not the locale's: the order must not depend on where the agent runs.
  return [...entries].sort((a, b) => a.port - b.port || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export function event(type: PortEventJson['type'], entry: ListeningPort): PortEventJson {
  return { type, port: entry.port, address: entry.address, pid: entry.pid };
}
