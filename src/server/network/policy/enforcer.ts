import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { runCommand } from '../../util/command.js';
import { NAME_CHECKED_PORTS, NameCheckProxy, type NameCheckGate, type Verdict } from '../name-check/proxy.js';
import type { PolicyBook } from './book.js';
import { decide, normalizeName } from './rules.js';

/** An allowed address stays open a little past its record's TTL, and at least this long. */
const MIN_ALLOW_S = 60;
const ALLOW_MARGIN_S = 30;

/** Where a sprite's policy is enforced: its host interface, namespace and own addresses. */
export interface PolicyLink {
  hostIf: string;
  netnsPath: string;
  address: string;
  gateway: string;
}

/**
 * Enforces sprites' name policies in Hob's nftables table: `policy_ifs` holds the host
 * interfaces of sprites that have rules, and `policy_allowed` the addresses each may open
 * connections to (filled as allowed names resolve, expiring a little after their TTL). The
 * forwarder's answers are remembered per sprite, so a policy change can work out at once which
 * addresses stay open, and which open connections to cut. Connections to port 80 and 443 go
 * through the name check (`name_check_ports` maps each sprite's to its listeners), which asks
 * `route` where the name they carry may go.
 */
export class PolicyEnforcer implements NameCheckGate {
  /** Per sprite: address → name → when that name's answer lapses (ms). */
  private readonly resolved = new Map<string, Map<string, Map<string, number>>>();
  private readonly nameCheck: NameCheckProxy;

  constructor(
    private readonly table: string,
    private readonly book: PolicyBook,
    private readonly linkOf: (spriteId: string) => PolicyLink | undefined,
    nameCheckSource: string,
    log: Logger,
  ) {
    this.nameCheck = new NameCheckProxy(this, nameCheckSource, log);
  }

  allows(spriteId: string, name: string): boolean {
    return decide(this.book.compiledFor(spriteId), name) === 'allow';
  }

  enforced(spriteId: string): boolean {
    return this.book.compiledFor(spriteId).enforced;
  }

  route(spriteId: string, name: string): Verdict {
    if (!this.allows(spriteId, name)) return { refusal: `${name} is not allowed by this sprite’s network policy` };
    const now = Date.now();
    let best: [string, number] | undefined;
    for (const [address, names] of this.addressesOf(spriteId)) {
      const until = names.get(normalizeName(name)) ?? 0;
      if (until > now && (best === undefined || until > best[1])) best = [address, until];
    }
    if (best === undefined) return { refusal: `${name} has no address this sprite looked up through its resolver (or the answer expired); look it up again` };
    return { address: best[0] };
  }

  async admit(spriteId: string, name: string, records: { address: string; ttlS: number }[]): Promise<void> {
    const now = Date.now();
    const addresses = this.addressesOf(spriteId);
    const allowS = new Map<string, number>();
    for (const { address, ttlS } of records) {
      const seconds = Math.max(MIN_ALLOW_S, ttlS + ALLOW_MARGIN_S);
      const names = addresses.get(address) ?? new Map<string, number>();
      name = normalizeName(name);
      names.set(name, Math.max(names.get(name) ?? 0, now + seconds * 1000));
      addresses.set(address, names);
      allowS.set(address, Math.max(allowS.get(address) ?? 0, seconds));
    }
    const link = this.linkOf(spriteId);
    if (link === undefined || !this.enforced(spriteId) || allowS.size === 0) return;
    // add, delete, add: present or not before, the element ends up with the new timeout.
    const element = (address: string, seconds?: number) => `{ "${link.hostIf}" . ${address}${seconds === undefined ? '' : ` timeout ${seconds}s`} }`;
    const commands = [...allowS].flatMap(([address, seconds]) => [
      `add element inet ${this.table} policy_allowed ${element(address, seconds)}`,
      `delete element inet ${this.table} policy_allowed ${element(address)}`,
      `add element inet ${this.table} policy_allowed ${element(address, seconds)}`,
    ]);
    await nft(commands.join('\n'));
  }

