import { newSpriteRecord } from '../sprites/records.js';
import type { SpriteRecord } from '../store/sprites.js';

/** A running tiny sprite's record with small limits, for tests that need rows in the store and no sandbox. */
export function testSpriteRecord(id: string, name: string): SpriteRecord {
  return newSpriteRecord({
    id,
    name,
    image: 'tiny',
    state: 'running',
    config: { ramMiB: 256, cpus: 1, pidsMax: 100, storageGiB: 1, region: 'local' },
    environment: {},
    labels: [],
    urlSettings: { auth: 'sprite' },
    qgroup: null,
    forkedFrom: null,
  });
}
