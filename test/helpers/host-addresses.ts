import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/**
 * The host's own IPv4 addresses on its real (device-backed) interfaces: they stay put while a
 * test runs. Virtual links come and go with the tests and benches running beside it (fake
 * internets, other servers' sprite links); one vanishing between the listing and a probe would
 * turn "the host's address" into an address off this machine, and the probe would leave it.
 * Tests probe their own gateways, other sprites and loopback by themselves.
 */
export function hostAddresses(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([name]) => existsSync(`/sys/class/net/${name}/device`))
    .flatMap(([, entries]) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry.address);
}
