import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import type { NetworkStore } from '../store/network.js';
import { settleAll } from '../util/settle-all.js';
import { claimBlock } from './block.js';
import { DnsForwarder } from './dns/listener.js';
import { PolicyAnswerer } from './dns/policy-answerer.js';
import { UpstreamAnswerer, type Upstream } from './dns/upstream.js';
import type { PolicyBook } from './policy/book.js';
import { PolicyEnforcer, type PolicyLink } from './policy/enforcer.js';
import { writePolicyFile } from './policy/file.js';
import type { Policy } from './policy/rules.js';
import { addElement, loadTable, removeElement, type FenceElement } from './fences.js';
import { formatAddress, formatCidr, size, type Cidr } from './ipv4.js';
import { addLocalAddress, createLink, linkExists, listLinksByAlias, listNamespaces, netnsPath, removeLink, usernsPath, type LinkSpec } from './links.js';

export interface SpriteNetworksDeps {
  store: NetworkStore;
  /** Each sprite's egress name policy. */
  policies: PolicyBook;
  containerPrefix: string;
  /** The range this server's address block is taken from. */
  range: Cidr;
  /** Where the forwarder sends queries. */
  dnsUpstreams: readonly Upstream[];
  dataDir: string;
  /** First host uid/gid of a sprite's id range (for unprivileged ping). */
  uidOffset: number;
  log: Logger;
}

/** What a sandbox needs to join its sprite's network. */
export interface SpriteNetwork {
  /** The network namespace file to join. */
  netnsPath: string;
  /** The user namespace file to join (it owns the network namespace). */
  usernsPath: string;
  /** Mounted over /etc/resolv.conf: the forwarder on the gateway. */
  resolvConfPath: string;
  /** Mounted read-only at /.sprite/policy: the sprite's policy as network.json. */
  policyDir: string;
  address: string;
  gateway: string;
}

/** Two addresses per sprite: the host end (gateway) and the sprite's. */
const LINK_PREFIX_LENGTH = 31;
const ID_RANGE_SIZE = 65536;

/**
 * One network per sprite: its namespace and veth link, its slot of this server's address
 * block, its entries in Hob's nftables table and its DNS forwarder. A sprite keeps all of it
 * while stopped; only removal gives it back.
 */
export class SpriteNetworks {
  /** Sprites whose link, fence entries and forwarder this process has seen in place. */
  private readonly ready = new Set<string>();
  private readonly forwarder: DnsForwarder;
  private readonly enforcer: PolicyEnforcer;

  private constructor(
    private readonly deps: SpriteNetworksDeps,
    private readonly block: Cidr,
  ) {
    this.enforcer = new PolicyEnforcer(this.table, deps.policies, (spriteId) => this.policyLink(spriteId), this.nameCheckSource, deps.log);
    this.forwarder = new DnsForwarder(new PolicyAnswerer(new UpstreamAnswerer(deps.dnsUpstreams), this.enforcer), deps.log);
  }

  /** Claims the address block, turns on forwarding and loads the table with the links that exist. */
  static async open(deps: SpriteNetworksDeps): Promise<SpriteNetworks> {
    const block = await claimBlock(deps.range, deps.store, deps.dataDir);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    mkdirSync(join(deps.dataDir, 'network'), { recursive: true, mode: 0o711 });
    const networks = new SpriteNetworks(deps, block);
    await addLocalAddress(networks.nameCheckSource, networks.localLabel);
    await loadTable(networks.table, formatCidr(block), networks.nameCheckSource, networks.elementsWithLinks());
    deps.log.info({ block: formatCidr(block), table: networks.table }, 'sprite network ready');
    return networks;
  }

  /** The nftables table of this server (inet family). */
  get table(): string {
    return this.deps.containerPrefix;
  }

  /**
   * Where the name check's onward connections come from: the block's last address, on the
   * host's loopback. Its own address (not a gateway's) lets the output fence hold exactly those
   * connections, and NAT takes it like any sprite's.
   */
  get nameCheckSource(): string {
    return formatAddress(this.block.base + size(this.block) - 1);
  }

