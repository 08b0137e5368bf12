import { readFileSync } from 'node:fs';
import type { AgentSettings } from '../../shared/protocol.js';

const ROOT_ONLY: AgentSettings = { user: 'root', environment: {} };

/**
 * What the server says about this sprite (AgentSettings), read at every service start: a warm
 * spare is handed over, and its settings rewritten, while its agent runs. With no file (an agent
 * run on a host, in tests) services run as root with no extra environment; a file that does not
 * parse is ignored the same way, since only the sprite's root could have spoiled it.
 */
export function readSettings(path: string | undefined): AgentSettings {
  if (path === undefined) return ROOT_ONLY;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return ROOT_ONLY;
  }
  if (typeof value !== 'object' || value === null) return ROOT_ONLY;
  const { user, environment } = value as Record<string, unknown>; // each field is checked below
  const env: Record<string, string> = {};
  if (typeof environment === 'object' && environment !== null) {
    for (const [key, entry] of Object.entries(environment)) if (typeof entry === 'string') env[key] = entry;
  }
  return { user: typeof user === 'string' && user !== '' ? user : 'root', environment: env };
}
