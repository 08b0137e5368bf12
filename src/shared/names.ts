import { HobError } from './errors.js';

/**
 * Sprite and image names become DNS labels (`<name>.<base-domain>`), directory names and
 * runc container ids, so they are held to the strictest of those: a lowercase DNS label.
 */
const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const MAX_NAME_LENGTH = 63;

export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'name is required';
  if (name.length > MAX_NAME_LENGTH) return `name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME_PATTERN.test(name)) {
    return 'name may contain only lowercase letters, digits and hyphens, and must start and end with a letter or digit';
  }
  return undefined;
}

export function assertValidName(name: unknown, what = 'sprite'): asserts name is string {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new HobError('invalid_name', `invalid ${what} name ${JSON.stringify(name)}: ${problem}`);
  }
}
