import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface WorkerCommand {
  file: string;
  args: string[];
}

let cached: WorkerCommand | undefined;

/**
 * How to start the file worker: the very node this agent runs on, started the same way (in a
 * sprite that is /.hob's own loader and libraries in front of /.hob/bin/node, which
 * process.execPath cannot say: it names the loader), with the agent's own node options, on
 * `fs-worker` beside the agent's script (dist/fs-worker.js, or the .ts source under tsx).
 */
export function workerCommand(): WorkerCommand {
  if (cached !== undefined) return cached;
  const script = process.argv[1] ?? '';
  const cmdline = readFileSync('/proc/self/cmdline', 'utf8').split('\0');
  if (cmdline.at(-1) === '') cmdline.pop();
  // The command line ends with node's options, the script and its arguments; what comes before is the launcher.
  const launcher = cmdline.slice(0, cmdline.length - process.execArgv.length - (process.argv.length - 1));
  const [file = process.execPath, ...launcherArgs] = launcher;
  const worker = join(dirname(script), `fs-worker${extname(script) === '.ts' ? '.ts' : '.js'}`);
  cached = { file, args: [...launcherArgs, ...process.execArgv, worker] };
  return cached;
}

/** For logs and errors: which program a worker is. */
export function workerName(command: WorkerCommand): string {
  return basename(command.args.at(-1) ?? command.file);
}
