import { AGENT_SETTINGS_FILE, type SandboxSpec } from '../runtime.js';
import { capabilitiesOf, devicesOf, type OciDevice, type OciDeviceRule } from './privileges.js';
import { defaultSeccompProfile, type LinuxSeccomp } from './seccomp.js';

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Size of the uid/gid range each sprite maps: the usual 16-bit range of a Linux system. */
export const ID_MAP_SIZE = 65536;

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted', string[]>;
    noNewPrivileges: boolean;
    oomScoreAdj: number;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    uidMappings: { containerID: number; hostID: number; size: number }[];
    gidMappings: { containerID: number; hostID: number; size: number }[];
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    devices: OciDevice[];
    resources: {
      devices: OciDeviceRule[];
      memory: { limit: number; reservation?: number };
      cpu: { quota: number; period: number };
      pids: { limit: number };
    };
    seccomp: LinuxSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

const AGENT_MOUNT = '/.hob';
export const AGENT_SOCKET_NAME = 'agent.sock';
export const AGENT_SOCKET_IN_SPRITE = `${AGENT_MOUNT}/run/${AGENT_SOCKET_NAME}`;
const CPU_PERIOD_US = 100_000;
const MIB = 1024 * 1024;
export const SPRITE_DIR_IN_SPRITE = '/.sprite';
export const CHECKPOINTS_IN_SPRITE = `${SPRITE_DIR_IN_SPRITE}/checkpoints`;
export const POLICY_IN_SPRITE = `${SPRITE_DIR_IN_SPRITE}/policy`;

/** What the spec mounts under /.sprite, relative to it: their mount points must exist in the (read-only) sprite dir. */
export function mountPointsInSpriteDir(spec: OciSpec): string[] {
  return spec.mounts.flatMap((mount) => (mount.destination.startsWith(`${SPRITE_DIR_IN_SPRITE}/`) ? [mount.destination.slice(SPRITE_DIR_IN_SPRITE.length + 1)] : []));
}

/**
 * A container's cgroup, relative to the root of each hierarchy: runc's cgroupfs driver makes it
 * there in every v1 controller (or in the one v2 tree). The freezer and metering read it too.
 */
export function cgroupPathOf(id: string): string {
  return `/${id}`;
}

/** The cgroup limits of a sprite's config, as runc takes them at start and in `runc update`. */
export function cgroupLimits(resources: SandboxSpec['resources']) {
  return {
    memory: { limit: resources.memoryMiB * MIB, ...(resources.memorySoftMiB === undefined ? {} : { reservation: resources.memorySoftMiB * MIB }) },
    cpu: { quota: Math.round(resources.cpus * CPU_PERIOD_US), period: CPU_PERIOD_US },
    pids: { limit: resources.pidsMax },
  };
}

/**
 * The OCI spec of a sprite: every namespace including a user namespace (root in the sprite is
 * an unprivileged uid on the host); the network namespace is the one the server made (owned by
 * the sprite's user namespace, so no profile grants CAP_NET_ADMIN: root in the sprite cannot
 * change its addresses or routes), the capabilities and
 * devices of its privileges profile (runc/privileges.ts) under Docker's seccomp profile,
 * no_new_privileges unless the image needs setuid sudo, masked kernel paths, and cgroup limits from the sprite's config.
 */
export function buildOciSpec(spec: SandboxSpec, uidOffset: number): OciSpec {
  const caps = capabilitiesOf(spec.privileges.profile);
  const devices = devicesOf(spec.privileges);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      // tini is PID 1 and reaps orphans; Node cannot waitpid() children it did not spawn.
      args: [
        `${AGENT_MOUNT}/bin/tini`,
        '--',
        `${AGENT_MOUNT}/lib/ld-linux-x86-64.so.2`,
        '--library-path',
        `${AGENT_MOUNT}/lib`,
        `${AGENT_MOUNT}/bin/node`,
        `${AGENT_MOUNT}/agent.js`,
        '--socket',
        AGENT_SOCKET_IN_SPRITE,
        '--sprite',
        '--settings',
        `${AGENT_MOUNT}/run/${AGENT_SETTINGS_FILE}`,
      ],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: spec.noNewPrivileges,
      // Under memory pressure the kernel should pick a sprite's processes before the host's.
      oomScoreAdj: 500,
    },
    root: { path: spec.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: AGENT_MOUNT, type: 'bind', source: spec.agentRuntimeDir, options: ['bind', 'ro', 'nosuid', 'nodev'] },
      { destination: `${AGENT_MOUNT}/run`, type: 'bind', source: spec.runDir, options: ['bind', 'rw', 'nosuid', 'nodev', 'noexec'] },
      // The directory, not the socket: a server restart binds a new socket in it, seen inside at once.
      // Read-only is no obstacle to connecting, and the sprite cannot replace or remove the socket.
      { destination: SPRITE_DIR_IN_SPRITE, type: 'bind', source: spec.spriteDir, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
      // A plain bind, not a mount per checkpoint: checkpoints made while the sprite runs appear in it.
      { destination: CHECKPOINTS_IN_SPRITE, type: 'bind', source: spec.checkpointsDir, options: ['bind', 'ro', 'nosuid', 'nodev'] },
      // Names resolve only through Hob's forwarder; runc makes the file (and /etc) if the image has none.
      { destination: '/etc/resolv.conf', type: 'bind', source: spec.network.resolvConfPath, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
      // The directory, not the file: an update renamed into it is seen inside without a remount.
      { destination: POLICY_IN_SPRITE, type: 'bind', source: spec.network.policyDir, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
    ],
    linux: {
      uidMappings: [{ containerID: 0, hostID: uidOffset, size: ID_MAP_SIZE }],
      gidMappings: [{ containerID: 0, hostID: uidOffset, size: ID_MAP_SIZE }],
      namespaces: [{ type: 'pid' }, { type: 'network', path: spec.network.netnsPath }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user', path: spec.network.usernsPath }, { type: 'cgroup' }],
      cgroupsPath: cgroupPathOf(spec.id),
      devices: devices.nodes,
      resources: { devices: devices.rules, ...cgroupLimits(spec.resources) },
      seccomp: defaultSeccompProfile({ sysAdmin: spec.privileges.profile === 'privileged' }),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
