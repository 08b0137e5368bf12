import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The server as `hob serve` loads it: its own bundle (dist/server.mjs), imported only by that
 * command, so client commands start without parsing the control plane and its dependencies.
 */
export { resolveServerConfig } from './config.js';
export { startServer } from './start.js';
export { startupError } from './startup-error.js';

/** The directory this bundle was loaded from; the agent bundle is built beside it. */
export const distDir = dirname(fileURLToPath(import.meta.url));
