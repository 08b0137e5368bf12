// dist/cli.js, the CLI with every command; src/cli/bin.ts runs it.
import { HobClient } from '../client/client.js';
import { COMMAND_MODULES } from './commands/index.js';
import { runCli } from './run.js';

void runCli(process.argv, COMMAND_MODULES, (connection) => new HobClient(connection));
