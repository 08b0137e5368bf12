/**
 * The resources policy through the unmodified SDK: a memory limit reaches the running sprite's
 * cgroup at once (read from the host), a process over it is OOM-killed inside, and the limit
 * holds across a warm sleep, a restart and a cold wake until it is deleted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { sh } from '../../helpers/shell.js';

const server = sharedServer();
const MIB = 1024 * 1024;
const CONFIG_RAM_MIB = 512;
const POLICY_MIB = 96;

function memoryFile(containerId: string, file: string): number {
  return Number(readFileSync(join('/sys/fs/cgroup/memory', containerId, file), 'utf8').trim());
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

test('a memory policy is applied live, OOM-kills above it, and holds across sleep, restart and a cold wake', { timeout: 240_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const created = await sprites.create({ config: { ram_mb: CONFIG_RAM_MIB } });
  const containerId = `${server.prefix}-${created.id}`;
  const sprite = sdkClient(server).sprite(created.name);
  const limit = () => memoryFile(containerId, 'memory.limit_in_bytes');
  assert.equal(limit(), CONFIG_RAM_MIB * MIB, 'control: the config limit is in force');
  assert.deepEqual(await sprite.getResourcesPolicy(), { memory: { limitMB: CONFIG_RAM_MIB, autoscale: false } });

  await sh(sprites.client, created.name, 'echo started > /dev/shm/boot');
  await sprite.updateResourcesPolicy({ memory: { limitMB: POLICY_MIB } });
  assert.equal(limit(), POLICY_MIB * MIB, 'the cgroup limit changed at once');
  assert.deepEqual(await sprite.getResourcesPolicy(), { memory: { limitMB: POLICY_MIB, autoscale: false } });
  assert.equal((await sh(sprites.client, created.name, 'cat /dev/shm/boot')).stdout, 'started\n', 'the sprite was not restarted');

  // busybox sh keeps a command substitution's output in its own memory: anonymous pages.
  const allocate = (bytes: number) => `x=$(head -c ${bytes} /dev/zero | tr "\\0" a); echo "len=\${#x}"`;
  assert.equal((await sh(sprites.client, created.name, allocate(20_000_000))).stdout, 'len=20000000\n', 'control: an allocation under the limit works');
  const oomKills = () => Number(/^oom_kill (\d+)$/m.exec(readFileSync(join('/sys/fs/cgroup/memory', containerId, 'memory.oom_control'), 'utf8'))?.[1]);
  const killsBefore = oomKills();
  const hog = await sh(sprites.client, created.name, allocate(200_000_000), 60_000);
  assert.equal(hog.code, 137, `a 200 MB allocation under a ${POLICY_MIB} MiB limit was not killed: ${hog.stdout}`);
  assert.ok(oomKills() > killsBefore, 'the kill is the cgroup OOM killer');
  assert.ok(memoryFile(containerId, 'memory.max_usage_in_bytes') <= POLICY_MIB * MIB);

  // Warm: the cgroup is frozen; the limit still changes in place.
  assert.equal((await api('POST', `/v1/sprites/${created.name}/sleep`)).status, 200);
  await sprite.updateResourcesPolicy({ memory: { limitMB: POLICY_MIB + 32 } });
  assert.equal(limit(), (POLICY_MIB + 32) * MIB, 'a warm sprite got the new limit');

  const restarted = await api('POST', `/v1/sprites/${created.name}/restart`);
  assert.equal(restarted.status, 200, await restarted.text());
  assert.equal(limit(), (POLICY_MIB + 32) * MIB, 'the limit holds across a restart');

  assert.equal((await api('POST', `/v1/sprites/${created.name}/sleep`, { cold: true })).status, 200);
  assert.equal((await sh(sprites.client, created.name, 'echo awake')).stdout, 'awake\n');
  assert.equal(limit(), (POLICY_MIB + 32) * MIB, 'the limit holds across a cold wake');

  await sprite.updateResourcesPolicy({ memory: { limitMB: POLICY_MIB, autoscale: true } });
  assert.equal(limit(), CONFIG_RAM_MIB * MIB, 'autoscale: the hard limit is the config');
  assert.equal(memoryFile(containerId, 'memory.soft_limit_in_bytes'), POLICY_MIB * MIB, 'autoscale: the policy is the soft limit');

  await sprite.deleteResourcesPolicy();
  assert.equal(limit(), CONFIG_RAM_MIB * MIB, 'delete put the config limit back');
  assert.ok(memoryFile(containerId, 'memory.soft_limit_in_bytes') > CONFIG_RAM_MIB * MIB, 'delete cleared the soft limit');
  assert.deepEqual(await sprite.getResourcesPolicy(), { memory: { limitMB: CONFIG_RAM_MIB, autoscale: false } });
});

test('a bad resources policy is a 400 that names the field, and nothing changes', { timeout: 60_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const created = await sprites.create();
  for (const body of [{ memory: { limit_mb: 1 } }, { memory: { limit_mb: 'lots' } }, { memory: {} }, { memory: 5 }]) {
    const response = await api('POST', `/v1/sprites/${created.name}/policy/resources`, body);
    const answer = (await response.json()) as { error: string; message: string }; // every error answer has this shape
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(answer.error, 'bad_request');
    assert.match(answer.message, /memory|limit_mb/, answer.message);
  }
  const missing = await api('GET', `/v1/sprites/${server.prefix}-no-such-sprite/policy/resources`);
  assert.equal(missing.status, 404);
});
