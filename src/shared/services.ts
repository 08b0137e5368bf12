/**
 * Services: the limits the server's schemas and the agent's own checks share, and where a
 * sprite keeps its services. No dependencies: the agent bundle imports this.
 */

/** Lowercase letters, digits, `-` and `_`, starting with a letter or digit: a file name in any sprite. */
export const SERVICE_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
export const SERVICE_NAME_RULE = 'lowercase letters, digits, - and _, starting with a letter or digit, up to 63 characters';
/** Services one sprite may define. */
export const MAX_SERVICES = 64;
export const MAX_SERVICE_CMD_LENGTH = 4096;
export const MAX_SERVICE_ARGS = 1024;
export const MAX_SERVICE_ARG_LENGTH = 32 * 1024;
export const MAX_SERVICE_ENV_ENTRIES = 256;
export const MAX_SERVICE_ENV_VALUE_LENGTH = 32 * 1024;
export const MAX_SERVICE_DIR_LENGTH = 4096;
export const MAX_SERVICE_USER_LENGTH = 64;
export const SERVICE_ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** A passwd name or a uid. */
export const SERVICE_USER_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';

/** How long create, start and restart follow a service's output when no `duration` is given (Sprites' default). */
export const DEFAULT_SERVICE_WATCH_MS = 5_000;
/** The longest `duration` anything follows a service's output for (`hob services logs -f` asks for this). */
export const MAX_SERVICE_WATCH_MS = 24 * 3_600_000;
/** How long a stop waits after SIGTERM before it kills the service's whole session, unless `timeout` says otherwise. */
export const DEFAULT_SERVICE_STOP_TIMEOUT_MS = 10_000;
export const MAX_SERVICE_STOP_TIMEOUT_MS = 5 * 60_000;
/** Lines `logs` sends when `lines` is not given, and the most it sends. */
export const DEFAULT_SERVICE_LOG_LINES = 100;
export const MAX_SERVICE_LOG_LINES = 10_000;

/**
 * Where the agent keeps service definitions and logs: in the sprite's own root, so checkpoints,
 * restores and forks carry them. The server links the documented paths /.sprite/services and
 * /.sprite/logs (its read-only /.sprite directory) to these.
 */
export const SERVICES_DIR = '/var/lib/sprite/services';
export const SPRITE_LOGS_DIR = '/var/log/sprite';
export const SERVICE_LOGS_DIR = `${SPRITE_LOGS_DIR}/services`;

/** The symbolic links the server makes in a sprite's /.sprite, by name, and where they point inside the sprite. */
export const SPRITE_DIR_LINKS: Readonly<Record<string, string>> = { services: SERVICES_DIR, logs: SPRITE_LOGS_DIR };
