import assert from 'node:assert/strict';
import test from 'node:test';
import { asksOnlyVersion, commandWord } from './command-word.js';

test('the command word skips options and the value of -s, and stops at --', () => {
  assert.equal(commandWord(['exec', '-s', 'box', '--', 'true']), 'exec');
  assert.equal(commandWord(['-s', 'exec', 'x', '--', 'ls']), 'x', 'the -s value is a sprite name, not the command');
  assert.equal(commandWord(['--sprite', 'ls', 'checkpoint', '--help']), 'checkpoint');
  assert.equal(commandWord(['--sprite=box', 'info']), 'info');
  assert.equal(commandWord(['--help']), undefined);
  assert.equal(commandWord(['--', 'exec']), undefined);
  assert.equal(commandWord([]), undefined);
});

test('only a lone --version or -V asks for the version alone', () => {
  assert.equal(asksOnlyVersion(['--version']), true);
  assert.equal(asksOnlyVersion(['-V']), true);
  for (const args of [[], ['--help'], ['exec', '--version'], ['--version', '--help']]) assert.equal(asksOnlyVersion(args), false, args.join(' '));
});
