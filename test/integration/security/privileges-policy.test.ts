/**
 * The privileges policy through the unmodified SDK: each profile's capabilities are what root
 * in the sprite holds after the next boot (not before), and `privileged` is still no host root:
 * its root is a mapped uid, it cannot make or mount the host's disk, nor change its network.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CAPABILITIES, MINIMAL_CAPABILITIES, PRIVILEGED_EXTRA_CAPABILITIES } from '../../../src/server/runtimes/runc/privileges.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { sh, shStdout } from '../../helpers/shell.js';

const server = sharedServer();

/** Bit numbers from linux/capability.h. */
const CAP_BITS: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7,
  CAP_SETPCAP: 8, CAP_LINUX_IMMUTABLE: 9, CAP_NET_BIND_SERVICE: 10, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_IPC_LOCK: 14,
  CAP_SYS_CHROOT: 18, CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_SYS_NICE: 23, CAP_SYS_RESOURCE: 24, CAP_MKNOD: 27, CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31,
};

function mask(caps: readonly string[]): bigint {
  return caps.reduce((bits, cap) => {
    const bit = CAP_BITS[cap];
    assert.ok(bit !== undefined, `no bit for ${cap}`);
    return bits | (1n << BigInt(bit));
  }, 0n);
}

async function boundingSet(client: ReturnType<typeof spriteFixture>['client'], name: string): Promise<bigint> {
  const status = await shStdout(client, name, 'grep CapBnd /proc/self/status');
  const hex = /CapBnd:\s+([0-9a-f]+)/.exec(status)?.[1];
  assert.ok(hex !== undefined, status);
  return BigInt(`0x${hex}`);
}

async function restart(name: string): Promise<void> {
  const response = await fetch(`${server.url}/v1/sprites/${name}/restart`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(response.status, 200, await response.text());
}

test('a privileges profile holds from the next boot: its capabilities, devices and no_new_privileges', { timeout: 240_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const created = await sprites.create();
  const sprite = sdkClient(server).sprite(created.name);
  assert.deepEqual(await sprite.getPrivilegesPolicy(), { profile: 'standard', devices: [], noNewPrivileges: true });
  assert.equal(await boundingSet(sprites.client, created.name), mask(DEFAULT_CAPABILITIES), 'control: standard is the default');

  await sprite.updatePrivilegesPolicy({ profile: 'minimal' });
  assert.deepEqual(await sprite.getPrivilegesPolicy(), { profile: 'minimal', devices: [], noNewPrivileges: true });
  assert.equal(await boundingSet(sprites.client, created.name), mask(DEFAULT_CAPABILITIES), 'the running sandbox keeps what it booted with');
  await restart(created.name);
  assert.equal(await boundingSet(sprites.client, created.name), mask(MINIMAL_CAPABILITIES), 'minimal after the restart');
  assert.match(await shStdout(sprites.client, created.name, 'grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+1/);
  // minimal drops CAP_MKNOD and CAP_SYS_CHROOT.
  assert.notEqual((await sh(sprites.client, created.name, 'mkdir -p /tmp/r && chroot /tmp/r /bin/true')).code, 0, 'chroot works without CAP_SYS_CHROOT');

  await sprite.updatePrivilegesPolicy({ profile: 'privileged', devices: ['/dev/fuse', 'null'] });
  assert.deepEqual(await sprite.getPrivilegesPolicy(), { profile: 'privileged', devices: ['/dev/fuse', '/dev/null'], noNewPrivileges: false });
  await restart(created.name);
  assert.equal(await boundingSet(sprites.client, created.name), mask([...DEFAULT_CAPABILITIES, ...PRIVILEGED_EXTRA_CAPABILITIES]), 'privileged after the restart');
  assert.match(await shStdout(sprites.client, created.name, 'grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+0/);
  assert.equal(await shStdout(sprites.client, created.name, 'ls -l /dev/fuse | cut -c1; test -r /dev/fuse && echo openable'), 'c\nopenable\n', 'the fuse device is there');
  // What privileged is for: mounts and namespaces of the sprite's own.
  assert.equal(await shStdout(sprites.client, created.name, 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mounted && umount /tmp/m'), 'mounted\n');
  assert.equal(await shStdout(sprites.client, created.name, 'unshare -m true && echo unshared'), 'unshared\n');

  await sprite.deletePrivilegesPolicy();
  assert.deepEqual(await sprite.getPrivilegesPolicy(), { profile: 'standard', devices: [], noNewPrivileges: true });
  await restart(created.name);
  assert.equal(await boundingSet(sprites.client, created.name), mask(DEFAULT_CAPABILITIES), 'back to standard after delete and a restart');
  assert.notEqual((await sh(sprites.client, created.name, 'test -e /dev/fuse')).code, 0, 'the fuse device is gone');
});

test('privileged is not host root: a mapped uid, no host disk, no changes to its network, no raw sockets', { timeout: 180_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const created = await sprites.create();
  await sdkClient(server).sprite(created.name).updatePrivilegesPolicy({ profile: 'privileged' });
  await restart(created.name);
  const run = (script: string) => sh(sprites.client, created.name, script);

  const [inside, hostUid = 0] = (await run('cat /proc/self/uid_map')).stdout.trim().split(/\s+/).map(Number);
  assert.equal(inside, 0);
  assert.ok(hostUid > 0, `root in the sprite is host uid ${hostUid}`);
  const initPid = Number(readFileSync(`${server.dataDir}/bundles/${server.prefix}-${created.id}/init.pid`, 'utf8'));
  assert.match(readFileSync(`/proc/${initPid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${hostUid}\\s`, 'm'), 'the host sees the sprite init as the mapped uid');

  // The host's root disk, by its own device numbers.
  const hostRoot = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === '/');
  const [major, minor] = (hostRoot?.split(' ')[2] ?? '').split(':');
  assert.ok(major !== undefined && minor !== undefined, 'control: the host root device is known');
  const mknod = await run(`mknod /tmp/disk b ${major} ${minor}; echo "rc=$?"`);
  assert.match(mknod.stdout, /rc=[1-9]/, `made a node for the host disk: ${mknod.stdout}${mknod.stderr}`);
  const mount = await run(`mkdir -p /tmp/host; mount /tmp/disk /tmp/host 2>&1; mount -t ext4 /dev/vda /tmp/host 2>&1; echo "rc=$?"; ls /tmp/host | wc -l`);
  assert.match(mount.stdout, /rc=[1-9]\n0\n$/, `mounted something of the host: ${mount.stdout}`);

  // No CAP_NET_ADMIN (its network namespace is its user namespace's) and no CAP_NET_RAW.
  const ip = await run('ip addr add 10.99.0.1/32 dev lo; echo "rc=$?"; ip link add hobtest type dummy; echo "rc=$?"');
  assert.match(ip.stdout, /^rc=[1-9]\nrc=[1-9]\n$/, `changed the sprite's network: ${ip.stdout}`);
  const bounding = await boundingSet(sprites.client, created.name);
  assert.equal(bounding & mask(['CAP_NET_RAW', 'CAP_NET_ADMIN']), 0n, 'CAP_NET_RAW and CAP_NET_ADMIN stay out');
  // The host's own filesystem stays invisible: the sprite's root is its own subvolume.
  assert.notEqual((await run(`test -e ${server.dataDir}/hob.db`)).code, 0, 'the host data dir is visible');
});
