import type { Command } from 'commander';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { HobError } from '../../../shared/errors.js';
import type { ProgressOutcome } from '../../../client/client.js';
import { errorFromEvent } from '../../../client/errors.js';
import type { CliContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { progressPrinter } from '../../progress.js';

function finish(result: ProgressOutcome): void {
  if (result.type === 'error') throw errorFromEvent(result);
}

export function registerImage(program: Command, ctx: CliContext): void {
  const image = program.command('image').alias('images').description('manage images (read-only root filesystems sprites are made from)');

  image
    .command('list')
    .alias('ls')
    .description('list images')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const images = await ctx.client().listImages();
      if (flags.json === true) {
        printJson(images);
        return;
      }
      printTable(
        ['NAME', 'STATUS', 'SIZE', 'BUILT-IN', 'CREATED'],
        images.map((i) => [
          i.name,
          i.status,
          i.size_bytes === null ? '-' : `${Math.round(i.size_bytes / 1024 / 1024)} MiB`,
          i.builtin ? 'yes' : 'no',
          i.created_at ?? '-',
        ]),
      );
    });

  image
    .command('build <name>')
    .description('build a built-in image (tiny, debian), or follow its build in progress')
    .action(async (name: string) => {
      const printer = await progressPrinter(process.stderr);
      const result = await ctx.client().buildImage(name, printer.onEvent);
      printer.stop();
      finish(result);
    });

  image
    .command('import <name> <rootfs-tar>')
    .description('import a root filesystem tarball (.tar or .tar.gz) as an image')
    .action(async (name: string, file: string) => {
      if (!existsSync(file) || !statSync(file).isFile()) throw new HobError('bad_request', `${file} is not a file`);
      const printer = await progressPrinter(process.stderr);
      const result = await ctx.client().importImage(name, createReadStream(file), printer.onEvent);
      printer.stop();
      finish(result);
    });

  image
    .command('rm <name>')
    .alias('delete')
    .description('remove an image (sprites made from it keep their data)')
    .action(async (name: string) => {
      await ctx.client().removeImage(name);
      process.stdout.write(`removed image ${name}\n`);
    });
}
