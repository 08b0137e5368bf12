import { randomBytes } from 'node:crypto';
import type { SpriteRecord } from '../store/sprites.js';

/** A sprite as first recorded: a fresh id (unless given), now as its times, and nothing run, checkpointed or restored yet. */
export function newSpriteRecord(
  fields: Omit<SpriteRecord, 'id' | 'createdAt' | 'updatedAt' | 'lastRunningAt' | 'lastWarmingAt' | 'currentCheckpoint' | 'restoringTo'> & { id?: string },
): SpriteRecord {
  const now = new Date().toISOString();
  return {
    id: randomBytes(8).toString('hex'),
    ...fields,
    createdAt: now,
    updatedAt: now,
    lastRunningAt: null,
    lastWarmingAt: null,
    currentCheckpoint: null,
    restoringTo: null,
  };
}
