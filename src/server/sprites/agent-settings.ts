import { chownSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentSettings } from '../../shared/protocol.js';
import { imageProfile } from '../images/profile.js';
import { AGENT_SETTINGS_FILE } from '../runtimes/runtime.js';
import type { SpriteRecord } from '../store/sprites.js';

/**
 * Tells a sprite's agent what its services need to know about the sprite: its image's user and
 * its `environment` (AgentSettings). Written into the run dir before the sprite boots, since the
 * agent starts the services before it answers any request, and again when a warm spare is handed
 * over. Owned by the sprite's root, readable by nobody else.
 */
export function writeAgentSettings(runDir: string, record: Pick<SpriteRecord, 'image' | 'environment'>, sandboxRootUid: number): void {
  const settings: AgentSettings = { user: imageProfile(record.image).user, environment: record.environment };
  const path = join(runDir, AGENT_SETTINGS_FILE);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(settings), { mode: 0o600 });
  chownSync(temporary, sandboxRootUid, sandboxRootUid);
  renameSync(temporary, path);
}
