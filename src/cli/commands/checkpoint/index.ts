import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerCheckpointCreate } from './create.js';
import { registerCheckpointDelete } from './delete.js';
import { registerCheckpointDiff } from './diff.js';
import { registerCheckpointInfo } from './info.js';
import { registerCheckpointList } from './list.js';
import { registerCheckpointRestore } from './restore.js';

export { registerRestore } from './restore.js';

/** `hob checkpoint <verb>`: the sprite is chosen by the global -s option or the nearest .hob file. */
export function registerCheckpoint(program: Command, ctx: CliContext): void {
  const group = program
    .command('checkpoint')
    .alias('checkpoints')
    .description('manage checkpoints: copy-on-write snapshots of a sprite’s files to restore, diff or fork from');
  registerCheckpointCreate(group, program, ctx);
  registerCheckpointList(group, program, ctx);
  registerCheckpointInfo(group, program, ctx);
  registerCheckpointDelete(group, program, ctx);
  registerCheckpointRestore(group, program, ctx);
  registerCheckpointDiff(group, program, ctx);
}
