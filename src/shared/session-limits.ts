/**
 * The bounds of detachable exec sessions, shared by the agent (which keeps them) and the
 * schemas (which document them). Plain constants: the agent bundle must not pull in TypeBox.
 */

/** Output a session keeps for clients that attach later; older output is dropped. */
export const SCROLLBACK_BYTES = 256 * 1024;
/** Ended sessions stay listed (and attachable, for their output and exit code) this long… */
export const ENDED_SESSION_RETENTION_MS = 10 * 60 * 1000;
/** …and at most this many of them, the most recently ended. */
export const MAX_ENDED_SESSIONS = 16;
/** Running sessions one sprite may have; a TTY or detachable exec beyond it is refused. */
export const MAX_LIVE_SESSIONS = 256;
/** How long a kill waits for the session to exit after its signal before SIGKILL, unless `timeout` says. */
export const DEFAULT_KILL_TIMEOUT_MS = 10_000;
/** After the SIGKILL of a kill, how long to wait for the exit before reporting an error. */
export const KILL_REAP_TIMEOUT_MS = 5_000;
/** The longest `command` a session list shows. */
export const MAX_COMMAND_CHARS = 256;
