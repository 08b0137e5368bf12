import type { PrivilegeProfile } from '../../../shared/schemas/sprite-policies.js';
import type { SandboxPrivileges } from '../runtime.js';

/**
 * What root in a sprite may do under each privileges profile. Every capability is held inside
 * the sprite's user namespace, so the kernel honours it only for what that namespace owns (its
 * mounts, its processes, its IPC); the host's disk, network namespace and devices are owned by
 * the host's namespace and stay out of reach whatever the profile.
 */

/** Enough for the agent to run commands as another user and manage the sprite's own files. */
export const MINIMAL_CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL'] as const;

/**
 * Docker's default capability set without CAP_NET_RAW (sprites are online, so no raw or packet
 * sockets; ping uses unprivileged ICMP sockets): the `standard` profile, every sprite's default.
 */
export const DEFAULT_CAPABILITIES = [
  ...MINIMAL_CAPABILITIES,
  'CAP_MKNOD',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_AUDIT_WRITE',
] as const;

/**
 * Added by `privileged`, for nested sandboxes (bwrap, rootless containers), FUSE, debuggers and
 * real-time or locked memory. CAP_NET_RAW and CAP_NET_ADMIN stay out: the sprite's network
 * namespace is owned by its user namespace, so CAP_NET_ADMIN would let it change its own
 * addresses and routes, which the network design keeps fixed.
 */
export const PRIVILEGED_EXTRA_CAPABILITIES = [
  'CAP_SYS_ADMIN',
  'CAP_SYS_PTRACE',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_IPC_LOCK',
  'CAP_DAC_READ_SEARCH',
  'CAP_LINUX_IMMUTABLE',
] as const;

export function capabilitiesOf(profile: PrivilegeProfile): string[] {
  switch (profile) {
    case 'minimal':
      return [...MINIMAL_CAPABILITIES];
    case 'standard':
      return [...DEFAULT_CAPABILITIES];
    case 'privileged':
      return [...DEFAULT_CAPABILITIES, ...PRIVILEGED_EXTRA_CAPABILITIES];
  }
}

export interface OciDevice {
  path: string;
  type: 'c';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

export interface OciDeviceRule {
  allow: boolean;
  access: string;
  type?: 'c';
  major?: number;
  minor?: number;
}

/** The host's numbers of the devices a policy may add (runc bind-mounts the host's node in a user namespace). */
const DEVICE_NUMBERS: Readonly<Record<string, { major: number; minor: number }>> = {
  fuse: { major: 10, minor: 229 },
};

const WORLD_READ_WRITE = 0o666;

/** The device nodes to add and the cgroup rules that let them be opened; anything else stays denied. */
export function devicesOf(privileges: SandboxPrivileges): { nodes: OciDevice[]; rules: OciDeviceRule[] } {
  const nodes: OciDevice[] = [];
  const rules: OciDeviceRule[] = [{ allow: false, access: 'rwm' }];
  for (const name of privileges.devices) {
    const numbers = DEVICE_NUMBERS[name];
    if (numbers === undefined) throw new Error(`no device ${name} can be given to a sprite`);
    nodes.push({ path: `/dev/${name}`, type: 'c', ...numbers, fileMode: WORLD_READ_WRITE, uid: 0, gid: 0 });
    rules.push({ allow: true, access: 'rwm', type: 'c', ...numbers });
  }
  return { nodes, rules };
}
