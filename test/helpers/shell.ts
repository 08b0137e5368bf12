import assert from 'node:assert/strict';
import type { HobClient } from '../../src/client/client.js';
import { execCollect, type ExecResult } from './fixture.js';

/** Runs a shell script in a sprite (as `user`, default its image's), failing (not hanging) if it takes longer than `timeoutMs`. */
export async function sh(client: HobClient, name: string, script: string, timeoutMs = 30_000, user?: string): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`exec in ${name} took more than ${timeoutMs} ms:\n${script}`)), timeoutMs);
  });
  try {
    return await Promise.race([execCollect(client, name, ['sh', '-c', script], user === undefined ? {} : { user }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a script that must succeed and returns its stdout; a failure names the script and its stderr. */
export async function shStdout(client: HobClient, name: string, script: string, options: { shell?: 'sh' | 'bash'; input?: string; user?: string } = {}): Promise<string> {
  const { input, user } = options;
  const result = await execCollect(client, name, [options.shell ?? 'sh', '-c', script], { ...(input === undefined ? {} : { input }), ...(user === undefined ? {} : { user }) });
  assert.equal(result.code, 0, `${script}: ${result.stderr}`);
  return result.stdout;
}

/** Splits output written as `@@name` header lines followed by text into a record. */
export function sections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) current = line.slice(2).trim();
    else {
      const previous = out[current];
      out[current] = previous === undefined ? line : `${previous}\n${line}`;
    }
  }
  for (const key of Object.keys(out)) out[key] = (out[key] ?? '').trim();
  return out;
}
