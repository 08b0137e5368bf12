import { Type } from './type.js';
import { Nullable, RequestObject, Timestamp } from './common.js';

export const LIST_MAX_RESULTS = 50;

/** Limits a schema can state; what needs the server's defaults or other fields is checked in sprites/validate. */
export const MAX_LABELS = 64;
export const MAX_LABEL_LENGTH = 128;
export const MAX_ENV_ENTRIES = 256;
export const MAX_ENV_VALUE_LENGTH = 32 * 1024;
/** A sprite's own idle timeout is at least a second (the sleeper looks about once a second) and at most a week. */
export const MIN_IDLE_TIMEOUT_SECONDS = 1;
export const MAX_IDLE_TIMEOUT_SECONDS = 7 * 24 * 3600;

const configFields = {
  ram_mb: Type.Integer({ minimum: 64, maximum: 1024 * 1024, description: 'Memory limit in MiB.' }),
  cpus: Type.Number({ minimum: 0.01, maximum: 1024, description: 'CPU limit in cores (fractions allowed).' }),
  region: Type.String({ description: 'Accepted for the Sprites API; one host is one region, reported as `local` unless given.' }),
  storage_gb: Type.Integer({ minimum: 1, maximum: 1024 * 1024, description: 'Disk limit in GiB.' }),
  pids_max: Type.Integer({ minimum: 16, maximum: 4_194_304, description: 'Hob extension: the most processes (and threads) the sprite may run at once.' }),
  wait_for_capacity: Type.Boolean({
    description: "Hob extension in the config: when the server's cap on running sprites is reached, its wakes (and its create) wait for room instead of being refused with 429. Set by `wait_for_capacity` at create.",
  }),
  idle_timeout: Type.Number({
    minimum: 0,
    description: "Hob extension: seconds without activity before it goes warm (asleep, memory kept); 0: it never sleeps by itself. The server's --idle-timeout unless set for the sprite.",
  }),
};

const idleTimeoutInput = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_IDLE_TIMEOUT_SECONDS }), Type.String({ minLength: 1, maxLength: 32 })], {
  description: `Hob extension: seconds, or a duration such as "5m" or "2h"; 0 (or "0s") never sleeps by itself; otherwise ${MIN_IDLE_TIMEOUT_SECONDS}s to 7 days. Default: the server's --idle-timeout.`,
});

export const SpriteConfig = Type.Object(configFields, { title: 'SpriteConfig' });

/** What a create body may set; each field left out takes the server's default (or a fork's source's). */
export const SpriteConfigInput = RequestObject(
  {
    ram_mb: Type.Optional(configFields.ram_mb),
    cpus: Type.Optional(configFields.cpus),
    region: Type.Optional(configFields.region),
    storage_gb: Type.Optional(configFields.storage_gb),
    pids_max: Type.Optional(configFields.pids_max),
    idle_timeout: Type.Optional(idleTimeoutInput),
  },
  { title: 'SpriteConfigInput' },
);

const urlAuth = Type.Union([Type.Literal('public'), Type.Literal('sprite')], { description: '`sprite` needs a token or a sign-in; `public` lets anyone in.' });
const privateAccess = Type.Union([Type.Literal('admins'), Type.Literal('org_users')]);

export const UrlSettings = Type.Object({ auth: urlAuth, private_access: Type.Optional(privateAccess) }, { title: 'UrlSettings' });

export const UrlSettingsInput = RequestObject(
  { auth: Type.Optional(urlAuth), private_access: Type.Optional(privateAccess) },
  { title: 'UrlSettingsInput', description: '`auth` defaults to `sprite`.' },
);

export const SpriteSource = RequestObject(
  {
    sprite: Type.String({ minLength: 1, description: 'The sprite to fork.' }),
    checkpoint: Type.Optional(Type.String({ minLength: 1, description: 'A checkpoint id of that sprite; absent means its current files.' })),
  },
  { title: 'SpriteSource', description: 'Hob extension: a copy-on-write fork of another sprite, now or at one of its checkpoints.' },
);

export const Storage = Type.Object(
  {
    exclusive_bytes: Nullable(
      Type.Integer({
        description:
          'Bytes the sprite itself wrote that are still held, by its files or its checkpoints. Blocks it shares with its image or with the sprite it was forked from count for them, not for it, so a fresh fork holds ~0. Null when the host cannot count (Linux before 6.7).',
      }),
    ),
  },
  { title: 'Storage', description: 'Disk use as btrfs simple quotas count it, updated at each btrfs commit (at most 30 s late).' },
);

export const SpriteStatus = Type.Union([Type.Literal('running'), Type.Literal('warm'), Type.Literal('cold')]);

