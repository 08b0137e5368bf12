import { RequestObject } from './common.js';
import { Type } from './type.js';

/** Memory bounds of a resources policy, in MiB: the same as a sprite's `ram_mb`. */
export const POLICY_MEMORY_MIN_MIB = 64;
export const POLICY_MEMORY_MAX_MIB = 1024 * 1024;

const MemoryPolicy = Type.Object(
  {
    limit_mb: Type.Integer({ minimum: POLICY_MEMORY_MIN_MIB, maximum: POLICY_MEMORY_MAX_MIB, description: 'Memory limit in MiB.' }),
    autoscale: Type.Optional(
      Type.Boolean({
        description:
          "Off (the default): `limit_mb` is a hard limit, over it the kernel reclaims and then OOM-kills inside the sprite. On: `limit_mb` is the sprite's soft limit (what host memory pressure pushes it back to), and it may grow to its configured `ram_mb` when the host has room.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ResourcesPolicy = Type.Object(
  { memory: Type.Optional(MemoryPolicy) },
  { title: 'ResourcesPolicy', additionalProperties: false, description: 'A sprite without a memory policy has its configured `ram_mb` as a hard limit.' },
);

export const ResourcesPolicyBody = RequestObject(
  { memory: Type.Optional(RequestObject({ limit_mb: MemoryPolicy.properties.limit_mb, autoscale: MemoryPolicy.properties.autoscale })) },
  { title: 'ResourcesPolicyBody', description: '`{}` (no `memory`) puts the memory limit back to the sprite\'s configured `ram_mb`, as DELETE does.' },
);

export const PRIVILEGE_PROFILES = ['minimal', 'standard', 'privileged'] as const;
export type PrivilegeProfile = (typeof PRIVILEGE_PROFILES)[number];

/**
 * Extra device nodes a sprite may be given, by name (`fuse` or `/dev/fuse`). The basic set
 * (null, zero, full, random, urandom, tty, ptmx) is always there; naming one is accepted and
 * changes nothing, since the Sprites examples send `["null"]`.
 */
// /dev/net/tun is not offered: using it needs CAP_NET_ADMIN, which no profile grants.
export const EXTRA_DEVICES = ['fuse'] as const;
export const BASIC_DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx'] as const;
const DEVICE_NAMES = [...EXTRA_DEVICES, ...BASIC_DEVICES];
const DevicePattern = `^(/dev/)?(${DEVICE_NAMES.join('|')})$`;

const profileField = Type.Union([Type.Literal(''), ...PRIVILEGE_PROFILES.map((profile) => Type.Literal(profile))], {
  description: '`minimal`, `standard` (what `""` means) or `privileged`; see the README\'s Policies section for what each grants.',
});
const devicesField = Type.Array(Type.String({ pattern: DevicePattern }), { maxItems: 16, description: `Device nodes to add: ${EXTRA_DEVICES.map((d) => `/dev/${d}`).join(', ')}.` });
const noNewPrivilegesField = Type.Boolean({ description: "Whether setuid programs are refused their privileges. Default: on, except on the debian image (its `sudo` needs it off) and under `privileged`." });

export const PrivilegesPolicy = Type.Object(
  {
    profile: profileField,
    devices: devicesField,
    noNewPrivileges: noNewPrivilegesField,
  },
  { title: 'PrivilegesPolicy', additionalProperties: false, description: 'What the sprite gets at its next boot.' },
);

export const PrivilegesPolicyBody = RequestObject(
  {
    profile: Type.Optional(profileField),
    devices: Type.Optional(devicesField),
    noNewPrivileges: Type.Optional(noNewPrivilegesField),
    no_new_privileges: Type.Optional(Type.Boolean({ description: 'The same as `noNewPrivileges`, for clients that send snake_case.' })),
  },
  { title: 'PrivilegesPolicyBody', description: 'Fields left out take their defaults. Applied at the next boot (a restart, or a cold wake).' },
);
