import type { Command } from 'commander';
import { CURRENT_STATE, type DiffEntryJson } from '../../../shared/protocol.js';
import type { CliContext } from '../../context.js';
import { formatBytes, printJson } from '../../output.js';
import { positiveInteger, selectedSprite } from './shared.js';

const MARKS = { added: '+', modified: 'M', deleted: '-' } as const;

function describe(entry: DiffEntryJson): string {
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const size = entry.type === 'file' && entry.change !== 'deleted' ? ` (${formatBytes(entry.size)})` : '';
  const kind = entry.type === 'symlink' ? ' (symlink)' : entry.type === 'other' ? ' (special file)' : '';
  return `${MARKS[entry.change]} ${path}${size}${kind}`;
}

export function registerCheckpointDiff(group: Command, program: Command, ctx: CliContext): void {
  group
    .command('diff <from> [to]')
    .description(`show what changed going from checkpoint <from> to [to] (default: ${CURRENT_STATE}, the sprite’s files now)`)
    .option('--limit <n>', 'list at most this many changes (the counts still cover all)')
    .option('--json', 'print JSON')
    .action(async (from: string, to: string | undefined, flags: { limit?: string; json?: boolean }) => {
      const name = selectedSprite(program, ctx);
      const limit = flags.limit === undefined ? undefined : positiveInteger(flags.limit, '--limit');
      const diff = await ctx.client().diffCheckpoints(name, from, to ?? CURRENT_STATE, limit);
      if (flags.json === true) {
        printJson(diff);
        return;
      }
      const lines = diff.changes.map(describe);
      const total = diff.added + diff.modified + diff.deleted;
      if (total === 0) lines.push(`no changes from ${diff.from} to ${diff.to}`);
      else {
        lines.push(`${diff.added} added, ${diff.modified} modified, ${diff.deleted} deleted (${diff.from} → ${diff.to})`);
        if (diff.truncated) lines.push(`showing the first ${diff.changes.length} of ${total}; pass --limit to see more`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
