/**
 * The CLI's exit codes and error lines, end to end: a refusal that arrives in an NDJSON stream
 * keeps its code, a conflict is a user error, and `hob serve` refuses a bad configuration with
 * one line that names the fix.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { runHob, type CliOptions, type CliRun } from '../../helpers/cli.js';

const server = sharedServer();

function hob(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runHob(server, args, options);
}

/**
 * The expected exit status and exactly one error line, `error: …`, with no stack; progress
 * lines (on stderr, before it) are allowed only where a command shows progress.
 */
function assertOneLine(run: CliRun, status: number, pattern: RegExp, what: string, options: { afterProgress?: boolean } = {}): void {
  assert.equal(run.code, status, `${what}: exit status (stderr: ${run.stderr})`);
  const lines = run.stderr.trimEnd().split('\n');
  if (options.afterProgress !== true) assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(run.stderr)}`);
  assert.deepEqual(lines.filter((line) => line.startsWith('error: ')), [lines.at(-1)], `${what}: one error line, last, got ${JSON.stringify(run.stderr)}`);
  assert.match(lines.at(-1) ?? '', pattern, what);
  assert.doesNotMatch(run.stderr, /\n\s+at |unexpected error/, `${what}: no stack`);
}

test('a conflict is a user error (exit 1), not the exit code reserved for bugs', async (t) => {
  const { create } = spriteFixture(t, server);
  const { name } = await create();
  const made = await hob(['checkpoint', 'create', '-s', name]);
  assert.equal(made.code, 0, made.stderr);
  const id = /^Checkpoint created: (\S+)$/m.exec(made.stdout)?.[1] ?? '';
  assertOneLine(await hob(['checkpoint', 'rm', id, '-s', name]), 1, /currently derives from/, 'deleting the current checkpoint');
});

test('an error in an NDJSON stream keeps its code: a bad tarball is a user error, and leaves no image', async (t) => {
  const dir = mkdtempSync(join(server.runDir, 'cli-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const garbage = join(dir, 'garbage.tar');
  execFileSync('sh', ['-c', `head -c 65536 /dev/urandom > ${garbage}`]);
  const name = `${server.prefix}-cli-garbage`;
  t.after(() => hob(['image', 'rm', name]));
  assertOneLine(await hob(['image', 'import', name, garbage]), 1, new RegExp(`^error: importing image ${name} failed: extracting the archive failed: This does not look like a tar archive$`), 'importing garbage', {
    afterProgress: true,
  });
  const listed = await hob(['image', 'ls', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).filter((i) => i.name === name), [], 'no image record is left'); // --json lists image objects
});

test('usage errors exit 2; an unreachable server exits 69', async () => {
  const unknown = await hob(['frobnicate']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /unknown command/);
  const missing = await hob(['fork']);
  assert.equal(missing.code, 2, missing.stderr);
  assertOneLine(await hob(['ls'], { env: { HOB_URL: 'http://127.0.0.1:1' } }), 69, /cannot reach the Hob server/, 'server down');
});

test('hob serve: a bad flag or variable is one line with the fix and exit 78, never a stack', async () => {
  assertOneLine(await hob(['serve', '--listen', 'nonsense']), 78, /^error: --listen must be HOST:PORT \(for example 127\.0\.0\.1:7070\), got "nonsense"$/, '--listen nonsense');
  assertOneLine(await hob(['serve'], { env: { HOB_LISTEN: 'nonsense' } }), 78, /^error: HOB_LISTEN must be HOST:PORT/, 'HOB_LISTEN nonsense');
  assertOneLine(await hob(['serve', '--log-level', 'loud']), 78, /--log-level must be one of/, '--log-level loud');
  assertOneLine(await hob(['serve', '--log-format', 'xml']), 78, /^error: --log-format must be json or pretty, got "xml"$/, '--log-format xml');
  assertOneLine(await hob(['serve', '--warm-pool', '-1']), 78, /--warm-pool must be a whole number/, '--warm-pool -1');
});

test('hob serve: a data dir the sprite uid cannot pass through is one line with the fix', async (t) => {
  const dir = mkdtempSync(join(server.runDir, 'serve-closed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const closed = join(dir, 'closed');
  mkdirSync(closed);
  chmodSync(closed, 0o700);
  const dataDir = join(closed, 'data');
  const run = await hob(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--no-prebuild', '--warm-pool', '0', '--cli-config', join(dir, 'cli.json')]);
  assertOneLine(run, 78, new RegExp(`must be able to pass through ${closed}; run \`chmod o\\+x ${closed}\``), 'untraversable data dir');
  assert.deepEqual(readdirSync(dataDir), [], 'nothing was made in the data dir');
});
