import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { runCommand } from '../util/command.js';
import { settleAll } from '../util/settle-all.js';

/** Where `ip netns` keeps named network namespaces (bind-mounted files runc can join by path). */
export const NETNS_DIR = '/run/netns';
/** The user namespace that owns each sprite's network namespace, kept the same way. */
export const USERNS_DIR = '/run/hob/userns';

/** The host side of one sprite's link and the namespace at its other end. */
export interface LinkSpec {
  /** Name of the network namespace (a file in NETNS_DIR). */
  netns: string;
  /** Host end of the veth pair (at most 15 characters). */
  hostIf: string;
  /** Written to the host end's alias, so start-up cleaning finds this server's links by it. */
  alias: string;
  gateway: string;
  address: string;
  /** Prefix length of the link (31: two addresses, RFC 3021). */
  prefixLength: number;
  /** The sprite's id range on the host: its uid and gid 0 map to `first`. */
  ids: { first: number; count: number };
}

/** The interface a sprite sees. */
const SPRITE_IF = 'eth0';

export function netnsPath(netns: string): string {
  return join(NETNS_DIR, netns);
}

export function usernsPath(netns: string): string {
  return join(USERNS_DIR, netns);
}

/** Whether the sprite's namespace and the host end of its link are both there. */
export function linkExists(spec: Pick<LinkSpec, 'netns' | 'hostIf'>): boolean {
  return existsSync(netnsPath(spec.netns)) && existsSync(usernsPath(spec.netns)) && existsSync(`/sys/class/net/${spec.hostIf}`);
}

/**
 * Makes a sprite's network namespace and its veth link. The namespace belongs to a user
 * namespace with the sprite's id mapping, which the sandbox joins too: the kernel lets a
 * sandbox mount its own sysfs only for a network namespace its user namespace owns. Root in
 * the sprite still cannot change its addresses or routes: CAP_NET_ADMIN is not in its
 * capability set. IPv6 is off inside (it is not fenced), unprivileged ping on, addresses,
 * default route via the host end. Whatever part exists already (a half-made link from a
 * crash) is removed first.
 *
 * Every cold create waits for this, so the link is made while the namespaces are being bound
 * to their files: the namespace process is addressed by its pid until then.
 */
export async function createLink(spec: LinkSpec): Promise<void> {
  await removeLink(spec);
  await withNewNamespaces(spec, async (pid) => {
    await batch(
      [
        // A path, not the bare pid, which ip would take for a namespace of that name if one existed.
        `link add ${spec.hostIf} type veth peer name ${SPRITE_IF} netns ${processNetns(pid)}`,
        `link set dev ${spec.hostIf} alias ${spec.alias}`,
        `addr add ${spec.gateway}/${spec.prefixLength} dev ${spec.hostIf}`,
        `link set dev ${spec.hostIf} up`,
      ],
      undefined,
    );
    // The host end needs no IPv6 either: nothing on the link speaks it (this drops its fe80 address).
    writeFileSync(`/proc/sys/net/ipv6/conf/${spec.hostIf}/disable_ipv6`, '1');
    await batch(
      [
        'link set dev lo up',
        `addr add ${spec.address}/${spec.prefixLength} dev ${SPRITE_IF}`,
        `link set dev ${SPRITE_IF} up`,
        `route add default via ${spec.gateway} dev ${SPRITE_IF}`,
      ],
      { pid },
    );
  });
}

/** Removes a sprite's namespace and link; what is gone already is skipped. */
export async function removeLink(spec: Pick<LinkSpec, 'netns' | 'hostIf'>): Promise<void> {
  const commands = [
    ...(existsSync(`/sys/class/net/${spec.hostIf}`) ? [`link del dev ${spec.hostIf}`] : []),
    ...(existsSync(netnsPath(spec.netns)) ? [`netns del ${spec.netns}`] : []),
  ];
  if (commands.length > 0) await batch(commands, undefined, { force: true });
  const userns = usernsPath(spec.netns);
  if (existsSync(userns)) {
    await runCommand('umount', [userns], { timeoutMs: 10_000, allowFailure: true });
    rmSync(userns, { force: true });
  }
}

/**
 * A new user namespace (mapped like the sprite) and a network namespace it owns, kept by bind
 * mounts after the process that made them is gone; `configure` gets that process's pid and
 * runs while the binds are made. Written by hand rather than with `unshare --map-users`, which
 * needs newuidmap from the uidmap package (and unshare's own `--user=FILE`, which binds the
 * user namespace itself, is refused with EPERM here).
 */
