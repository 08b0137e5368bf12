// dist/cli-exec.js: the CLI with only the commands that run a command in a sprite, which
// src/cli/bin.ts runs for the words in src/cli/bundles.ts. They speak the exec socket alone, so
// this bundle has no API client (and none of the schemas, `ws` and node:http that it loads).
import { EXEC_MODULES } from './commands/exec-modules.js';
import { runCli } from './run.js';

void runCli(process.argv, EXEC_MODULES, undefined);
