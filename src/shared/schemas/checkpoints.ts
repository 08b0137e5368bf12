import { Type } from './type.js';
import { ErrorCodeSchema, Nullable, RequestObject, Timestamp } from './common.js';

/** `current` names the sprite's files as they are now, wherever a checkpoint id is taken by diff. */
export const CURRENT_STATE = 'current';
export const DIFF_DEFAULT_LIMIT = 10_000;
export const DIFF_MAX_LIMIT = 100_000;
export const MAX_COMMENT_LENGTH = 1024;

export const Checkpoint = Type.Object(
  {
    id: Type.String({ description: 'v0, v1, … per sprite, and auto-0, auto-1, … for automatic ones.' }),
    create_time: Timestamp('When it was made.'),
    source_id: Type.Optional(Type.String({ description: 'The checkpoint the sprite derived from when this one was made.' })),
    comment: Type.Optional(Type.String()),
    is_auto: Type.Boolean(),
    history: Type.Array(Type.String(), { description: "This checkpoint's ancestors through source_id, nearest first." }),
    mounted: Type.Boolean({ description: 'Hob extension: whether it is visible inside the sprite at /.sprite/checkpoints/<id>/ (the five newest are).' }),
  },
  { title: 'Checkpoint', description: 'A checkpoint as the Sprites v1 API returns it.' },
);

export const CheckpointList = Type.Array(Checkpoint, { description: 'Newest first; a bare array, as the Sprites SDK reads it.' });

/** The body is optional: the SDK sends `{}`, curl users often nothing. */
export const CreateCheckpointBody = Nullable(
  RequestObject({ comment: Type.Optional(Type.String({ maxLength: MAX_COMMENT_LENGTH })) }, { title: 'CreateCheckpoint' }),
);

const flag = (description: string) => Type.Optional(Type.Boolean({ description }));

export const ListCheckpointsQuery = RequestObject({
  includeAuto: flag('Include automatic checkpoints (made before each restore).'),
  include_auto: flag('The same as includeAuto.'),
  history: Type.Optional(Type.String({ description: 'Keep only this checkpoint and its descendants.' })),
});

export const DiffChange = Type.Union([Type.Literal('added'), Type.Literal('modified'), Type.Literal('deleted')]);

export const DiffEntry = Type.Object(
  {
    path: Type.String({ description: "Path from the sprite's root, starting with '/'." }),
    change: DiffChange,
    type: Type.Union([Type.Literal('file'), Type.Literal('dir'), Type.Literal('symlink'), Type.Literal('other')]),
    size: Type.Integer({ description: 'Size in bytes: after the change, or before it for a deleted path.' }),
  },
  { title: 'DiffEntry' },
);

export const Diff = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    changes: Type.Array(DiffEntry),
    added: Type.Integer(),
    modified: Type.Integer(),
    deleted: Type.Integer(),
    truncated: Type.Boolean({ description: 'True when there were more changes than `limit`; the counts above still cover them all.' }),
  },
  { title: 'Diff', description: 'What changed going from checkpoint `from` to `to`.' },
);

export const DiffQuery = RequestObject({
  against: Type.Optional(Type.String({ description: `The checkpoint to compare with; default (or \`${CURRENT_STATE}\`): the sprite's files now.` })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DIFF_MAX_LIMIT, default: DIFF_DEFAULT_LIMIT, description: 'The most changes listed.' })),
});

/**
 * One line of an NDJSON progress stream (image build and import, checkpoint and restore).
 * Checkpoint and restore lines also carry `time`, and their `complete` line the checkpoint `id`.
 */
export const ProgressEvent = Type.Union(
  [
    Type.Object({ type: Type.Literal('info'), data: Type.String(), time: Type.Optional(Type.String()) }),
    Type.Object({ type: Type.Literal('progress'), data: Type.String(), done: Type.Number(), total: Type.Number(), time: Type.Optional(Type.String()) }),
    Type.Object({ type: Type.Literal('complete'), data: Type.String(), id: Type.Optional(Type.String()), time: Type.Optional(Type.String()) }),
    // The message stays in `error`, where the Sprites SDK reads it; the code travels beside it.
    Type.Object({ type: Type.Literal('error'), error: Type.String(), code: ErrorCodeSchema, time: Type.Optional(Type.String()) }),
  ],
  { title: 'ProgressEvent', description: 'One line of an NDJSON progress stream.' },
);
