import { Readable } from 'node:stream';
import { runCommand } from '../util/command.js';
import { NAME_CHECKED_PORTS } from './name-check/proxy.js';

/**
 * Ranges a sprite never reaches, whatever its policy: "this network", RFC 1918, CGNAT,
 * loopback, link-local (cloud metadata), multicast and the reserved rest of class E.
 * Documentation ranges are absent on purpose: package registries answer there on some hosts.
 */
export const FENCED_IPV4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];

const CHECKED_PORTS = `{ ${NAME_CHECKED_PORTS.http}, ${NAME_CHECKED_PORTS.tls} }`;

/** Resolvers and DNS-over-TLS anywhere but Hob's forwarder. */
const DNS_PORTS = '{ 53, 853 }';

/**
 * A fenced connection fails at once rather than hanging until it times out; spoofed packets
 * and IPv6 are only dropped (there is no honest sender to tell).
 */
const REJECT = 'reject with icmpx type admin-prohibited';

/** One sprite's entries in the table's sets. */
export interface FenceElement {
  hostIf: string;
  gateway: string;
  address: string;
  /** The sprite has a name policy: new connections only to addresses its allowed names resolved to. */
  enforced?: boolean;
}

/**
 * Hob's nftables table (family inet, named after the container prefix so parallel servers and
 * the host's own rules never meet). Sets keyed by the host end of each sprite's link say which
 * interfaces are sprites, which source address each may use and which gateway address is its
 * DNS forwarder; the chains are fixed. The name policy's rule comes after the fences, so
 * nothing it allows can open them: `policy_ifs` holds the sprites that have a policy and
 * `policy_allowed` the addresses each may open connections to (see policy/enforcer.ts).
 *
 * prerouting: a sprite with a policy has its new connections to port 80 and 443 of allowed
 * addresses redirected to its name-check listeners (`name_check_ports`, see name-check/proxy.ts).
 * input: a sprite reaches the host only at its own gateway: port 53, and the name check.
 * forward: no traffic into a sprite unless it answers the sprite; no spoofed source, no IPv6,
 * no fenced range (which holds every sprite), no DNS but the forwarder's, and for a sprite
 * with a policy no new connection to an address none of its allowed names resolved to (open
 * ones outlive their record's TTL; a policy change cuts those it forbids by itself), none to
 * port 80 or 443 that missed the name check, and no QUIC (its names are not readable here).
 * output: what leaves from the name check's own source address (its onward connections, see
 * nameCheckSource) is fenced like the sprites: no fenced range, no address of the host.
 * postrouting: NAT for whatever leaves towards anything but another sprite.
 */
export function tableRuleset(table: string, block: string, nameCheckSource: string, elements: FenceElement[]): string {
  const list = (items: string[]) => (items.length === 0 ? '' : ` elements = { ${items.join(', ')} }`);
  return `table inet ${table}
delete table inet ${table}
table inet ${table} {
  set sprite_ifs { type ifname;${list(elements.map((e) => `"${e.hostIf}"`))} }
  set sprite_sources { type ifname . ipv4_addr;${list(elements.map((e) => `"${e.hostIf}" . ${e.address}`))} }
  set sprite_gateways { type ifname . ipv4_addr;${list(elements.map((e) => `"${e.hostIf}" . ${e.gateway}`))} }
  set policy_ifs { type ifname;${list(elements.filter((e) => e.enforced === true).map((e) => `"${e.hostIf}"`))} }
  set policy_allowed { type ifname . ipv4_addr; flags timeout; }
  map name_check_ports { type ifname . inet_service : inet_service; }
  set fenced_ipv4 { type ipv4_addr; flags interval; auto-merge; elements = { ${[...FENCED_IPV4, block].join(', ')} } }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname . ip daddr @policy_allowed tcp dport ${CHECKED_PORTS} redirect to : iifname . tcp dport map @name_check_ports
  }
  chain input {
    type filter hook input priority filter - 1; policy accept;
    iifname != @sprite_ifs accept
    meta nfproto != ipv4 drop
    iifname . ip saddr != @sprite_sources drop
    iifname . ip daddr @sprite_gateways meta l4proto { tcp, udp } th dport 53 accept
    iifname . ip daddr @sprite_gateways meta l4proto tcp ct status dnat accept
    ct state established,related accept
    ${REJECT}
  }
  chain forward {
    type filter hook forward priority filter - 1; policy accept;
    oifname @sprite_ifs ct state established,related accept
    oifname @sprite_ifs drop
    iifname != @sprite_ifs accept
    meta nfproto != ipv4 drop
    iifname . ip saddr != @sprite_sources drop
    ip daddr @fenced_ipv4 ${REJECT}
    meta l4proto { tcp, udp } th dport ${DNS_PORTS} ${REJECT}
    iifname @policy_ifs ct state new iifname . ip daddr != @policy_allowed ${REJECT}
    iifname @policy_ifs ct state new tcp dport ${CHECKED_PORTS} ${REJECT}
    iifname @policy_ifs udp dport ${NAME_CHECKED_PORTS.tls} ${REJECT}
  }
  chain output {
    type filter hook output priority filter - 1; policy accept;
    meta nfproto != ipv4 accept
    ip saddr != ${nameCheckSource} accept
    ct state established,related accept
    ip daddr @fenced_ipv4 ${REJECT}
    fib daddr type local ${REJECT}
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${block} oifname != @sprite_ifs masquerade
  }
}
`;
}

/** Writes the whole table in one transaction: the fixed chains and exactly these sprites. */
export async function loadTable(table: string, block: string, nameCheckSource: string, elements: FenceElement[]): Promise<void> {
  await nft(tableRuleset(table, block, nameCheckSource, elements));
}

export async function addElement(table: string, element: FenceElement): Promise<void> {
  await nft(elementCommands('add', table, element));
}

/** Removes a sprite's entries; entries that are gone already are skipped. */
export async function removeElement(table: string, element: FenceElement): Promise<void> {
  const commands = elementCommands('delete', table, element);
  const all = await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, allowFailure: true, stdin: Readable.from([`${commands}\n`]) });
  if (all.exitCode === 0) return;
  // One entry was missing, so the transaction did nothing (`destroy`, nft 1.0.8, would skip it): one at a time.
  for (const command of commands.split('\n')) {
    await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, allowFailure: true, stdin: Readable.from([`${command}\n`]) });
  }
}

function elementCommands(verb: 'add' | 'delete', table: string, e: FenceElement): string {
  return [
    `${verb} element inet ${table} sprite_sources { "${e.hostIf}" . ${e.address} }`,
    `${verb} element inet ${table} sprite_gateways { "${e.hostIf}" . ${e.gateway} }`,
    `${verb} element inet ${table} sprite_ifs { "${e.hostIf}" }`,
  ].join('\n');
}

async function nft(script: string): Promise<void> {
  await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, stdin: Readable.from([script]) });
}
