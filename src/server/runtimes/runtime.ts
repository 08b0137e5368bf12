import type { PrivilegeProfile } from '../../shared/schemas/sprite-policies.js';
import type { AgentTransport } from '../agent-link/transport.js';

/**
 * The isolation backend seen from the lifecycle code. runc is the first; gVisor and microVMs
 * implement the same interface, and say what they can do through `capabilities` so callers ask
 * instead of assuming.
 */
export interface RuntimeCapabilities {
  /** Can pause every process of a sprite and resume it later (cgroup freezer, VM pause). */
  readonly freeze: boolean;
  /** Can save a sprite's memory to disk and restore it (gVisor, microVM). */
  readonly memorySnapshot: boolean;
}

export interface SandboxSpec {
  /** Unique id of the sandbox on this host (also its cgroup name). */
  readonly id: string;
  readonly hostname: string;
  /** Host path of the sprite's writable root filesystem. */
  readonly rootfs: string;
  /** Host directory holding the agent runtime (node, libraries, agent bundle), mounted read-only at /.hob. */
  readonly agentRuntimeDir: string;
  /** Host directory for the agent's socket, mounted at /.hob/run; the agent reads its AGENT_SETTINGS_FILE there. */
  readonly runDir: string;
  /**
   * Host directory mounted read-only at /.sprite: it holds the in-sprite API socket (api.sock),
   * served by the server. The runtime makes in it the mount points of what it mounts under /.sprite,
   * and the links SPRITE_DIR_LINKS (/.sprite/logs, /.sprite/services) into the sprite's own root.
   */
  readonly spriteDir: string;
  /** Host directory of the sprite's newest checkpoints, mounted read-only at /.sprite/checkpoints. */
  readonly checkpointsDir: string;
  /** Host file that receives the agent's stdout and stderr. */
  readonly logFile: string;
  /** The sprite's network, made by the server before the sandbox starts. */
  readonly network: {
    /** A network namespace file the sandbox joins (it makes none of its own). */
    readonly netnsPath: string;
    /** The user namespace that owns it, joined too; mapped like `uidOffset`. */
    readonly usernsPath: string;
    /** Host file mounted read-only over /etc/resolv.conf. */
    readonly resolvConfPath: string;
    /** Host directory mounted read-only at /.sprite/policy. */
    readonly policyDir: string;
  };
  readonly resources: {
    /** The hard memory limit. */
    readonly memoryMiB: number;
    /** A soft limit below it, which host memory pressure reclaims the sandbox back to; absent, none. */
    readonly memorySoftMiB?: number;
    readonly cpus: number;
    readonly pidsMax: number;
  };
  /** Whether its processes run with no_new_privileges (off lets setuid sudo work; images/profile.ts). */
  readonly noNewPrivileges: boolean;
  /** What root in the sandbox may do beyond files and processes of its own (the privileges policy). */
  readonly privileges: SandboxPrivileges;
}

export interface SandboxPrivileges {
  readonly profile: PrivilegeProfile;
  /** Extra device nodes by name under /dev (`fuse`). */
  readonly devices: readonly string[];
}

/**
 * The file in a sprite's run dir that tells its agent about its sprite (AgentSettings); written
 * by the server before each boot, passed to the agent as `--settings`.
 */
export const AGENT_SETTINGS_FILE = 'settings.json';

export type SandboxState = 'running' | 'paused' | 'stopped' | 'creating' | 'missing';

export interface Runtime {
  readonly name: string;
  readonly capabilities: RuntimeCapabilities;
  /** Creates and starts the sandbox; resolves once its init process runs (the agent may still be booting). */
  start(spec: SandboxSpec): Promise<void>;
  /** Changes the limits of a running sandbox (a warm spare handed to a user who asked for others). */
  updateResources(id: string, resources: SandboxSpec['resources']): Promise<void>;
  /** Renames a running sandbox's host (a warm spare takes its user's sprite name). */
  setHostname(id: string, hostname: string): Promise<void>;
  /**
   * Pauses every process of a running sandbox (only with `capabilities.freeze`). Resolves true
   * once all are paused, false if some could not be within `timeoutMs` (they are thawed again).
   */
  freeze(id: string, timeoutMs: number): Promise<boolean>;
  /** Resumes a frozen sandbox; one that is not frozen is left as it is. */
  thaw(id: string): Promise<void>;
  /** Stops every process and removes the sandbox; a sandbox that is gone already is not an error. */
  destroy(id: string): Promise<void>;
  state(id: string): Promise<SandboxState>;
  /**
   * How the server reaches the agent of a sandbox started with `runDir`: a unix socket in that
   * directory for containers; a VM backend would hand out a vsock or virtio-serial stream.
   */
  agentTransport(sandbox: Pick<SandboxSpec, 'runDir'>): AgentTransport;
  /**
   * The cgroup holding every process of a sandbox, relative to the root of each cgroup
   * hierarchy, where metering reads its CPU and memory; null if the backend keeps none on this
   * host (a VM is metered from outside its guest).
   */
  cgroupPath(id: string): string | null;
  /** Every sandbox this runtime holds on this host whose id starts with `prefix`. */
  list(prefix: string): Promise<{ id: string; state: SandboxState }[]>;
}
