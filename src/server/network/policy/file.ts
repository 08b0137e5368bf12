import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from './rules.js';

/** The file's name in the directory mounted at /.sprite/policy. */
export const POLICY_FILE_NAME = 'network.json';

/**
 * Writes the policy a sprite reads at /.sprite/policy/network.json. The directory is mounted,
 * not the file, and the new content is renamed into place: a reader inside sees the old file
 * or the new one, never half of one, and sees updates without a remount.
 */
export function writePolicyFile(dir: string, policy: Policy): void {
  // Host root owns both; the sprite's root is another uid, and the mount is read-only besides.
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const temporary = join(dir, `.${POLICY_FILE_NAME}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(policy, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, join(dir, POLICY_FILE_NAME));
}
