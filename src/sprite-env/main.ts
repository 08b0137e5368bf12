/**
 * `sprite-env`: the command line of a sprite's own API (/.sprite/api.sock), as on Sprites.
 * It runs on the node Hob mounts at /.hob, so it works in any image, curl or not.
 */
import { checkpoints, tasks, type Io } from './commands.js';
import { services } from './services.js';
import { curl, parseCurlArgs, readDataFile, UsageError } from './curl.js';

const USAGE = `usage: sprite-env <command>

  tasks list                              live tasks (they keep this sprite running)
  tasks get <name>
  tasks create <name> [--expire 1h]       a new task; expire: seconds or a duration, at most 1h (default)
  tasks refresh <name> [--expire 1h]      make it or push its expiry out
  tasks delete <name>
  checkpoints list [--include-auto]
  checkpoints create [--comment TEXT]
  services list                           this sprite's services and their states
  services get <name>
  services create <name> --cmd <program> [--args a,b] [--env K=v,…] [--dir <path>] [--needs a,b]
                  [--http-port <port>] [--user <user>] [--duration 5s] [--no-stream]
                                          create (or replace) and start it; it starts at every boot
  services start|restart <name> [--duration 5s] [--no-stream]
  services stop <name> [--timeout 10s]    it stays stopped until started
  services signal <name> <signal>         HUP, TERM, … to its main process
  services logs <name> [--lines 100] [--duration 30s]
  services delete <name>
  curl [-X METHOD] [-H 'Name: value'] [-d DATA] [-i] [-f] <path>
                                          any call, e.g. sprite-env curl -X POST /v1/tasks -d '{"name":"agent","expire":"5m"}'
`;

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'tasks':
        return await tasks(rest, io);
      case 'checkpoints':
        return await checkpoints(rest, io);
      case 'services':
        return await services(rest, io);
      case 'curl':
        return await curl(io.socketPath, parseCurlArgs(rest, readDataFile), io.stdout);
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        io[command === undefined ? 'stderr' : 'stdout'].write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`sprite-env: ${message}\n`);
    if (error instanceof UsageError) {
      io.stderr.write('run `sprite-env --help` for the commands\n');
      return 2;
    }
    return 1;
  }
}
