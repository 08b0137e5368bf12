import { Type } from '@sinclair/typebox';
import { RequestObject } from './common.js';

export const SleepBody = RequestObject(
  {
    cold: Type.Optional(Type.Boolean({ description: 'Stop its processes (cold) instead of freezing them (warm). Default false.' })),
  },
  { title: 'SleepBody' },
);

export const RestartResponse = Type.Object(
  {
    sprite_name: Type.String(),
    machine_id: Type.String({ description: 'The container that runs it.' }),
    message: Type.String(),
  },
  { title: 'RestartResponse' },
);

export const CheckResponse = Type.Object(
  {
    sprite_name: Type.String(),
    sprite_id: Type.String(),
    status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy'), Type.Literal('warm'), Type.Literal('cold')], {
      description: '`healthy` when its agent answered, `unhealthy` when it did not (see reason); `warm` or `cold` when it sleeps (checking does not wake it).',
    }),
    reason: Type.Optional(Type.String()),
    checked_at: Type.String({ format: 'date-time' }),
    elapsed: Type.Optional(Type.String({ description: 'How long the agent took to answer, such as "1.2ms".' })),
  },
  { title: 'CheckResponse' },
);
