import type { ExecRequest } from '../../shared/exec-request.js';
import { imageProfile } from '../images/profile.js';
import type { SpriteRecord } from '../store/sprites.js';

/**
 * What a sprite's own settings add to an exec: its `environment` under the request's own
 * variables (the request wins), and its image's user unless the request names one. The server
 * adds them, not the agent, because a warm spare's agent was booted before its sprite had any.
 */
export function execForSprite(record: Pick<SpriteRecord, 'environment' | 'image'>, exec: ExecRequest): ExecRequest {
  return { ...exec, env: { ...record.environment, ...exec.env }, user: exec.user ?? imageProfile(record.image).user };
}
