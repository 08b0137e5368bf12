import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { runHob, type CliOptions, type CliRun } from '../../helpers/cli.js';
import type { CheckpointJson, DiffJson, SpriteJson } from '../../../src/shared/protocol.js';

const server = sharedServer();

function hob(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runHob(server, args, options);
}

/** Runs `hob` and fails the test, showing its stderr, unless it exits 0. */
async function ok(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  const run = await hob(args, options);
  assert.equal(run.code, 0, `hob ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

/** A user error: exit code 1 and exactly one line on stderr, no stack. */
function assertUserError(run: CliRun, pattern: RegExp, what: string): void {
  assert.equal(run.code, 1, `${what}: exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '', `${what}: nothing on stdout`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(run.stderr)}`);
  assert.match(lines[0] ?? '', /^error: /, what);
  assert.match(lines[0] ?? '', pattern, what);
}

async function readNote(name: string): Promise<string> {
  return (await ok(['exec', '-s', name, '--', 'cat', '/root/note.txt'])).stdout;
}

function createdId(run: CliRun): string {
  const id = /^Checkpoint created: (\S+)$/m.exec(run.stdout)?.[1];
  assert.ok(id !== undefined, `no checkpoint id in ${JSON.stringify(run.stdout)}`);
  return id;
}

test('checkpoint create, list, diff, restore, info and delete from the CLI', async (t) => {
  const { create } = spriteFixture(t, server);
  const { name } = await create();

  await ok(['exec', '-s', name, '--', 'sh', '-c', 'echo one > /root/note.txt']);
  const made = await ok(['checkpoint', 'create', '-s', name, '--comment', 'before change']);
  const v0 = createdId(made);
  assert.match(v0, /^v\d+$/);
  assert.match(made.stderr, new RegExp(`\\b${v0}\\b`), 'progress goes to stderr');
  assert.equal(made.stdout, `Checkpoint created: ${v0}\n`, 'stdout holds only the result');

  await ok(['exec', '-s', name, '--', 'sh', '-c', 'echo two > /root/note.txt; echo hello > /root/added.txt']);

  // The global -s goes before or after the subcommand; `checkpoints` is an alias.
  const listed = await ok(['-s', name, 'checkpoints', 'ls']);
  assert.match(listed.stdout, /^ID\s+CREATED\s+SOURCE\s+COMMENT$/m);
  assert.match(listed.stdout, new RegExp(`^${v0} \\(current\\)\\s+\\S+\\s+\\S+\\s+before change$`, 'm'));
  // test-only: the CLI's --json output, which the assertions check
  const listedJson = JSON.parse((await ok(['checkpoint', 'list', '--json', '-s', name])).stdout) as CheckpointJson[];
  const entry = listedJson.find((c) => c.id === v0);
  assert.equal(entry?.comment, 'before change');

  // A .hob file picks the sprite too.
  const project = mkdtempSync(join(server.runDir, 'project-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  await ok(['use', name], { cwd: project });
  assert.match((await ok(['checkpoint', 'ls'], { cwd: project })).stdout, new RegExp(`^${v0} \\(current\\)`, 'm'));

  const diff = await ok(['checkpoint', 'diff', v0, '-s', name]);
  assert.match(diff.stdout, /^M \/root\/note\.txt \(4 B\)$/m, diff.stdout);
  assert.match(diff.stdout, /^\+ \/root\/added\.txt \(6 B\)$/m, diff.stdout);
  assert.match(diff.stdout, new RegExp(`^\\d+ added, \\d+ modified, \\d+ deleted \\(${v0} → current\\)$`, 'm'));
  const explicit = await ok(['checkpoint', 'diff', v0, 'current', '-s', name]);
  assert.equal(explicit.stdout, diff.stdout, '[to] defaults to current');
  // test-only: the CLI's --json output, which the assertions check
  const limited = JSON.parse((await ok(['checkpoint', 'diff', v0, '--limit', '1', '--json', '-s', name])).stdout) as DiffJson;
  assert.equal(limited.changes.length, 1);
  assert.equal(limited.truncated, true);
  assert.ok(limited.added >= 1 && limited.modified >= 1, 'the counts cover every change');
  // test-only: the CLI's --json output, which the assertions check
  const reverse = JSON.parse((await ok(['checkpoint', 'diff', 'current', v0, '--json', '-s', name])).stdout) as DiffJson;
  assert.ok(reverse.changes.some((c) => c.path === '/root/added.txt' && c.change === 'deleted'), 'either side may be current');

  const restored = await ok(['restore', v0, '-s', name]);
  assert.equal(restored.stdout, `Checkpoint restored: ${v0}\n`);
  assert.ok(restored.stderr.trim().split('\n').length >= 2, `restore shows progress on stderr: ${JSON.stringify(restored.stderr)}`);
  assert.equal(await readNote(name), 'one\n', 'the file has its checkpointed content again');
  const added = await hob(['exec', '-s', name, '--', 'test', '-e', '/root/added.txt']);
  assert.equal(added.code, 1, 'a file made after the checkpoint is gone');

  const info = await ok(['checkpoint', 'info', v0, '-s', name]);
  assert.match(info.stdout, new RegExp(`^ID:\\s+${v0} \\(current\\)$`, 'm'));
  assert.match(info.stdout, /^Comment:\s+before change$/m);
  // test-only: the CLI's --json output, which the assertions check
  const infoJson = JSON.parse((await ok(['checkpoint', 'info', v0, '--json', '-s', name])).stdout) as CheckpointJson;
  assert.equal(infoJson.id, v0);
  assert.equal(infoJson.is_auto, false);

  const spriteInfo = await ok(['info', name]);
  assert.match(spriteInfo.stdout, new RegExp(`^Checkpoint:\\s+${v0}$`, 'm'));
  assert.match(spriteInfo.stdout, /^Storage:\s+(unknown, and not limited|(unknown|\S+ \S*B) of 10 GiB, counting its checkpoints)/m);
  assert.match(spriteInfo.stdout, /^Forked from:\s+-$/m);

  const refused = await hob(['checkpoint', 'rm', v0, '-s', name]);
  assertUserError(refused, new RegExp(v0), 'deleting the current checkpoint');

  // Two more: the first of them is no longer current, so it can go.
  const v1 = createdId(await ok(['checkpoint', 'create', '-s', name]));
  const v2 = createdId(await ok(['checkpoint', 'create', '-s', name, '--comment', 'third']));
  assert.notEqual(v1, v2);
  // test-only: the CLI's --json output, which the assertions check
  const history = JSON.parse((await ok(['checkpoint', 'ls', '--history', v1, '--json', '-s', name])).stdout) as CheckpointJson[];
  assert.deepEqual(history.map((c) => c.id), [v2, v1], 'a checkpoint and the ones made from it, newest first');
  assert.deepEqual(history[0]?.history, [v1, v0], 'history lists ancestors, nearest first');
  const removed = await ok(['checkpoint', 'delete', v1, '-s', name]);
  assert.match(removed.stdout, new RegExp(`deleted checkpoint ${v1}`));
  // test-only: the CLI's --json output, which the assertions check
  const ids = (JSON.parse((await ok(['checkpoint', 'ls', '--json', '-s', name])).stdout) as CheckpointJson[]).map((c) => c.id);
  assert.ok(!ids.includes(v1) && ids.includes(v0) && ids.includes(v2), `after delete: ${ids.join(',')}`);
  assertUserError(await hob(['checkpoint', 'info', v1, '-s', name]), /not found/i, 'a deleted checkpoint');
});

test('fork a sprite now and at a checkpoint: independent copies', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  const forkNow = `${server.prefix}-fork-now`;
  const forkAt = `${server.prefix}-fork-at`;
  t.after(async () => {
    for (const fork of [forkNow, forkAt]) await client.deleteSprite(fork).catch(() => undefined);
  });

  await ok(['exec', '-s', name, '--', 'sh', '-c', 'echo one > /root/note.txt']);
  const v0 = createdId(await ok(['checkpoint', 'create', '-s', name]));
  await ok(['exec', '-s', name, '--', 'sh', '-c', 'echo three > /root/note.txt']);

  const forked = await ok(['fork', name, forkNow]);
  assert.match(forked.stdout, new RegExp(`^forked sprite ${forkNow} from ${name} `, 'm'));
  assert.equal(await readNote(forkNow), 'three\n', 'a fork from now has the current files');

  // test-only: the CLI's --json output, which the assertions check
  const forkedAt = JSON.parse((await ok(['fork', name, forkAt, '--checkpoint', v0, '--json'])).stdout) as SpriteJson;
  assert.equal(forkedAt.name, forkAt);
  assert.deepEqual(forkedAt.forked_from, { sprite: name, checkpoint: v0 });
  assert.equal(await readNote(forkAt), 'one\n', 'a fork at a checkpoint has that checkpoint’s files');
  assert.match((await ok(['info', forkAt])).stdout, new RegExp(`^Forked from:\\s+${name} at checkpoint ${v0}$`, 'm'));

  await ok(['exec', '-s', forkNow, '--', 'sh', '-c', 'echo fork > /root/note.txt']);
  await ok(['exec', '-s', forkAt, '--', 'sh', '-c', 'echo other > /root/note.txt']);
  assert.equal(await readNote(name), 'three\n', 'the source is untouched by its forks');
  assert.equal(await readNote(forkNow), 'fork\n');
  assert.equal(await readNote(forkAt), 'other\n');
});

test('checkpoint commands: bad input is a one-line error with exit code 1', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  const missing = `${server.prefix}-no-such-sprite`;
  const forkOfNothing = `${server.prefix}-fork-of-nothing`;
  const forkBadAt = `${server.prefix}-fork-bad-at`;
  t.after(async () => {
    for (const fork of [forkOfNothing, forkBadAt]) await client.deleteSprite(fork).catch(() => undefined);
  });

  assertUserError(await hob(['checkpoint', 'info', 'v999', '-s', name]), /not found/i, 'info of an unknown checkpoint');
  assertUserError(await hob(['checkpoint', 'rm', 'v999', '-s', name]), /not found/i, 'delete of an unknown checkpoint');
  assertUserError(await hob(['restore', 'v999', '-s', name]), /not found/i, 'restore of an unknown checkpoint');
  assertUserError(await hob(['checkpoint', 'diff', 'v999', '-s', name]), /not found/i, 'diff from an unknown checkpoint');
  assertUserError(await hob(['checkpoint', 'ls', '-s', missing]), /not found/i, 'checkpoints of an unknown sprite');
  assertUserError(await hob(['fork', missing, forkOfNothing]), /not found/i, 'fork of an unknown sprite');
  assertUserError(await hob(['fork', name, forkBadAt, '--checkpoint', 'v999']), /not found/i, 'fork at an unknown checkpoint');
  assertUserError(await hob(['checkpoint', 'diff', 'current', '--limit', 'lots', '-s', name]), /--limit/, 'a bad --limit');
  assertUserError(await hob(['checkpoint', 'create']), /no sprite named/, 'no sprite chosen');
});
