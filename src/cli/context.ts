import { HobClient } from '../client/client.js';
import { readCliEnvironment, resolveConnection, resolveSpriteName, type CliEnvironment } from './config.js';

/** What every command needs, resolved lazily so `hob serve` and `hob --help` need no token. */
export class CliContext {
  readonly environment: CliEnvironment;
  private cachedClient: HobClient | undefined;

  constructor(env: NodeJS.ProcessEnv, cwd: string) {
    this.environment = readCliEnvironment(env, cwd);
  }

  client(): HobClient {
    this.cachedClient ??= new HobClient(resolveConnection(this.environment));
    return this.cachedClient;
  }

  sprite(explicit: string | undefined): string {
    return resolveSpriteName(explicit, this.environment);
  }
}
