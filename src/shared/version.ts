/** Hob's release version, reported by the server as `Sprite-Version`. */
export const HOB_VERSION = '0.1.0';

/**
 * The agent's protocol version. Bump it on any change in agent behaviour: persistent sprites
 * keep the agent they were started with until they restart, so the server must know which
 * one it is talking to. Feature gates keyed on it live here too.
 *
 * 2: exec accepts client messages up to MAX_EXEC_MESSAGE_BYTES (version 1 closed at 1 MiB).
 * 3: `WS /ports/watch` reports the sprite's listening TCP ports, and `GET /tcp?host=&port=`
 *    upgrades to a raw TCP pipe dialled inside the sprite (URLs, /proxy).
 * 4: at start, links /usr/local/bin/sprite-env to the runtime's /.hob/bin/sprite-env if missing.
 * 5: exec takes `user` and runs the command as that account of the sprite's /etc/passwd (its
 *    uid and gid, HOME, USER, SHELL, and its home as the working directory unless it is root).
 *    Older agents ignore `user` and run everything as root until their sprite restarts.
 * 6: detachable sessions. Every TTY exec and every `detachable` one outlives its client and is
 *    kept (with 256 KiB of scrollback): `GET /sessions`, `WS /sessions/attach?id=`,
 *    `POST /sessions/kill?id=&signal=&timeout_ms=`; the first message on a session's socket is
 *    `session_info`. `max_run_after_disconnect` bounds how long an exec outlives its last
 *    client; a non-TTY exec's default is 10 s (older agents hung up at once).
 * 7: the filesystem API: `/fs/read`, `/fs/write`, `/fs/list`, `/fs/delete`, `/fs/rename`,
 *    `/fs/copy`, `/fs/chmod`, `/fs/chown`, `/fs/archive` (GET packs, PUT unpacks a tar stream)
 *    and `WS /fs/watch`, each done as the account the server names.
 * 8: services: a supervisor started before the agent listens, the `/services` and `/service…`
 *    routes, `--settings` (user and environment for services), and `/tcp` dials to a service's
 *    http_port retried while it starts.
 */
export const AGENT_VERSION = 8;

/** The first agent version that keeps sessions; older ones have none to list, attach to or kill. */
export const SESSIONS_AGENT_VERSION = 6;

/** The first agent version with the filesystem routes. */
export const FS_AGENT_VERSION = 7;

/** The first agent version with `WS /ports/watch`; older ones are told to restart. */
export const PORTS_WATCH_AGENT_VERSION = 3;

/** The first agent version with services; older ones are told to restart. */
export const SERVICES_AGENT_VERSION = 8;

/** The first agent version with the `/tcp` dial route. */
export const AGENT_TCP_VERSION = 3;

/** The oldest agent protocol this server still speaks; older agents are refused until their sprite restarts. */
export const OLDEST_AGENT_VERSION = 1;
