import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerServicesControl } from './control.js';
import { registerServicesCreate } from './create.js';
import { registerServicesDelete } from './delete.js';
import { registerServicesInfo } from './info.js';
import { registerServicesList } from './list.js';
import { registerServicesLogs } from './logs.js';
import { registerServicesSignal } from './signal.js';

/** `hob services <verb>`: the sprite is chosen by the global -s option or the nearest .hob file. */
export function registerServices(program: Command, ctx: CliContext): void {
  const group = program
    .command('services')
    .alias('service')
    .description('manage services: programs a sprite keeps running, started at every boot, restarted when they crash');
  registerServicesList(group, program, ctx);
  registerServicesCreate(group, program, ctx);
  registerServicesInfo(group, program, ctx);
  registerServicesControl(group, program, ctx);
  registerServicesSignal(group, program, ctx);
  registerServicesLogs(group, program, ctx);
  registerServicesDelete(group, program, ctx);
}
