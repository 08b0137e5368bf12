/**
 * Escape attempts against identity and privilege: root in a sprite is an unprivileged uid on
 * the host, keeps only Docker's default capabilities (less CAP_NET_RAW) under seccomp and no_new_privs, and cannot
 * mount, make namespaces, open devices or write kernel settings; the sprite's own user (uid
 * 1000) has no capabilities at all and cannot either. On debian, where no_new_privs is off so
 * that sudo works, the same holds for root reached through sudo (debian-e2e.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections, sh } from '../../helpers/shell.js';

const server = sharedServer();
const SPRITE_ROOT_UID = 100_000;
/** Docker's default capability set without CAP_NET_RAW (bit 13), as a /proc/<pid>/status mask. */
const DOCKER_DEFAULT_CAPS = '00000000a80405fb';

test('root in a sprite is uid 100000 on the host', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      'echo @@id; id -u',
      'echo @@uidmap; cat /proc/self/uid_map',
      'echo @@gidmap; cat /proc/self/gid_map',
      'echo @@files; touch /owned-by-root && mkdir /dir-by-root && touch /owned-by-sprite && chown 1000:1000 /owned-by-sprite && touch /setuid-root && chmod 4755 /setuid-root && echo ok',
      // An id outside the mapped range cannot be given to a file.
      'echo @@unmapped; touch /unmapped; chown 70000:70000 /unmapped 2>&1; echo "rc=$?"',
    ].join('\n'),
  );
  const out = sections(result.stdout);
  assert.equal(out.id, '0', 'control: the command runs as root inside the sprite');
  assert.deepEqual((out.uidmap ?? '').split(/\s+/), ['0', String(SPRITE_ROOT_UID), '65536']);
  assert.deepEqual((out.gidmap ?? '').split(/\s+/), ['0', String(SPRITE_ROOT_UID), '65536']);
  assert.equal(out.files, 'ok');
  assert.match(out.unmapped ?? '', /Invalid argument/);
  assert.match(out.unmapped ?? '', /rc=1$/);

  const root = join(server.dataDir, 'pool', 'sprites', sprite.id, 'root');
  const owner = (name: string) => {
    const stat = statSync(join(root, name));
    return { uid: stat.uid, gid: stat.gid };
  };
  assert.deepEqual(owner('owned-by-root'), { uid: SPRITE_ROOT_UID, gid: SPRITE_ROOT_UID });
  assert.deepEqual(owner('dir-by-root'), { uid: SPRITE_ROOT_UID, gid: SPRITE_ROOT_UID });
  assert.deepEqual(owner('owned-by-sprite'), { uid: SPRITE_ROOT_UID + 1000, gid: SPRITE_ROOT_UID + 1000 });
  // A setuid "root" binary made in a sprite is setuid to an unprivileged host uid.
  const setuid = statSync(join(root, 'setuid-root'));
  assert.equal(setuid.mode & 0o4000, 0o4000, 'control: the setuid bit is kept');
  assert.equal(setuid.uid, SPRITE_ROOT_UID);
  assert.deepEqual(owner('unmapped'), { uid: SPRITE_ROOT_UID, gid: SPRITE_ROOT_UID });
});

test('sprite processes run with no_new_privs, seccomp and only the default capabilities', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  // Every process of the sprite: tini, the agent, this shell and cat.
  const result = await sh(
    sprites.client,
    sprite.name,
    'for s in /proc/[0-9]*/status; do grep -E "^(Pid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" $s 2>/dev/null | tr "\\n" " "; echo; done',
  );
  assert.equal(result.code, 0, result.stderr);
  const processes = result.stdout
    .split('\n')
    .filter((line) => line.includes('Pid:'))
    .map((line) => Object.fromEntries([...line.matchAll(/(\w+):\s+(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? ''])));
  assert.ok(processes.length >= 3, `read the status of ${processes.length} processes`);
  assert.ok(processes.some((p) => p.Pid === '1'), 'PID 1 is among them');
  for (const p of processes) {
    const where = `pid ${String(p.Pid)}`;
    assert.equal(p.NoNewPrivs, '1', `${where}: NoNewPrivs`);
    assert.equal(p.Seccomp, '2', `${where}: Seccomp (2 = filter)`);
    assert.equal(p.CapBnd, DOCKER_DEFAULT_CAPS, `${where}: CapBnd`);
    assert.equal(p.CapEff, DOCKER_DEFAULT_CAPS, `${where}: CapEff`);
    assert.equal(p.CapPrm, DOCKER_DEFAULT_CAPS, `${where}: CapPrm`);
    assert.equal(p.CapInh, '0000000000000000', `${where}: CapInh`);
    assert.equal(p.CapAmb, '0000000000000000', `${where}: CapAmb`);
  }
});

test("the sprite's user is uid 101000 on the host, with no capabilities, under seccomp and no_new_privs", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      'echo @@id; id -u',
      'echo @@status; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t " " "',
      'echo @@files; touch /tmp/by-sprite && echo ok',
      // Files of root's stay root's.
      'echo @@root-file; (echo x >> /etc/passwd) 2>&1; echo "rc=$?"',
    ].join('\n'),
    30_000,
    'sprite',
  );
  const out = sections(result.stdout);
  assert.equal(out.id, '1000');
  // Each line is `Name: value`, and no value holds ': '.
  const status = Object.fromEntries((out.status ?? '').split('\n').map((line) => line.split(': ') as [string, string]));
  assert.deepEqual(status, {
    CapInh: '0000000000000000',
    CapPrm: '0000000000000000',
    CapEff: '0000000000000000',
    CapBnd: DOCKER_DEFAULT_CAPS,
    CapAmb: '0000000000000000',
    NoNewPrivs: '1',
    Seccomp: '2',
  });
  assert.equal(out.files, 'ok');
  assert.match(out['root-file'] ?? '', /Permission denied[\s\S]*rc=1$/);
  const made = statSync(join(server.dataDir, 'pool', 'sprites', sprite.id, 'root', 'tmp', 'by-sprite'));
  assert.deepEqual({ uid: made.uid, gid: made.gid }, { uid: SPRITE_ROOT_UID + 1000, gid: SPRITE_ROOT_UID + 1000 });
});

