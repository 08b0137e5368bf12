import { Type } from './type.js';

export const DiskSpace = Type.Object({ size_bytes: Type.Number(), free_bytes: Type.Number() }, { title: 'DiskSpace' });

export const StorageHealth = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('low'), Type.Literal('critical')], { description: '`critical` while creates are refused (507 insufficient_storage).' }),
    limits_enforced: Type.Boolean({ description: 'False when the kernel has no btrfs simple quotas (before Linux 6.7): storage_gb is not enforced.' }),
    pool: DiskSpace,
    host: Type.Union([DiskSpace, Type.Null()], { description: 'The host filesystem under a loop-file pool; null when the pool is the data dir’s own btrfs.' }),
    warnings: Type.Array(Type.String(), { description: 'What is short and what to do about it, one sentence each; empty when status is ok.' }),
  },
  { title: 'StorageHealth', description: 'Free space for sprites.' },
);

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String(), storage: StorageHealth }, { title: 'Health' });

/** Only its version is promised here; the document itself is checked against the OpenAPI 3.1 schema by a test. */
export const OpenApiDocument = Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true, title: 'OpenApiDocument' });
