import type { Command } from 'commander';
import { HobError } from '../../../shared/errors.js';
import { errorFromEvent } from '../../../client/errors.js';
import type { CliContext } from '../../context.js';
import { printJson } from '../../output.js';
import { progressPrinter } from '../../progress.js';

export function registerCreate(program: Command, ctx: CliContext): void {
  program
    .command('create [name]')
    .description('create a sprite and start it')
    .option('--image <image>', 'image to make its root from (default: the server default, debian)')
    .option('--ram-mb <n>', 'memory limit in MiB')
    .option('--cpus <n>', 'CPU limit in cores')
    .option('--label <label...>', 'labels to attach')
    .option('--idle-timeout <duration>', 'how long without activity before it sleeps, e.g. 5m or 2h; 0: never (default: the server\'s)')
    .option('--wait-for-capacity', "when the server runs as many sprites as it may, wait for room instead of failing; its later wakes wait too")
    .option('--json', 'print the sprite as JSON')
    .action(async (nameArg: string | undefined, flags: { image?: string; ramMb?: string; cpus?: string; label?: string[]; idleTimeout?: string; waitForCapacity?: boolean; json?: boolean }) => {
      const client = ctx.client();
      const name = nameArg ?? (await defaultName());
      const config: Record<string, number | string> = {};
      if (flags.ramMb !== undefined) config.ram_mb = Number(flags.ramMb);
      if (flags.cpus !== undefined) config.cpus = Number(flags.cpus);
      if (flags.idleTimeout !== undefined) config.idle_timeout = flags.idleTimeout;
      const body = {
        name,
        ...(flags.image === undefined ? {} : { image: flags.image }),
        ...(Object.keys(config).length === 0 ? {} : { config }),
        ...(flags.label === undefined ? {} : { labels: flags.label }),
        ...(flags.waitForCapacity === true ? { wait_for_capacity: true } : {}),
      };
      let sprite;
      try {
        sprite = await client.createSprite(body);
      } catch (error) {
        // The image is not built yet: follow (or start) its build with progress, then try again.
        if (!(error instanceof HobError) || error.code !== 'image_not_ready') throw error;
        const image = flags.image ?? (typeof error.details?.image === 'string' ? error.details.image : undefined) ?? imageFromMessage(error.message);
        process.stderr.write(`${error.message}\nbuilding image ${image} first (once; it is cached)…\n`);
        const printer = await progressPrinter(process.stderr);
        const result = await client.buildImage(image, printer.onEvent);
        printer.stop();
        if (result.type === 'error') throw errorFromEvent(result);
        sprite = await client.createSprite(body);
      }
      if (flags.json === true) printJson(sprite);
      else process.stdout.write(`created sprite ${sprite.name} (${sprite.image}, ${sprite.status})\n`);
    });
}

/** A fresh name; node:crypto is loaded only here, not by every command's start-up. */
async function defaultName(): Promise<string> {
  const { randomBytes } = await import('node:crypto');
  return `sprite-${randomBytes(3).toString('hex')}`;
}

function imageFromMessage(message: string): string {
  return /image (\S+)/.exec(message)?.[1] ?? 'debian';
}