/** What a refusal looks like for the sprite's user, which the kernel often stops (EACCES) before root would be (EPERM, EROFS). */
const REFUSED_UNPRIVILEGED = /permission denied|Operation not permitted|Read-only file system|No such file|nonexistent directory|are you root/i;

for (const user of ['root', 'sprite']) {
  test(`a sprite cannot mount, unshare, open devices or change kernel settings (as ${user})`, { timeout: 120_000 }, async (t) => {
    await cannotEscape(t, user);
  });
}

async function cannotEscape(t: TestContext, user: string): Promise<void> {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const hostName = hostname();
  const attempts: Record<string, { cmd: string; error: RegExp }> = {
    'mount-tmpfs': { cmd: 'mkdir -p /mnt && mount -t tmpfs none /mnt', error: /permission denied|Operation not permitted/i },
    'mount-proc': { cmd: 'mkdir -p /mnt && mount -t proc proc /mnt', error: /permission denied|Operation not permitted/i },
    'mount-bind': { cmd: 'mkdir -p /mnt && mount --bind / /mnt', error: /permission denied|Operation not permitted/i },
    'remount-sys-rw': { cmd: 'mount -o remount,rw /sys', error: /permission denied|Operation not permitted/i },
    'unshare-user': { cmd: 'unshare -U -r id -u', error: /Operation not permitted/ },
    'unshare-mount': { cmd: 'unshare -m true', error: /Operation not permitted/ },
    'unshare-net': { cmd: 'unshare -n true', error: /Operation not permitted/ },
    'write-proc-sys': { cmd: 'echo escaped > /proc/sys/kernel/hostname', error: /Read-only file system/ },
    // Kernels built without magic SysRq have no such file at all.
    sysrq: { cmd: 'echo h > /proc/sysrq-trigger', error: existsSync('/proc/sysrq-trigger') ? /Read-only file system/ : /nonexistent directory|No such file/ },
    'write-sys': { cmd: 'touch /sys/escape', error: /Read-only file system/ },
    'write-sys-kernel': { cmd: 'echo 1 > /sys/kernel/mm/ksm/run', error: /Read-only file system|No such file or directory/ },
    sethostname: { cmd: 'hostname escaped', error: /Operation not permitted/ },
    // busybox date reports the failure but exits 0: check the clock itself.
    settime: { cmd: 'date -s "2001-01-01 00:00:00" >/dev/null && [ "$(date +%Y)" = 2001 ]', error: /Operation not permitted/ },
    dmesg: { cmd: 'dmesg', error: /Operation not permitted/ },
    'mknod-block': { cmd: 'mknod /tmp/disk b 8 0 && head -c 1 /tmp/disk', error: /Operation not permitted/ },
    'mknod-mem': { cmd: 'mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem', error: /Operation not permitted/ },
  };
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      'echo @@whoami; id -u',
      ...Object.entries(attempts).map(([name, { cmd }]) => `echo @@${name}; (${cmd}) 2>&1; echo "rc=$?"`),
      // Masked kernel files read as nothing (or are absent), whatever the host holds.
      'echo @@kcore; head -c 64 /proc/kcore 2>/dev/null | wc -c',
      'echo @@keys; head -c 4096 /proc/keys 2>/dev/null | wc -c',
      'echo @@timer_list; head -c 64 /proc/timer_list 2>/dev/null | wc -c',
      'echo @@sched_debug; head -c 64 /proc/sched_debug 2>/dev/null | wc -c',
      'echo @@firmware; ls -A /sys/firmware | wc -l',
      'echo @@cgroupfs; ls -A /sys/fs/cgroup | wc -l',
      'echo @@hostname; hostname',
    ].join('\n'),
    30_000,
    user,
  );
  const out = sections(result.stdout);
  assert.equal(out.whoami, user === 'root' ? '0' : '1000', 'control: the script runs as the user asked for');
  for (const [name, { error }] of Object.entries(attempts)) {
    const text = out[name] ?? '';
    assert.match(text, user === 'root' ? error : REFUSED_UNPRIVILEGED, `${name}: ${text}`);
    assert.doesNotMatch(text, /rc=0$/, `${name} succeeded: ${text}`);
  }
  for (const masked of ['kcore', 'keys', 'timer_list', 'sched_debug', 'firmware']) assert.equal(out[masked], '0', `/proc or /sys ${masked} is readable in the sprite`);
  assert.equal(out.cgroupfs, '0', 'the host cgroup hierarchy is visible in the sprite');
  assert.equal(out.hostname, sprite.name, "the sprite's own hostname is its name");
  assert.equal(hostname(), hostName, "the host's hostname is unchanged");
  // Nothing the sprite did left a device node behind on the host side.
  const root = join(server.dataDir, 'pool', 'sprites', sprite.id, 'root');
  for (const node of ['tmp/disk', 'tmp/mem']) assert.throws(() => statSync(join(root, node)), { code: 'ENOENT' });
}
