import type { Command } from 'commander';
import { SpriteFiles, type Acting } from '../../../client/files.js';
import { HobError } from '../../../shared/errors.js';
import { fsErrorDetails } from '../../../shared/fs-errors.js';
import type { CliContext } from '../../context.js';
import { copyDirection, parseLocation, type Location } from './location.js';

interface CopyFlags {
  asRoot?: boolean;
  user?: string;
  quiet?: boolean;
}

/** A file operation's failure in the sprite says where: `demo:/etc/x: permission denied`. */
function withSpritePath(error: unknown, sprite: string): unknown {
  if (!(error instanceof HobError)) return error;
  const details = fsErrorDetails(error);
  return details === undefined ? error : new HobError(error.code, `${sprite}:${details.path}: ${error.message}`, { details: { errno: details.errno, path: details.path } });
}

function acting(flags: CopyFlags): Acting {
  return { ...(flags.asRoot === true ? { asRoot: true } : {}), ...(flags.user === undefined ? {} : { user: flags.user }) };
}

async function copy(program: Command, ctx: CliContext, source: Location, dest: Location, flags: CopyFlags): Promise<void> {
  const plan = copyDirection(source, dest);
  const sprite = ctx.sprite(plan.remote.sprite ?? (program.opts().sprite as string | undefined)); // global -s option, a string
  const files = new SpriteFiles(ctx.client(), sprite, acting(flags));
  // The transfer code brings tar (and zlib): loaded only when something is copied.
  const { push, pull } = await import('./transfer.js');
  let copied;
  try {
    copied = plan.direction === 'push' ? await push(files, plan.local, plan.remote.path) : await pull(files, plan.remote.path, plan.local);
  } catch (error) {
    throw withSpritePath(error, sprite);
  }
  if (flags.quiet !== true && process.stderr.isTTY) process.stderr.write(`copied ${copied.kind} to ${plan.direction === 'push' ? `${sprite}:` : ''}${copied.target}\n`);
}

function withActingOptions(command: Command): Command {
  return command
    .option('--as-root', "act as root in the sprite instead of its image's user (sprite on debian)")
    .option('--user <name>', 'act as this account of the sprite')
    .option('-q, --quiet', 'print nothing on success');
}

/**
 * `hob cp SRC DEST`, one side `sprite:path`: files and whole directories (modes and symlinks
 * kept) both ways, with a progress bar for large transfers on a terminal. `hob file push` and
 * `hob file pull` say the same with the sprite from -s, as the `sprite` CLI names them.
 */
export function registerCp(program: Command, ctx: CliContext): void {
  withActingOptions(
    program
      .command('cp <source> <dest>')
      .description('copy a file or directory between this machine and a sprite: hob cp ./app demo:/home/sprite/app, hob cp demo:/var/log/app.log .')
      .addHelpText('after', '\nA sprite path is SPRITE:PATH, or :PATH for the current sprite (-s or the nearest .hob file).\nA directory is copied whole, as cp -r does: into DEST if it is a directory, else as DEST.'),
  ).action((source: string, dest: string, flags: CopyFlags) => copy(program, ctx, parseLocation(source), parseLocation(dest), flags));

  const file = program.command('file').description('copy files in and out of the sprite (as hob cp)');
  withActingOptions(file.command('push <local> <remote>').description('copy a local file or directory into the sprite, at a path there')).action((local: string, remote: string, flags: CopyFlags) =>
    copy(program, ctx, { kind: 'local', path: local }, asRemote(remote), flags),
  );
  withActingOptions(file.command('pull <remote> <local>').description("copy a file or directory out of the sprite, to a path here")).action((remote: string, local: string, flags: CopyFlags) =>
    copy(program, ctx, asRemote(remote), { kind: 'local', path: local }, flags),
  );
}

/** A `file push|pull` remote path: the current sprite's, unless it says `sprite:path` itself. */
function asRemote(path: string): Location {
  const parsed = parseLocation(path);
  return parsed.kind === 'sprite' ? parsed : { kind: 'sprite', sprite: undefined, path };
}