  /** The label of nameCheckSource on `lo`, so a clean-up can find it (IFNAMSIZ: 15 characters). */
  private get localLabel(): string {
    return `lo:${this.deps.containerPrefix}`.slice(0, 15);
  }

  /** The sprite's network, made if it is missing (a new sprite, or a host that rebooted). */
  async ensure(spriteId: string): Promise<SpriteNetwork> {
    // The last pair holds nameCheckSource.
    const slots = size(this.block) / 2 - 1;
    const lease = this.deps.store.acquire(spriteId, slots);
    if (lease === undefined) throw new HobError('sprite_unavailable', `all ${slots} sprite addresses of ${formatCidr(this.block)} are in use`);
    const spec = this.linkSpec(spriteId, lease.slot);
    const network = { netnsPath: netnsPath(spec.netns), usernsPath: usernsPath(spec.netns), resolvConfPath: this.resolvConfPath(spriteId), policyDir: this.policyDir(spriteId), address: spec.address, gateway: spec.gateway };
    // Every boot: the server's default policy may have changed since the last one.
    writePolicyFile(network.policyDir, this.policy(spriteId));
    if (this.ready.has(spriteId) && linkExists(spec)) return network;
    this.ready.delete(spriteId);
    // The fences' sets name the link, so its entries can go in while it is made: no process of
    // the sprite runs before both are done.
    await settleAll([linkExists(spec) ? Promise.resolve() : createLink(spec), addElement(this.table, spec)]);
    if (this.enforcer.enforced(spriteId)) await this.enforcer.apply(spriteId);
    await this.forwarder.listen(spriteId, spec.gateway);
    writeFileSync(network.resolvConfPath, `nameserver ${spec.gateway}\n`, { mode: 0o644 });
    this.ready.add(spriteId);
    return network;
  }

  /** Removes everything of a sprite's network; what is gone already is skipped. */
  async remove(spriteId: string): Promise<void> {
    this.ready.delete(spriteId);
    await this.forwarder.close(spriteId);
    await this.enforcer.remove(spriteId);
    this.deps.policies.forget(spriteId);
    const lease = this.deps.store.lease(spriteId);
    if (lease !== undefined) {
      const spec = this.linkSpec(spriteId, lease.slot);
      await removeElement(this.table, spec);
      await removeLink(spec);
    } else {
      await removeLink({ netns: this.netnsName(spriteId), hostIf: this.hostIf(spriteId) });
    }
    rmSync(this.resolvConfPath(spriteId), { force: true });
    rmSync(this.policyDir(spriteId), { recursive: true, force: true });
    this.deps.store.release(spriteId);
  }

  /**
   * After a restart: leases, namespaces and links of this server that no sprite in `owned`
   * holds are removed, the table is written again with exactly the owned links, and the
   * forwarder listens again for every owned sprite whose link exists (and its policy file is
   * written again, in case the server's default policy changed).
   */
  async reconcile(owned: ReadonlySet<string>): Promise<void> {
    for (const lease of this.deps.store.leases()) {
      if (!owned.has(lease.spriteId)) {
        this.deps.log.warn({ id: lease.spriteId }, 'removing a sprite network no sprite owns');
        await this.remove(lease.spriteId);
      }
    }
    const netnsPrefix = `${this.deps.containerPrefix}-`;
    for (const name of listNamespaces(netnsPrefix)) {
      const id = name.slice(netnsPrefix.length);
      if (!owned.has(id)) await removeLink({ netns: name, hostIf: this.hostIf(id) });
    }
    const aliasPrefix = this.alias('');
    for (const link of await listLinksByAlias(aliasPrefix)) {
      const id = link.alias.slice(aliasPrefix.length);
      if (!owned.has(id)) await removeLink({ netns: this.netnsName(id), hostIf: link.name });
    }
    await loadTable(this.table, formatCidr(this.block), this.nameCheckSource, this.elementsWithLinks());
    for (const lease of this.deps.store.leases()) {
      const spec = this.linkSpec(lease.spriteId, lease.slot);
      if (linkExists(spec)) {
        writePolicyFile(this.policyDir(lease.spriteId), this.policy(lease.spriteId));
        await this.forwarder.listen(lease.spriteId, spec.gateway);
        await this.enforcer.resume(lease.spriteId);
        this.ready.add(lease.spriteId);
      }
    }
  }

