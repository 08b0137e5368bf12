import type { Command } from 'commander';
import type { HealthJson, SpriteJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { formatBytes, printJson } from '../../output.js';
import { policySummary } from '../policy/describe.js';
import { spentLine } from '../usage/format.js';
import { limitsLine, reachedLine } from '../limits/describe.js';

function storage(sprite: SpriteJson, health: HealthJson): string {
  const bytes = sprite.storage.exclusive_bytes;
  if (!health.storage.limits_enforced) return `unknown, and not limited to ${sprite.config.storage_gb} GiB (this host has no btrfs simple quotas)`;
  const used = bytes === null ? 'unknown' : formatBytes(bytes);
  return `${used} of ${sprite.config.storage_gb} GiB, counting its checkpoints (shared blocks count for their owner)`;
}

/** Lines that tell the reader the host's disk, not this sprite, may be the problem. */
function hostWarnings(health: HealthJson): string[] {
  return health.storage.warnings.map((warning) => `warning: ${warning}${health.storage.status === 'critical' ? ' (new sprites are refused until then)' : ''}`);
}

function forkedFrom(sprite: SpriteJson): string {
  const source = sprite.forked_from;
  if (source === null) return '-';
  return source.checkpoint === undefined ? source.sprite : `${source.sprite} at checkpoint ${source.checkpoint}`;
}

const capacityField: [string, string][] = [['Capacity', 'waits for room when the server runs its most sprites']];

export function registerInfo(program: Command, ctx: CliContext): void {
  program
    .command('info [name]')
    .description('show a sprite (the one named, -s, or the .hob file’s)')
    .option('--json', 'print JSON')
    .action(async (nameArg: string | undefined, flags: { json?: boolean }) => {
      const name = ctx.sprite(nameArg ?? (program.opts().sprite as string | undefined)); // global -s option, a string
      const client = ctx.client();
      if (flags.json === true) {
        printJson(await client.getSprite(name));
        return;
      }
      // One day's point is the least a usage report can be; its to_date is what is shown.
      const today = new Date().toISOString().slice(0, 10);
      const [sprite, health, policy, usage, spend] = await Promise.all([
        client.getSprite(name),
        client.health(),
        client.getNetworkPolicy(name),
        client.getSpriteUsage(name, { from: today, step: '1d' }),
        client.getSpendLimit(name),
      ]);
      const fields: [string, string][] = [
        ['Name', sprite.name],
        ['ID', sprite.id],
        ['Status', sprite.status],
        ['Image', sprite.image],
        ['Runtime', sprite.runtime],
        ['Limits', `${sprite.config.ram_mb} MiB RAM, ${sprite.config.cpus} CPU, ${sprite.config.pids_max} processes`],
        ['Idle timeout', sprite.config.idle_timeout === 0 ? 'never' : `${sprite.config.idle_timeout}s`],
        ...(sprite.config.wait_for_capacity ? capacityField : []),
        ['Storage', storage(sprite, health)],
        ['Cost', spentLine(usage.to_date, usage.currency)],
        ['Spend limit', `${limitsLine(spend, spend.currency)}${spend.reached === null ? '' : `; ${reachedLine(spend.reached, spend.currency, 'sprite')}`}`],
        ['Checkpoint', sprite.current_checkpoint ?? '-'],
        ['Forked from', forkedFrom(sprite)],
        ['Created', sprite.created_at],
        ['Labels', sprite.labels.join(', ') || '-'],
        ['URL', sprite.url],
        ['Address', sprite.address ?? '-'],
        ['Network policy', policySummary(policy)],
      ];
      process.stdout.write(`${fields.map(([label, value]) => `${`${label}:`.padEnd(16)}${value}`).join('\n')}\n`);
      for (const line of hostWarnings(health)) process.stderr.write(`${line}\n`);
    });
}
