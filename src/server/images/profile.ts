import { SPRITE_USER } from './accounts.js';

/** What an image's sprites are like from inside: whom commands run as, and whether setuid programs work. */
export interface ImageProfile {
  /** The account an exec runs as when the request names none. */
  readonly user: string;
  /**
   * Whether the sandbox sets no_new_privileges. Off, setuid programs (sudo) work: root in a
   * sprite is still an unprivileged host uid under seccomp and a capability bounding set, so
   * becoming it from the sprite's own user gives nothing the sprite could not already do.
   */
  readonly noNewPrivileges: boolean;
}

/**
 * debian feels like a Sprites machine: the `sprite` user with passwordless sudo. Every other
 * image (tiny, imports) runs commands as root with no_new_privileges, as containers do. A
 * built-in name cannot be imported, so the name alone says which an image is.
 */
const PROFILES: ReadonlyMap<string, ImageProfile> = new Map([['debian', { user: SPRITE_USER, noNewPrivileges: false }]]);

const ROOT_PROFILE: ImageProfile = { user: 'root', noNewPrivileges: true };

export function imageProfile(image: string): ImageProfile {
  return PROFILES.get(image) ?? ROOT_PROFILE;
}
