import type { ClientOptions, HobClient } from '../client/client.js';
import { HobError } from '../shared/errors.js';
import { readCliEnvironment, resolveConnection, resolveSpriteName, type CliEnvironment } from './config.js';

/**
 * Makes the API client. Passed in rather than imported, so that the bundle of `hob exec` and
 * `hob console` (src/cli/exec-main.ts), which speak only the exec socket, holds no API client.
 */
export type ClientFactory = (connection: ClientOptions) => HobClient;

/** What every command needs, resolved lazily so `hob serve` and `hob --help` need no token. */
export class CliContext {
  readonly environment: CliEnvironment;
  private cachedConnection: ClientOptions | undefined;
  private cachedClient: HobClient | undefined;

  constructor(
    env: NodeJS.ProcessEnv,
    cwd: string,
    private readonly makeClient: ClientFactory | undefined,
  ) {
    this.environment = readCliEnvironment(env, cwd);
  }

  /** The server's URL and the token, from the environment or the config file. */
  connection(): ClientOptions {
    this.cachedConnection ??= resolveConnection(this.environment);
    return this.cachedConnection;
  }

  client(): HobClient {
    if (this.makeClient === undefined) throw new HobError('internal', 'this command was built without the API client (see src/cli/exec-main.ts)');
    this.cachedClient ??= this.makeClient(this.connection());
    return this.cachedClient;
  }

  sprite(explicit: string | undefined): string {
    return resolveSpriteName(explicit, this.environment);
  }
}
