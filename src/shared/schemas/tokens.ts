import { Nullable, RequestObject, Timestamp } from './common.js';
import { Type } from './type.js';

export const TOKEN_MAX_EXPIRY_SECONDS = 10 * 365 * 24 * 3600;

export const TokenInfo = Type.Object(
  {
    id: Type.String({ description: 'The token id (the part after `hob_` in the token); stable, not secret.' }),
    name: Nullable(Type.String()),
    admin: Type.Boolean({ description: 'The admin token may do anything, including manage tokens.' }),
    sprite_prefix: Nullable(Type.String({ description: 'Only sprites whose name starts with this.' })),
    sprite_label: Nullable(Type.String({ description: 'Only sprites that carry this label.' })),
    read_only: Type.Boolean({ description: 'May list and read sprites (GET, and the ports watch), not run, change or create anything.' }),
    created_at: Timestamp('When it was made.'),
    expires_at: Nullable(Timestamp('When it stops working; null: never.')),
  },
  { title: 'Token', additionalProperties: false },
);

export const TokenList = Type.Object({ tokens: Type.Array(TokenInfo) }, { title: 'TokenList', additionalProperties: false });

export const CreatedToken = Type.Object(
  { ...TokenInfo.properties, token: Type.String({ description: 'The token itself, shown only this once.' }) },
  { title: 'CreatedToken', additionalProperties: false },
);

export const CreateTokenBody = RequestObject(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Unique; `hob token revoke` takes it.' })),
    sprite_prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9-]+$', description: 'Limit the token to sprites whose name starts with this.' })),
    sprite_label: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Limit the token to sprites that carry this label.' })),
    read_only: Type.Optional(Type.Boolean({ default: false })),
    expires_in_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: TOKEN_MAX_EXPIRY_SECONDS, description: 'Absent: it never expires.' })),
  },
  { title: 'CreateToken' },
);

export const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The token id or name.' }) });
