import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HobError } from '../../shared/errors.js';
import type { NetworkStore } from '../store/network.js';
import { runCommand } from '../util/command.js';
import { formatCidr, overlaps, parseCidr, subnets, type Cidr } from './ipv4.js';

/** Each server takes one block of this size from the configured range: 2048 sprite links of two addresses. */
export const BLOCK_PREFIX_LENGTH = 20;

/**
 * Host-wide claims, one file per block naming the data dir of the server that holds it, so
 * servers started side by side (test servers) never pick the same block. A claim whose owner's
 * store is gone is stale.
 */
const CLAIMS_DIR = '/run/hob/network-blocks';

/**
 * This server's address block: the stored one if it still fits, else the first block of
 * `range` that overlaps no route or address of the host and that no other server claims.
 */
export async function claimBlock(range: Cidr, store: NetworkStore, dataDir: string): Promise<Cidr> {
  const owner = join(dataDir, 'hob.db');
  const stored = parseCidrOrUndefined(store.block());
  const inUse = await hostPrefixes();
  if (stored !== undefined && (store.leases().length > 0 || (isInside(stored, range) && !inUse.some((p) => overlaps(p, stored) && !ownRoute(p, stored))))) {
    if (!claim(stored, owner)) throw new HobError('invalid_config', `address block ${formatCidr(stored)} of this server is claimed by another Hob server on this host`);
    return stored;
  }
  for (const candidate of subnets(range, Math.max(BLOCK_PREFIX_LENGTH, range.prefixLength))) {
    if (inUse.some((prefix) => overlaps(prefix, candidate))) continue;
    if (!claim(candidate, owner)) continue;
    store.setBlock(formatCidr(candidate));
    return candidate;
  }
  throw new HobError('invalid_config', `no free /${BLOCK_PREFIX_LENGTH} left in ${formatCidr(range)} for sprite links (set --sprite-network to a range that does not clash with the host's routes)`);
}

function claimFile(block: Cidr): string {
  return join(CLAIMS_DIR, formatCidr(block).replace('/', '_'));
}

function claim(block: Cidr, owner: string): boolean {
  mkdirSync(CLAIMS_DIR, { recursive: true, mode: 0o700 });
  const file = claimFile(block);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, owner, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // fs errors carry an errno code
    }
    const holder = readFileSync(file, 'utf8');
    if (holder === owner) return true;
    if (existsSync(holder)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

/** Every prefix the host routes or has an address in, except the default route. */
async function hostPrefixes(): Promise<Cidr[]> {
  const routes = await runCommand('ip', ['-4', '-o', 'route', 'show', 'table', 'all'], { timeoutMs: 10_000 });
  const addresses = await runCommand('ip', ['-4', '-o', 'addr', 'show'], { timeoutMs: 10_000 });
  const prefixes: Cidr[] = [];
  for (const line of routes.stdout.split('\n')) {
    const word = line.trim().split(/\s+/);
    // `local`, `broadcast` and friends put the type first.
    const target = /^\d/.test(word[0] ?? '') ? word[0] : word[1];
    const cidr = target === undefined ? undefined : parseCidr(target) ?? parseCidr(target.replace(/\/\d+$/, '/32'));
    if (cidr !== undefined && cidr.prefixLength > 0) prefixes.push(cidr);
  }
  for (const match of addresses.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)) {
    const cidr = parseCidr(match[1] ?? '');
    if (cidr !== undefined) prefixes.push(cidr);
  }
  return prefixes;
}

function isInside(inner: Cidr, outer: Cidr): boolean {
  return inner.prefixLength >= outer.prefixLength && overlaps(inner, outer);
}

/** A route inside our own block is one of our sprite links, not a clash. */
function ownRoute(prefix: Cidr, block: Cidr): boolean {
  return isInside(prefix, block);
}

function parseCidrOrUndefined(text: string | undefined): Cidr | undefined {
  return text === undefined ? undefined : parseCidr(text);
}
