import { CostToDate } from './usage.js';
import { Nullable, RequestObject, Timestamp } from './common.js';
import { Type } from './type.js';

/** The largest spend limit a body may set, in the price file's currency: far above any one host's month. */
export const MAX_SPEND_LIMIT = 1_000_000_000;

const amount = (description: string) => Type.Number({ minimum: 0, maximum: MAX_SPEND_LIMIT, description });

export const SpendLimitBody = RequestObject(
  {
    daily: Type.Optional(Nullable(amount('Most it may spend in a UTC day; 0 lets it spend nothing. Absent or null: no daily limit.'))),
    monthly: Type.Optional(Nullable(amount('Most it may spend in a UTC month; absent or null: no monthly limit.'))),
  },
  { title: 'SpendLimitBody', description: 'Replaces the whole limit: a field left out is no limit. `{}` clears it, as DELETE does.' },
);

export const SpendLimitReached = Type.Object(
  {
    scope: Type.Union([Type.Literal('sprite'), Type.Literal('server')], { description: "Whose limit: the sprite's own or the server's, which counts every sprite." }),
    period: Type.Union([Type.Literal('day'), Type.Literal('month')]),
    limit: Type.Number(),
    spent: Type.Number({ description: 'Spent so far in that period.' }),
    resets_at: Timestamp('When the period ends and wakes are allowed again, unless the limit is raised first.'),
  },
  { title: 'SpendLimitReached' },
);

export const SpendLimit = Type.Object(
  {
    daily: Nullable(Type.Number({ description: 'Most it may spend in a UTC day; null: no limit.' })),
    monthly: Nullable(Type.Number({ description: 'Most it may spend in a UTC month; null: no limit.' })),
    currency: Type.String({ description: 'Of the limits and of what was spent (the price file\'s).' }),
    spent: CostToDate,
    reached: Nullable(SpendLimitReached),
  },
  {
    title: 'SpendLimit',
    description:
      "A spend limit and what it holds back. When one is reached, running sprites it covers are put to sleep (warm) after the usage sample that finds it, and waking or creating them is refused with 402 `spend_limit_reached` until the limit is raised or its period ends. For a sprite, `reached` also reports the server's limit when that is what stops it.",
  },
);

export const ServerLimits = Type.Object(
  {
    spend: SpendLimit,
    max_running: Nullable(Type.Integer({ description: 'The most sprites that may run at once (`hob serve --max-running`); null: no cap.' })),
    running: Type.Integer({ description: 'Sprites running now.' }),
    capacity_wait_seconds: Type.Integer({ description: 'How long a create or wake that asked to wait for capacity (`wait_for_capacity`) waits before it is refused (`--capacity-wait`).' }),
  },
  { title: 'ServerLimits', description: "The server's limits: its spend limit over every sprite, and its cap on sprites running at once." },
);