async function withNewNamespaces(spec: Pick<LinkSpec, 'netns' | 'ids'>, configure: (pid: number) => Promise<void>): Promise<void> {
  mkdirSync(NETNS_DIR, { recursive: true });
  mkdirSync(USERNS_DIR, { recursive: true, mode: 0o700 });
  const files = { net: netnsPath(spec.netns), user: usernsPath(spec.netns) };
  writeFileSync(files.net, '', { flag: 'a' });
  writeFileSync(files.user, '', { flag: 'a' });
  // It says it is ready once it runs in the new namespaces; once mapped (a line on stdin) it is
  // root of the new user namespace and so may set the new network namespace's sysctls, in the
  // sprite's own ids: IPv6 off before eth0 exists (so it never gets an IPv6 address), and ICMP
  // echo sockets for all its groups. Then it exits when its stdin closes.
  const script = [
    'echo ready',
    'read mapped',
    'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6',
    'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6',
    `echo "0 ${spec.ids.count - 1}" > /proc/sys/net/ipv4/ping_group_range`,
    'echo configured',
    'exec cat',
  ].join('\n');
  const holder = spawn('unshare', ['--user', '--net', '--', 'sh', '-ec', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: holder.stdout });
  const nextLine = () =>
    new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`making the namespaces of ${spec.netns} failed (exit ${code ?? 'by a signal'})`));
      holder.once('exit', onExit);
      lines.once('line', () => {
        holder.off('exit', onExit);
        resolve();
      });
    });
  const exited = new Promise<void>((resolve) => holder.once('close', () => resolve()));
  let bound: Promise<unknown> = Promise.resolve();
  try {
    holder.once('error', () => undefined);
    await nextLine();
    const pid = holder.pid ?? 0;
    const map = `0 ${spec.ids.first} ${spec.ids.count}\n`;
    writeFileSync(`/proc/${pid}/uid_map`, map);
    writeFileSync(`/proc/${pid}/gid_map`, map);
    // One process for both binds: each spawn is a few milliseconds of every cold create.
    bound = runCommand('sh', ['-ec', 'mount --bind "$1" "$2"; mount --bind "$3" "$4"', 'bind', `/proc/${pid}/ns/user`, files.user, `/proc/${pid}/ns/net`, files.net], { timeoutMs: 10_000 });
    const configured = nextLine();
    holder.stdin.write('\n');
    await configured;
    await settleAll([bound, configure(pid)]);
  } finally {
    // The binds must be made (or have failed) before the holder goes: its namespaces die with it otherwise.
    await bound.catch(() => undefined);
    holder.stdin.end();
    await exited;
  }
}

function processNetns(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

/** Sprite namespaces (network, or the user namespace owning one) whose names start with `prefix`. */
export function listNamespaces(prefix: string): string[] {
  const names = [NETNS_DIR, USERNS_DIR].flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : []));
  return [...new Set(names.filter((name) => name.startsWith(prefix)))];
}

/** Host interfaces whose alias starts with `aliasPrefix`, by name. */
export async function listLinksByAlias(aliasPrefix: string): Promise<{ name: string; alias: string }[]> {
  const result = await runCommand('ip', ['-o', 'link', 'show', 'type', 'veth'], { timeoutMs: 10_000 });
  const links: { name: string; alias: string }[] = [];
  for (const line of result.stdout.split('\n')) {
    const name = /^\d+: ([^:@\s]+)/.exec(line)?.[1];
    const alias = /\balias (\S+)/.exec(line)?.[1];
    if (name !== undefined && alias?.startsWith(aliasPrefix)) links.push({ name, alias });
  }
  return links;
}

/**
 * Several ip commands in one process (each `ip` spawn costs milliseconds on the create path),
 * in the host's network namespace or in that of a process.
 */
async function batch(commands: string[], inNetnsOf: { pid: number } | undefined, options: { force?: boolean } = {}): Promise<void> {
  // -force goes on past a failed command (a piece removed meanwhile) and reports failure after.
  const ipArgs = [...(options.force === true ? ['-force'] : []), '-batch', '-'];
  const [file, args] = inNetnsOf === undefined ? ['ip', ipArgs] : ['nsenter', [`--net=${processNetns(inNetnsOf.pid)}`, '--', 'ip', ...ipArgs]];
  await runCommand(file, args, {
    timeoutMs: 10_000,
    allowFailure: options.force === true,
    stdin: Readable.from([`${commands.join('\n')}\n`]),
  });
}

/** Puts a /32 on the host's loopback under `label` (present already is fine). */
export async function addLocalAddress(address: string, label: string): Promise<void> {
  await runCommand('ip', ['-4', 'addr', 'replace', `${address}/32`, 'dev', 'lo', 'label', label], { timeoutMs: 10_000 });
}
