import type { Static } from '@sinclair/typebox';
import { HobError } from '../../shared/errors.js';
import type { PrivilegesPolicy, PrivilegesPolicyBody, ResourcesPolicy, ResourcesPolicyBody } from '../../shared/schemas/sprite-policies.js';
import { BASIC_DEVICES } from '../../shared/schemas/sprite-policies.js';
import { imageProfile } from '../images/profile.js';
import type { Runtime, SandboxPrivileges, SandboxSpec } from '../runtimes/runtime.js';
import type { SpritePolicyStore, StoredPrivileges } from '../store/sprite-policies.js';
import type { SpriteRecord } from '../store/sprites.js';
import { CommandError } from '../util/command.js';
import type { SpriteRegistry } from './registry.js';

type Resources = Static<typeof ResourcesPolicy>;
type Privileges = Static<typeof PrivilegesPolicy>;

/** States in which a sprite has a sandbox whose cgroup can be changed in place. */
const HAS_SANDBOX: readonly SpriteRecord['state'][] = ['running', 'warm'];

/**
 * A sprite's resources and privileges policies: what its sandbox gets, on top of its config.
 * A resources change reaches the running sandbox at once (its cgroup); privileges are fixed
 * when a sandbox is made, so they take effect at the next boot.
 */
export class SpritePolicies {
  constructor(private readonly deps: { registry: SpriteRegistry; runtime: Runtime; store: SpritePolicyStore }) {}

  /** The limits a sprite's sandbox enforces: its config, with the memory policy over it. */
  limits(record: Pick<SpriteRecord, 'id' | 'config'>): SandboxSpec['resources'] {
    const base = { memoryMiB: record.config.ramMiB, cpus: record.config.cpus, pidsMax: record.config.pidsMax };
    const memory = this.deps.store.resources(record.id);
    if (memory === undefined) return base;
    if (memory.autoscale !== true) return { ...base, memoryMiB: memory.limit_mb };
    return { ...base, memoryMiB: Math.max(memory.limit_mb, record.config.ramMiB), memorySoftMiB: memory.limit_mb };
  }

  resources(name: string): Resources {
    const record = this.deps.registry.get(name);
    const memory = this.deps.store.resources(record.id);
    return { memory: memory ?? { limit_mb: record.config.ramMiB, autoscale: false } };
  }

  /** Stores the policy (undefined: back to the config) and applies it to the sandbox if one runs. */
  setResources(name: string, body: Static<typeof ResourcesPolicyBody> | undefined): Promise<Resources> {
    return this.deps.registry.exclusive(name, async (record) => {
      const memory = body?.memory === undefined ? undefined : { limit_mb: body.memory.limit_mb, autoscale: body.memory.autoscale ?? false };
      const before = this.deps.store.resources(record.id);
      this.deps.store.setResources(record.id, memory);
      if (HAS_SANDBOX.includes(record.state)) {
        try {
          await this.deps.runtime.updateResources(this.deps.registry.containerId(record), this.limits(record));
        } catch (error) {
          this.deps.store.setResources(record.id, before);
          // The kernel refuses a limit below what the sprite uses and cannot reclaim.
          if (error instanceof CommandError) throw new HobError('conflict', `sprite ${name} could not be held to that memory limit now: ${error.message.trim()}`, { cause: error });
          throw error;
        }
      }
      return this.resources(name);
    });
  }

  /** What the sandbox gets at its next boot. */
  sandboxPrivileges(record: Pick<SpriteRecord, 'id' | 'image'>): { privileges: SandboxPrivileges; noNewPrivileges: boolean } {
    const effective = this.effectivePrivileges(record, this.deps.store.privileges(record.id));
    return {
      privileges: { profile: effective.profile === '' ? 'standard' : effective.profile, devices: effective.devices.map(deviceName).filter(isExtraDevice) },
      noNewPrivileges: effective.noNewPrivileges,
    };
  }

  privileges(name: string): Privileges {
    const record = this.deps.registry.get(name);
    return this.effectivePrivileges(record, this.deps.store.privileges(record.id));
  }

  /** Stores the policy (undefined: the defaults); it holds from the sprite's next boot. */
  setPrivileges(name: string, body: Static<typeof PrivilegesPolicyBody> | undefined): Promise<Privileges> {
    return this.deps.registry.exclusive(name, (record) => {
      const stored: StoredPrivileges | undefined =
        body === undefined
          ? undefined
          : {
              profile: body.profile === '' || body.profile === undefined ? 'standard' : body.profile,
              devices: [...new Set((body.devices ?? []).map((device) => `/dev/${deviceName(device)}`))],
              noNewPrivileges: body.noNewPrivileges ?? body.no_new_privileges ?? this.defaultNoNewPrivileges(record, body.profile),
            };
      this.deps.store.setPrivileges(record.id, stored);
      return Promise.resolve(this.effectivePrivileges(record, stored));
    });
  }

  private effectivePrivileges(record: Pick<SpriteRecord, 'image'>, stored: StoredPrivileges | undefined): Privileges {
    return stored ?? { profile: 'standard', devices: [], noNewPrivileges: this.defaultNoNewPrivileges(record, 'standard') };
  }

  /** minimal always refuses setuid gains; privileged never does; standard follows the image (debian's sudo needs it off). */
  private defaultNoNewPrivileges(record: Pick<SpriteRecord, 'image'>, profile: Privileges['profile'] | undefined): boolean {
    if (profile === 'minimal') return true;
    if (profile === 'privileged') return false;
    return imageProfile(record.image).noNewPrivileges;
  }
}

function deviceName(device: string): string {
  return device.replace(/^\/dev\//, '');
}

function isExtraDevice(name: string): boolean {
  return !(BASIC_DEVICES as readonly string[]).includes(name); // the literal tuple, widened to search it
}
