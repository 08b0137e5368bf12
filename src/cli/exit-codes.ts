import type { ErrorCode } from '../shared/errors.js';

/**
 * The CLI's exit statuses, documented in the README. 1 and 2 are what most Unix tools use; the
 * rarer ones are sysexits.h's, so scripts can tell "fix your input" from "try again later" from
 * "report a bug". `hob exec` and `hob console` exit with the remote command's status once it
 * has started, so these apply to them only when Hob itself fails.
 */
export const ExitCode = {
  ok: 0,
  /** The request or input was refused; the one-line message says what to change. */
  userError: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  usage: 2,
  /** The server or a sprite could not be reached or failed for now; retrying may help. */
  unavailable: 69,
  /** A bug in Hob: the stack is printed so it can be reported. */
  bug: 70,
  /** `hob serve`'s configuration or the host's set-up is wrong; the message names the fix. */
  config: 78,
} as const;

/** Every error code has its exit status here, so a new code cannot be added without choosing one. */
const EXIT_CODE_OF: Record<ErrorCode, number> = {
  bad_request: ExitCode.userError,
  invalid_name: ExitCode.userError,
  unauthorized: ExitCode.userError,
  forbidden: ExitCode.userError,
  not_found: ExitCode.userError,
  method_not_allowed: ExitCode.userError,
  already_exists: ExitCode.userError,
  conflict: ExitCode.userError,
  gone: ExitCode.userError,
  // Raising the limit is the user's (or the operator's) call; retrying changes nothing.
  spend_limit_reached: ExitCode.userError,
  body_too_large: ExitCode.userError,
  unsupported_media_type: ExitCode.userError,
  image_not_ready: ExitCode.userError,
  // The message says to restart the sprite, which gives it this server's agent.
  agent_incompatible: ExitCode.userError,
  sprite_unavailable: ExitCode.unavailable,
  concurrent_sprite_limit_exceeded: ExitCode.unavailable,
  agent_error: ExitCode.unavailable,
  insufficient_storage: ExitCode.unavailable,
  internal: ExitCode.bug,
  invalid_config: ExitCode.config,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODE_OF[code];
}
