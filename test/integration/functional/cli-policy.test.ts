import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { runHob, type CliRun } from '../../helpers/cli.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

async function ok(args: string[]): Promise<CliRun> {
  const run = await runHob(server, args);
  assert.equal(run.code, 0, `hob ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

/** A user error: exit code 1 and exactly one line on stderr, no stack. */
async function assertUserError(args: string[], pattern: RegExp): Promise<void> {
  const run = await runHob(server, args);
  const what = `hob ${args.join(' ')}`;
  assert.equal(run.code, 1, `${what}: exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '', `${what}: nothing on stdout`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(run.stderr)}`);
  assert.match(lines[0] ?? '', /^error: /, what);
  assert.match(lines[0] ?? '', pattern, what);
}

test('hob policy network: show, set from flags or a file, clear; hob info sums it up next to the address', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();

  assert.equal((await ok(['policy', 'network', '-s', name])).stdout, 'no rules: all egress is allowed\n');
  assert.deepEqual(JSON.parse((await ok(['policy', 'network', '--json', '-s', name])).stdout), { rules: [] });
  const info = (await ok(['info', name])).stdout;
  assert.match(info, /^Network policy:\s+none, all egress allowed$/m);
  // The address hob info names is the one the sprite has on its own eth0.
  const address = /^Address:\s+(\d+\.\d+\.\d+\.\d+)$/m.exec(info)?.[1];
  assert.ok(address !== undefined, `hob info names the sprite's address:\n${info}`);
  assert.match(await shStdout(client, name, 'ip -4 -o addr show dev eth0'), new RegExp(`inet ${address.replace(/\./g, '\\.')}/31 `));
  assert.equal((await client.getSprite(name)).address, address);

  const set = await ok(['policy', 'network', 'set', '-s', name, '--allow', 'github.com', '--allow', '*.npmjs.org', '--deny', 'evil.example', '--include', 'defaults']);
  assert.equal(set.stdout, 'include defaults\nallow github.com\nallow *.npmjs.org\ndeny evil.example\nnames no rule matches are denied\n');
  assert.deepEqual(await client.getNetworkPolicy(name), {
    rules: [{ include: 'defaults' }, { domain: 'github.com', action: 'allow' }, { domain: '*.npmjs.org', action: 'allow' }, { domain: 'evil.example', action: 'deny' }],
  });
  assert.match((await ok(['info', name])).stdout, /^Network policy:\s+4 rules \(include defaults, allow github\.com, allow \*\.npmjs\.org, …\)$/m);

  const file = join(server.runDir, `${name}-rules.json`);
  t.after(() => rmSync(file, { force: true }));
  const fromFile = { rules: [{ domain: 'example.org', action: 'allow' }, { domain: '*', action: 'deny' }] };
  writeFileSync(file, JSON.stringify(fromFile));
  await ok(['policy', 'network', 'set', '-s', name, '--file', file]);
  assert.deepEqual(JSON.parse((await ok(['policy', 'network', '--json', '-s', name])).stdout), fromFile);
  assert.equal((await ok(['policy', 'network', '-s', name])).stdout, 'allow example.org\ndeny *\nnames no rule matches are denied\n');

  assert.equal((await ok(['policy', 'network', 'set', '--clear', '-s', name])).stdout, 'no rules: all egress is allowed\n');
  assert.deepEqual(await client.getNetworkPolicy(name), { rules: [] });
});

test('hob policy network set: bad input is one line and exit 1, and changes nothing', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  await client.setNetworkPolicy(name, { rules: [{ domain: 'kept.example', action: 'allow' }] });

  await assertUserError(['policy', 'network', 'set', '-s', name], /no rules given: use --allow\/--deny\/--include, or --file FILE, or --clear/);
  await assertUserError(['policy', 'network', 'set', '-s', name, '--allow', 'a.example', '--clear'], /more than one way/);
  await assertUserError(['policy', 'network', 'set', '-s', name, '--file', '/nonexistent/rules.json', '--deny', 'b.example'], /more than one way/);
  await assertUserError(['policy', 'network', 'set', '-s', name, '--include', 'everything'], /--include takes defaults, got "everything"/);
  await assertUserError(['policy', 'network', 'set', '-s', name, '--file', join(server.runDir, 'no-such-rules.json')], /cannot read .*no-such-rules\.json/);
  const notJson = join(server.runDir, `${name}-bad.json`);
  const badShape = join(server.runDir, `${name}-shape.json`);
  t.after(() => {
    rmSync(notJson, { force: true });
    rmSync(badShape, { force: true });
  });
  writeFileSync(notJson, '{"rules": [');
  await assertUserError(['policy', 'network', 'set', '-s', name, '--file', notJson], /-bad\.json is not JSON/);
  writeFileSync(badShape, JSON.stringify({ rules: [{ domain: 'x.example', action: 'maybe' }] }));
  await assertUserError(['policy', 'network', 'set', '-s', name, '--file', badShape], /rules/);
  await assertUserError(['policy', 'network', 'set', '-s', name, '--allow', 'not a name'], /domain|pattern|rules/);
  await assertUserError(['policy', 'network', '-s', `${name}-missing`], /not found/);

  assert.deepEqual(await client.getNetworkPolicy(name), { rules: [{ domain: 'kept.example', action: 'allow' }] });
});
