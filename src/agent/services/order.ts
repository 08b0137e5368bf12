import { HobError } from '../../shared/errors.js';

interface Node {
  readonly name: string;
  readonly needs: readonly string[];
}

/**
 * The order services start in: each after every service it needs (taken in name order, each
 * right after what it needs). Services on a
 * cycle, or that need one that does not exist, cannot be placed (only hand-edited files get
 * there: the API refuses both) and are returned apart.
 */
export function startOrder(services: readonly Node[]): { order: string[]; unplaceable: string[] } {
  const byName = new Map(services.map((service) => [service.name, service]));
  const order: string[] = [];
  const placed = new Set<string>();
  const unplaceable = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): boolean => {
    if (placed.has(name)) return true;
    const service = byName.get(name);
    if (service === undefined || unplaceable.has(name) || visiting.has(name)) return false;
    visiting.add(name);
    const ready = service.needs.every(visit);
    visiting.delete(name);
    if (!ready) {
      unplaceable.add(name);
      return false;
    }
    placed.add(name);
    order.push(name);
    return true;
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return { order, unplaceable: [...unplaceable].sort() };
}

/** Refuses a definition whose needs name a missing service or close a cycle with the others, saying which. */
export function checkNeeds(candidate: Node, others: readonly Node[]): void {
  const byName = new Map(others.filter((other) => other.name !== candidate.name).map((other) => [other.name, other]));
  const missing = candidate.needs.filter((need) => !byName.has(need));
  if (missing.length > 0) throw new HobError('bad_request', `service ${candidate.name} needs ${missing.join(', ')}, which ${missing.length === 1 ? 'does' : 'do'} not exist; create ${missing.length === 1 ? 'it' : 'them'} first`);
  byName.set(candidate.name, candidate);
  // A path from one of its needs back to the candidate is a cycle through it.
  const path: string[] = [candidate.name];
  const seen = new Set<string>();
  const reaches = (name: string): boolean => {
    if (name === candidate.name) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    path.push(name);
    for (const need of byName.get(name)?.needs ?? []) if (reaches(need)) return true;
    path.pop();
    return false;
  };
  for (const need of candidate.needs) {
    if (reaches(need)) throw new HobError('bad_request', `needs would make a cycle: ${[...path, candidate.name].join(' → ')}`);
  }
}