export const Environment = Type.Record(Type.String(), Type.String({ maxLength: MAX_ENV_VALUE_LENGTH }), {
  maxProperties: MAX_ENV_ENTRIES,
  description: 'Environment variables for every command run in the sprite; names are [A-Za-z_][A-Za-z0-9_]*.',
});

const Labels = Type.Array(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH }), { maxItems: MAX_LABELS });

export const Sprite = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    organization: Type.String(),
    status: SpriteStatus,
    config: SpriteConfig,
    environment: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp('When the sprite was created.'),
    updated_at: Timestamp('When its settings last changed.'),
    last_running_at: Nullable(Timestamp('When it last woke or last went to sleep (the end of its last stretch awake); null if it never ran.')),
    last_warming_at: Nullable(Timestamp('When it last went warm (idle: processes frozen, memory kept); null if it never has.')),
    url: Type.String({ description: 'Where its HTTP service answers.' }),
    url_settings: UrlSettings,
    labels: Type.Array(Type.String()),
    version: Type.String(),
    image: Type.String({ description: 'Hob extension: the image its root started from.' }),
    runtime: Type.String({ description: 'Hob extension: the isolation backend it runs on.' }),
    storage: Storage,
    current_checkpoint: Nullable(Type.String({ description: 'Hob extension: the checkpoint its files derive from (the last one made or restored).' })),
    forked_from: Nullable(
      Type.Object({ sprite: Type.String(), checkpoint: Type.Optional(Type.String()) }, { description: 'Hob extension: what this sprite was forked from, if it was.' }),
    ),
    address: Nullable(
      Type.String({ description: "Hob extension: the sprite's own IPv4 address, its end of the link to the host (eth0 inside it); null until its network is first made." }),
    ),
  },
  { title: 'Sprite', description: 'A sprite as the Sprites v1 API returns it.' },
);

export const CreateSpriteBody = RequestObject(
  {
    name: Type.String({ description: 'A lowercase DNS label, unique on this server.' }),
    config: Type.Optional(SpriteConfigInput),
    environment: Type.Optional(Environment),
    url_settings: Type.Optional(UrlSettingsInput),
    labels: Type.Optional(Labels),
    wait_for_capacity: Type.Optional(
      Type.Boolean({ description: "When the server's cap on running sprites is reached, wait for room (up to its --capacity-wait) instead of being refused with 429; its later wakes wait too (`config.wait_for_capacity`)." }),
    ),
    runtime: Type.Optional(Type.String({ description: 'The SDK\'s runtime ("default" | "dev"); accepted and ignored.' })),
    image: Type.Optional(Type.String({ description: 'Hob extension: the image the sprite\'s root is a snapshot of (default: the server\'s default image).' })),
    source: Type.Optional(SpriteSource),
  },
  { title: 'CreateSprite', description: 'A fork (`source`) takes its source\'s image, config and environment unless the body gives its own; it cannot also name an image.' },
);

export const UpdateSpriteBody = RequestObject(
  {
    url_settings: Type.Optional(UrlSettingsInput),
    labels: Type.Optional(Labels),
    clear_labels: Type.Optional(Type.Boolean()),
    config: Type.Optional(
      RequestObject(
        {
          idle_timeout: Type.Optional(Type.Union([idleTimeoutInput, Type.Null()], { description: "As at create; null goes back to the server's." })),
          wait_for_capacity: Type.Optional(Type.Boolean({ description: 'Whether its wakes wait for room under the cap on running sprites.' })),
        },
        { title: 'SpriteConfigUpdate', description: 'Hob extension: the settings that can change while the sprite lives.' },
      ),
    ),
  },
  { title: 'UpdateSprite', description: 'At least one of url_settings, labels, clear_labels, config.idle_timeout or config.wait_for_capacity.' },
);

export const ListSpritesQuery = RequestObject({
  prefix: Type.Optional(Type.String({ description: 'Only sprites whose name starts with this.' })),
  max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_MAX_RESULTS, default: LIST_MAX_RESULTS, description: 'Page size.' })),
  continuation_token: Type.Optional(Type.String({ description: 'The next_continuation_token of the previous page.' })),
});

export const ListSpritesResponse = Type.Object(
  {
    sprites: Type.Array(Sprite),
    has_more: Type.Boolean(),
    next_continuation_token: Type.Optional(Type.String({ description: 'Present only when has_more is true.' })),
    running: Type.Integer(),
    warm: Type.Integer(),
    cold: Type.Integer(),
    name: Type.String({ description: 'The organization.' }),
    running_limit: Type.Optional(Type.Integer({ description: 'The most sprites that may run at once (`hob serve --max-running`); absent: no cap.' })),
  },
  { title: 'SpriteList' },
);
