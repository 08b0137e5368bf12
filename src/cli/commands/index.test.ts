import assert from 'node:assert/strict';
import test from 'node:test';
import { Command } from 'commander';
import { EXEC_BUNDLE_WORDS } from '../bundles.js';
import { CliContext } from '../context.js';
import { EXEC_MODULES } from './exec-modules.js';
import { COMMAND_MODULES } from './index.js';
import { modulesFor } from './module.js';

test('each command module registers exactly the top-level names and aliases its entry lists', async () => {
  const ctx = new CliContext({ HOME: '/nonexistent' }, '/', undefined);
  const seen = new Set<string>();
  for (const module of COMMAND_MODULES) {
    const program = new Command('hob');
    (await module.load())(program, ctx);
    const registered = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
    assert.deepEqual([...registered].sort(), [...module.names].sort(), `the module of ${module.names.join(', ')}`);
    for (const name of registered) {
      assert.equal(seen.has(name), false, `${name} is in two modules`);
      seen.add(name);
    }
  }
});

test('the launcher sends to the exec bundle exactly the words of its commands, which the full CLI has too', () => {
  assert.deepEqual([...EXEC_BUNDLE_WORDS].sort(), EXEC_MODULES.flatMap((module) => module.names).sort());
  for (const module of EXEC_MODULES) assert.ok(COMMAND_MODULES.includes(module));
});

test('a named command loads its module alone; --version none; help, typos and no command all of them', () => {
  const named = (args: string[]) => modulesFor(args, COMMAND_MODULES).map((module) => module.names[0]);
  assert.deepEqual(named(['exec', '-s', 'box', '--', 'true']), ['exec']);
  assert.deepEqual(named(['-s', 'box', 'x', '--', 'true']), ['exec']);
  assert.deepEqual(named(['checkpoints', 'ls']), ['checkpoint']);
  assert.deepEqual(named(['--version']), []);
  for (const args of [[], ['--help'], ['help', 'exec'], ['exe', '--', 'true']]) assert.equal(named(args).length, COMMAND_MODULES.length, args.join(' '));
});