  /**
   * Makes the table agree with the sprite's policy now: its allow set is rebuilt from the
   * names it resolved that are still allowed, and its open connections to any other address
   * outside the sprite are destroyed (ss -K inside its namespace), so a change holds at once.
   */
  async apply(spriteId: string): Promise<void> {
    const link = this.linkOf(spriteId);
    if (link === undefined) return;
    const enforced = this.enforced(spriteId);
    await this.clear(link, enforced);
    if (!enforced) return;
    const now = Date.now();
    const open: [string, number][] = [];
    for (const [address, names] of this.addressesOf(spriteId)) {
      const lapse = Math.max(0, ...[...names].filter(([name, until]) => until > now && this.allows(spriteId, name)).map(([, until]) => until));
      if (lapse > now) open.push([address, Math.ceil((lapse - now) / 1000)]);
    }
    const elements = open.map(([address, seconds]) => `"${link.hostIf}" . ${address} timeout ${seconds}s`);
    const ports = await this.nameCheck.listen(spriteId, link.gateway);
    await nft(
      [
        `add element inet ${this.table} policy_ifs { "${link.hostIf}" }`,
        `add element inet ${this.table} name_check_ports { ${portElements(link, ports).join(', ')} }`,
        ...(elements.length === 0 ? [] : [`add element inet ${this.table} policy_allowed { ${elements.join(', ')} }`]),
      ].join('\n'),
    );
    this.nameCheck.recheck(spriteId);
    const keep = ['127.0.0.0/8', link.address, link.gateway, ...open.map(([address]) => address)];
    const filter = keep.map((address) => `not dst ${address}`).join(' and ');
    await runCommand('nsenter', [`--net=${link.netnsPath}`, 'ss', '-4', '-K', '-t', '-u', '-n', 'state', 'established', filter], { timeoutMs: 10_000 });
  }

  /**
   * After a restart, for a sprite with a policy: its name-check listeners again (the table was
   * written afresh). Its open connections stay; its allow set fills again as names resolve.
   */
  async resume(spriteId: string): Promise<void> {
    const link = this.linkOf(spriteId);
    if (link === undefined || !this.enforced(spriteId)) return;
    const ports = await this.nameCheck.listen(spriteId, link.gateway);
    await nft(`add element inet ${this.table} name_check_ports { ${portElements(link, ports).join(', ')} }`);
  }

  /** Takes a sprite out of enforcement and forgets what it resolved (it is being removed). */
  async remove(spriteId: string): Promise<void> {
    const link = this.linkOf(spriteId);
    this.resolved.delete(spriteId);
    if (link !== undefined) await this.clear(link, false);
    await this.nameCheck.close(spriteId);
  }

  /** Stops the name check's listeners (the server is stopping). */
  close(): Promise<void> {
    return this.nameCheck.closeAll();
  }

  private addressesOf(spriteId: string): Map<string, Map<string, number>> {
    let addresses = this.resolved.get(spriteId);
    if (addresses === undefined) {
      addresses = new Map();
      this.resolved.set(spriteId, addresses);
    }
    return addresses;
  }

  /** Removes the sprite's allowed addresses, and unless `stayEnforced` its interface; entries gone already are skipped. */
  private async clear(link: PolicyLink, stayEnforced: boolean): Promise<void> {
    const listed = await runCommand('nft', ['-j', 'list', 'set', 'inet', this.table, 'policy_allowed'], { timeoutMs: 10_000 });
    const ours = allowedElements(listed.stdout).filter(([ifname]) => ifname === link.hostIf);
    const commands = ours.map(([, address]) => `delete element inet ${this.table} policy_allowed { "${link.hostIf}" . ${address} }`);
    if (!stayEnforced) {
      commands.push(`delete element inet ${this.table} policy_ifs { "${link.hostIf}" }`);
      for (const port of Object.values(NAME_CHECKED_PORTS)) commands.push(`delete element inet ${this.table} name_check_ports { "${link.hostIf}" . ${port} }`);
    }
    if (commands.length === 0) return;
    const all = await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, allowFailure: true, stdin: Readable.from([`${commands.join('\n')}\n`]) });
    if (all.exitCode === 0) return;
    // One entry was gone (expired since the listing, or never there), so the transaction did nothing: one at a time.
    for (const command of commands) {
      await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, allowFailure: true, stdin: Readable.from([`${command}\n`]) });
    }
  }
}

function portElements(link: PolicyLink, ports: Record<keyof typeof NAME_CHECKED_PORTS, number>): string[] {
  return (['http', 'tls'] as const).map((protocol) => `"${link.hostIf}" . ${NAME_CHECKED_PORTS[protocol]} : ${ports[protocol]}`);
}

/** The `[ifname, address]` elements of `nft -j list set` output for policy_allowed. */
function allowedElements(json: string): [string, string][] {
  const parsed = JSON.parse(json) as { nftables?: { set?: { elem?: unknown[] } }[] }; // nft's JSON listing
  const elements = parsed.nftables?.find((entry) => entry.set !== undefined)?.set?.elem ?? [];
  const pairs: [string, string][] = [];
  for (const element of elements) {
    // A timed element is wrapped as {elem: {val: {concat}}}; a plain one is {concat} itself.
    const value = (element as { elem?: { val?: unknown } }).elem?.val ?? element; // shapes per nft's JSON schema
    const concat = (value as { concat?: unknown[] }).concat; // shapes per nft's JSON schema
    if (Array.isArray(concat) && typeof concat[0] === 'string' && typeof concat[1] === 'string') pairs.push([concat[0], concat[1]]);
  }
  return pairs;
}

async function nft(script: string): Promise<void> {
  await runCommand('nft', ['-f', '-'], { timeoutMs: 10_000, stdin: Readable.from([`${script}\n`]) });
}
