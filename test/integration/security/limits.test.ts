/**
 * Resource attacks: a fork bomb and a memory hog in a sprite stay inside the sprite's cgroup
 * limits, the host and the Hob API keep working, and destroying the sprite leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedServer, spriteFixture, type ExecResult } from '../../helpers/fixture.js';
import { hostProcessesIn } from '../../helpers/host-processes.js';
import { sh } from '../../helpers/shell.js';

const server = sharedServer();
const CGROUP_ROOT = '/sys/fs/cgroup';
const PIDS_MAX = 64;
const RAM_MIB = 64;
const BOMB_WATCH_MS = 8000;

function readCgroup(controller: string, containerId: string, file: string): string {
  return readFileSync(join(CGROUP_ROOT, controller, containerId, file), 'utf8').trim();
}

function describeProcess(pid: number): string {
  const read = (file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch (error) {
      return String(error);
    }
  };
  return `pid ${pid}: ${read('cmdline').replaceAll('\0', ' ')}\n${read('status').split('\n').filter((l) => /^(State|PPid|Uid|NSpid)/.test(l)).join(' ')}\n${read('cgroup')}`;
}

test('a fork bomb stays inside its pids limit while the host and the API carry on', { timeout: 180_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create({ config: { pids_max: PIDS_MAX } });
  const containerId = `${server.prefix}-${sprite.id}`;
  // The limit must be in force before the bomb is lit: without it the bomb would hit the host.
  assert.equal(readCgroup('pids', containerId, 'pids.max'), String(PIDS_MAX));
  assert.equal(readCgroup('pids', containerId, 'pids.events'), 'max 0', 'control: the limit has not been hit yet');

  // Nothing inside can stop the bomb once lit; destroying the sprite (below, or the fixture's
  // teardown if the test fails first) kills every process in it.
  const lit = await sh(sprites.client, sprite.name, `(sh -c 'bomb(){ bomb | bomb & }; bomb' </dev/null >/dev/null 2>&1 &); echo lit`, 30_000);
  assert.equal(lit.stdout, 'lit\n', lit.stderr);

  let maxPids = 0;
  let maxSpawnMs = 0;
  let maxHealthMs = 0;
  const deadline = Date.now() + BOMB_WATCH_MS;
  while (Date.now() < deadline) {
    const spawnStarted = performance.now();
    const spawned = spawnSync('sh', ['-c', 'echo host-ok'], { encoding: 'utf8', timeout: 5000 });
    maxSpawnMs = Math.max(maxSpawnMs, performance.now() - spawnStarted);
    assert.equal(spawned.stdout, 'host-ok\n', `the host could not spawn a process: ${spawned.error?.message ?? spawned.stderr}`);

    const healthStarted = performance.now();
    const health = await fetch(`${server.url}/v1/health`, { headers: { Authorization: `Bearer ${server.token}` }, signal: AbortSignal.timeout(5000) });
    maxHealthMs = Math.max(maxHealthMs, performance.now() - healthStarted);
    assert.equal(health.status, 200);

    const current = Number(readCgroup('pids', containerId, 'pids.current'));
    maxPids = Math.max(maxPids, current);
    assert.ok(current <= PIDS_MAX, `the sprite holds ${current} pids, over its limit of ${PIDS_MAX}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const events = readCgroup('pids', containerId, 'pids.events');
  const refusedForks = Number(/^max (\d+)$/.exec(events)?.[1] ?? Number.NaN);
  t.diagnostic(`fork bomb: max ${maxPids} pids, ${refusedForks} forks refused, host spawn ≤ ${maxSpawnMs.toFixed(0)} ms, API ≤ ${maxHealthMs.toFixed(0)} ms`);
  assert.ok(refusedForks > 0, `the bomb never reached the limit (pids.events: ${events})`);
  assert.ok(maxSpawnMs < 2000, `spawning on the host took ${maxSpawnMs.toFixed(0)} ms during the bomb`);
  assert.ok(maxHealthMs < 3000, `the API took ${maxHealthMs.toFixed(0)} ms to answer during the bomb`);
  assert.ok(hostProcessesIn(containerId).length > 0, 'control: the bomb is visible from the host');

  const destroyStarted = Date.now();
  await sprites.client.deleteSprite(sprite.name);
  sprites.forget(sprite.name);
  assert.ok(Date.now() - destroyStarted < 30_000, `destroying a bombed sprite took ${Date.now() - destroyStarted} ms`);
  for (const controller of readdirSync(CGROUP_ROOT)) {
    assert.ok(!existsSync(join(CGROUP_ROOT, controller, containerId)), `the ${controller} cgroup of the sprite is left after destroy`);
  }
  // The sprite's init may linger a moment as a zombie until the host's init reaps it.
  let left = hostProcessesIn(containerId);
  for (let waited = 0; left.length > 0 && waited < 10_000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = hostProcessesIn(containerId);
  }
  assert.deepEqual(left, [], `processes of the destroyed sprite are left on the host:\n${left.map(describeProcess).join('\n')}`);
});

// A memory hog is killed inside the sprite. Which process the kernel picks depends on sizes: a
// single hog is the biggest process and dies alone (exit 137, the agent keeps answering); many
// mid-size hogs can leave the agent (node, ~48 MB RSS) the biggest, and then the sprite restarts
// on the next exec. Both must leave a working sprite; the diagnostics say which happened.
test('a sprite over its memory limit is OOM-killed inside its cgroup and answers the next exec', { timeout: 180_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create({ config: { ram_mb: RAM_MIB } });
  const containerId = `${server.prefix}-${sprite.id}`;
  const limitBytes = RAM_MIB * 1024 * 1024;
  assert.equal(readCgroup('memory', containerId, 'memory.limit_in_bytes'), String(limitBytes));
  const oomKills = () => Number(/^oom_kill (\d+)$/m.exec(readCgroup('memory', containerId, 'memory.oom_control'))?.[1] ?? Number.NaN);
  assert.ok(Number.isInteger(oomKills()), 'control: the kernel reports oom kills');

  // busybox sh keeps a command substitution's output in its own memory: anonymous pages.
  const allocate = (bytes: number) => `x=$(head -c ${bytes} /dev/zero | tr "\\0" a); echo "len=\${#x}"`;
  const small = await sh(sprites.client, sprite.name, allocate(1_000_000));
  assert.equal(small.stdout, 'len=1000000\n', 'control: a small allocation works');

  const hogs = {
    'one 300 MB hog': allocate(300_000_000),
    'eight 8 MB hogs': `for i in 1 2 3 4 5 6 7 8; do (${allocate(8_000_000)}; sleep 2) & done; wait`,
  };
  for (const [label, script] of Object.entries(hogs)) {
    // A file on the sprite's /dev/shm (a tmpfs of this boot) tells a restarted sprite from a live one.
    await sh(sprites.client, sprite.name, 'touch /dev/shm/same-boot');
    const killsBefore = oomKills();
    const hog = await sh(sprites.client, sprite.name, script, 60_000).catch((error: unknown) => error);
    // Read the cgroup now: if the agent died, the next exec replaces the container and its counters.
    const kills = oomKills();
    const peak = Number(readCgroup('memory', containerId, 'memory.max_usage_in_bytes'));
    assert.ok(kills > killsBefore, `${label}: no OOM kill recorded in the sprite's cgroup`);
    assert.ok(peak <= limitBytes, `${label}: peak usage ${peak} is over the limit`);

    const after = await sh(sprites.client, sprite.name, 'test -e /dev/shm/same-boot && echo agent-survived || echo sprite-restarted');
    const outcome = after.stdout.trim();
    assert.match(outcome, /^(agent-survived|sprite-restarted)$/, `${label}: the sprite does not answer after the OOM: ${after.stderr}`);
    t.diagnostic(`${label}: ${kills - killsBefore} OOM kill(s), peak ${(peak / 1048576).toFixed(1)} MiB, ${outcome}`);
    if (outcome === 'agent-survived') {
      // The agent answered the hog's exec with the hog's real fate.
      assert.ok(!(hog instanceof Error), `${label}: the exec failed though the agent lived: ${String(hog)}`);
      const result = hog as ExecResult; // not an Error, so the exec's result
      assert.doesNotMatch(result.stdout, /len=[1-9]\d{7,}/, `${label}: a hog got its memory: ${result.stdout}`);
      if (label === 'one 300 MB hog') assert.equal(result.code, 137, `${label} exited with ${result.code}`);
    } else {
      assert.ok(hog instanceof Error, `${label}: the sprite restarted but the exec reported an exit`);
    }
    assert.equal((await sprites.client.getSprite(sprite.name)).status, 'running');
  }
});