  /** Stops the forwarder and the name check; links and fences stay, so running sprites stay online and fenced. */
  async close(): Promise<void> {
    await Promise.all([this.forwarder.closeAll(), this.enforcer.close()]);
  }

  policy(spriteId: string): Policy {
    return this.deps.policies.get(spriteId);
  }

  /** Replaces a sprite's name policy; it holds at once, cutting open connections it forbids. */
  async setPolicy(spriteId: string, policy: Policy): Promise<void> {
    this.deps.policies.set(spriteId, policy);
    writePolicyFile(this.policyDir(spriteId), policy);
    await this.enforcer.apply(spriteId);
  }

  /** The sprite's own address (its end of the link), once it has a lease. */
  address(spriteId: string): string | undefined {
    const lease = this.deps.store.lease(spriteId);
    return lease === undefined ? undefined : this.linkSpec(spriteId, lease.slot).address;
  }

  /** Packets through the sprite's link so far, both ways (its activity), or undefined without a link. */
  packets(spriteId: string): number | undefined {
    const stats = `/sys/class/net/${this.hostIf(spriteId)}/statistics`;
    try {
      return Number(readFileSync(`${stats}/rx_packets`, 'utf8')) + Number(readFileSync(`${stats}/tx_packets`, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Whether the forwarder listens for a sprite (for tests of teardown). */
  forwarding(spriteId: string): boolean {
    return this.forwarder.listening(spriteId);
  }

  private elementsWithLinks(): FenceElement[] {
    return this.deps.store
      .leases()
      .map((lease) => ({ ...this.linkSpec(lease.spriteId, lease.slot), enforced: this.enforcer.enforced(lease.spriteId) }))
      .filter((spec) => linkExists(spec));
  }

  /** Where a sprite's policy is enforced, if its link exists. */
  private policyLink(spriteId: string): PolicyLink | undefined {
    const lease = this.deps.store.lease(spriteId);
    if (lease === undefined) return undefined;
    const spec = this.linkSpec(spriteId, lease.slot);
    return linkExists(spec) ? { hostIf: spec.hostIf, netnsPath: netnsPath(spec.netns), address: spec.address, gateway: spec.gateway } : undefined;
  }

  private linkSpec(spriteId: string, slot: number): LinkSpec {
    const gateway = this.block.base + slot * 2;
    return {
      netns: this.netnsName(spriteId),
      hostIf: this.hostIf(spriteId),
      alias: this.alias(spriteId),
      gateway: formatAddress(gateway),
      address: formatAddress(gateway + 1),
      prefixLength: LINK_PREFIX_LENGTH,
      ids: { first: this.deps.uidOffset, count: ID_RANGE_SIZE },
    };
  }

  private netnsName(spriteId: string): string {
    return `${this.deps.containerPrefix}-${spriteId}`;
  }

  /** IFNAMSIZ allows 15 characters: some of the prefix, then enough of the random id to tell sprites apart. */
  private hostIf(spriteId: string): string {
    return `${this.deps.containerPrefix.slice(0, 6)}${spriteId.slice(0, 9)}`;
  }

  private alias(spriteId: string): string {
    return `hob:${this.deps.containerPrefix}:${spriteId}`;
  }

  private resolvConfPath(spriteId: string): string {
    return join(this.deps.dataDir, 'network', `${spriteId}.resolv.conf`);
  }

  private policyDir(spriteId: string): string {
    return join(this.deps.dataDir, 'network', `${spriteId}.policy`);
  }
}

