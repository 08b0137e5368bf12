import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultSeccompProfile, REFLINK_IOCTLS, type LinuxSeccomp, type LinuxSeccompArg } from './seccomp.js';

const EPERM = 1;
const ENOSYS = 38;

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const SIGCHLD = 17;
/** What glibc's pthread_create passes to clone. */
const THREAD_FLAGS = 0x3d0f00;

type Verdict = { action: 'allow' } | { action: 'errno'; errno: number } | { action: 'other'; name: string };

function argMatches(arg: LinuxSeccompArg, args: readonly number[]): boolean {
  const a = BigInt(args[arg.index] ?? 0);
  const v = BigInt(arg.value);
  switch (arg.op) {
    case 'SCMP_CMP_NE': return a !== v;
    case 'SCMP_CMP_LT': return a < v;
    case 'SCMP_CMP_LE': return a <= v;
    case 'SCMP_CMP_EQ': return a === v;
    case 'SCMP_CMP_GE': return a >= v;
    case 'SCMP_CMP_GT': return a > v;
    case 'SCMP_CMP_MASKED_EQ': return (a & v) === BigInt(arg.valueTwo ?? 0);
  }
}

/** What the filter does for `name(args...)`: first matching rule, else the default action. */
function evaluate(profile: LinuxSeccomp, name: string, args: readonly number[] = []): Verdict {
  for (const rule of profile.syscalls ?? []) {
    if (!rule.names.includes(name)) continue;
    if (!(rule.args ?? []).every((arg) => argMatches(arg, args))) continue;
    return toVerdict(rule.action, rule.errnoRet);
  }
  return toVerdict(profile.defaultAction, profile.defaultErrnoRet);
}

function toVerdict(action: string, errnoRet: number | undefined): Verdict {
  if (action === 'SCMP_ACT_ALLOW') return { action: 'allow' };
  if (action === 'SCMP_ACT_ERRNO') return { action: 'errno', errno: errnoRet ?? EPERM };
  return { action: 'other', name: action };
}

const ALLOW: Verdict = { action: 'allow' };
const DENY_EPERM: Verdict = { action: 'errno', errno: EPERM };

describe('defaultSeccompProfile', () => {
  const profile = defaultSeccompProfile();

  it('denies by default with EPERM, like Docker', () => {
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(profile.defaultErrnoRet, EPERM);
    assert.deepEqual(evaluate(profile, 'no_such_syscall'), DENY_EPERM);
  });

  it('covers x86_64 and i386, not the x32 ABI', () => {
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });

  it('allows common syscalls', () => {
    for (const name of [
      'read', 'write', 'openat', 'close', 'execve', 'futex', 'epoll_wait', 'epoll_pwait', 'mmap', 'mprotect',
      'brk', 'exit_group', 'wait4', 'rt_sigaction', 'getrandom', 'statx', 'pipe2', 'dup3', 'connect',
      'accept4', 'arch_prctl', 'prctl', 'setuid', 'chroot', 'ptrace', 'process_vm_readv', 'name_to_handle_at',
    ]) {
      assert.deepEqual(evaluate(profile, name), ALLOW, name);
    }
  });

  it('allows every ioctl type but btrfs (0x94), and the reflink ioctls that share it', () => {
    for (let type = 0; type < 256; type++) {
      for (const cmd of [type << 8, (type << 8) | 0x40040001, (type << 8) | 0xc0180000]) {
        const expected: Verdict = type === 0x94 ? DENY_EPERM : ALLOW;
        assert.deepEqual(evaluate(profile, 'ioctl', [0, cmd]), expected, `cmd 0x${cmd.toString(16)}`);
      }
    }
    // Terminal ioctls that node-pty and shells use.
    for (const cmd of [0x5401, 0x5413, 0x5414, 0x540e]) assert.deepEqual(evaluate(profile, 'ioctl', [0, cmd]), ALLOW);
    for (const cmd of REFLINK_IOCTLS) assert.deepEqual(evaluate(profile, 'ioctl', [3, cmd]), ALLOW, `reflink 0x${cmd.toString(16)}`);
    // BTRFS_IOC_SUBVOL_CREATE, SNAP_CREATE_V2, SNAP_DESTROY, SUBVOL_CREATE with junk in the upper half.
    for (const cmd of [0x5000940e, 0x50009417, 0x5000940f, 0x1_5000940e]) assert.deepEqual(evaluate(profile, 'ioctl', [3, cmd]), DENY_EPERM, `0x${cmd.toString(16)}`);
  });

  it('blocks io_uring, as Docker has since moby/moby#46762', () => {
    for (const name of ['io_uring_setup', 'io_uring_enter', 'io_uring_register']) {
      assert.deepEqual(evaluate(profile, name), DENY_EPERM, name);
    }
  });

  it('denies dangerous syscalls with EPERM', () => {
    for (const name of [
      'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'bpf', 'mount',
      'umount', 'umount2', 'pivot_root', 'fsopen', 'fsmount', 'move_mount', 'open_tree', 'reboot', 'swapon',
      'swapoff', 'open_by_handle_at', 'keyctl', 'add_key', 'request_key', 'userfaultfd', 'perf_event_open',
      'unshare', 'setns', 'iopl', 'ioperm', 'settimeofday', 'clock_settime', 'acct', 'syslog', 'quotactl',
      'lookup_dcookie', 'kcmp', 'pidfd_getfd', 'process_madvise', 'sethostname', 'setdomainname',
      'fanotify_init', 'vhangup', 'mbind', 'set_mempolicy', 'nfsservctl', 'uselib', 'ustat', 'sysfs',
      '_sysctl', 'personality',
    ]) {
      // personality with no argument means persona 0 = allowed, so check it with ADDR_NO_RANDOMIZE.
      const args = name === 'personality' ? [0x0040000] : [];
      assert.deepEqual(evaluate(profile, name, args), DENY_EPERM, name);
    }
  });

  it('allows clone for processes and threads but not for new namespaces', () => {
    assert.deepEqual(evaluate(profile, 'clone', [SIGCHLD]), ALLOW);
    assert.deepEqual(evaluate(profile, 'clone', [THREAD_FLAGS]), ALLOW);
    const nsFlags = [CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET];
    for (const flag of nsFlags) {
      assert.deepEqual(evaluate(profile, 'clone', [flag | SIGCHLD]), DENY_EPERM, `flag 0x${flag.toString(16)}`);
    }
    const cloneRules = (profile.syscalls ?? []).filter((r) => r.names.includes('clone'));
    assert.equal(cloneRules.length, 1);
    assert.deepEqual(cloneRules[0]?.args, [
      { index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' },
    ]);
    assert.equal(nsFlags.reduce((a, b) => a | b, 0), 2114060288);
  });

  it('makes clone3 fail with ENOSYS so libc falls back to clone', () => {
    assert.deepEqual(evaluate(profile, 'clone3'), { action: 'errno', errno: ENOSYS });
  });

  it('allows common socket families but not AF_VSOCK or AF_ALG', () => {
    for (const [family, name] of [[1, 'AF_UNIX'], [2, 'AF_INET'], [10, 'AF_INET6'], [16, 'AF_NETLINK'], [17, 'AF_PACKET']] as const) {
      assert.deepEqual(evaluate(profile, 'socket', [family]), ALLOW, name);
    }
    for (const [family, name] of [[12, 'AF_DECnet'], [38, 'AF_ALG'], [40, 'AF_VSOCK'], [46, 'AF_MAX']] as const) {
      assert.deepEqual(evaluate(profile, 'socket', [family]), DENY_EPERM, name);
    }
  });

  it('allows only the personalities Docker allows', () => {
    for (const p of [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff]) {
      assert.deepEqual(evaluate(profile, 'personality', [p]), ALLOW, `0x${p.toString(16)}`);
    }
    assert.deepEqual(evaluate(profile, 'personality', [0x0040000]), DENY_EPERM); // ADDR_NO_RANDOMIZE
  });

  it('never gives one syscall conflicting actions', () => {
    const seen = new Map<string, string>();
    for (const rule of profile.syscalls ?? []) {
      const verdict = `${rule.action}/${rule.errnoRet ?? ''}`;
      assert.ok(rule.names.length > 0);
      assert.equal(new Set(rule.names).size, rule.names.length, 'duplicate name inside one rule');
      for (const name of rule.names) {
        const previous = seen.get(name);
        assert.ok(previous === undefined || previous === verdict, `${name}: ${previous ?? ''} vs ${verdict}`);
        seen.set(name, verdict);
      }
    }
  });

  it('is plain OCI seccomp JSON (no includes/excludes, valid numbers)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(profile)), profile);
    for (const rule of profile.syscalls ?? []) {
      for (const key of Object.keys(rule)) assert.ok(['names', 'action', 'errnoRet', 'args'].includes(key), key);
      for (const name of rule.names) assert.match(name, /^[a-z_][a-z0-9_]*$/);
      if (rule.action === 'SCMP_ACT_ERRNO') assert.ok(Number.isInteger(rule.errnoRet));
      for (const arg of rule.args ?? []) {
        assert.ok(Number.isInteger(arg.index) && arg.index >= 0 && arg.index <= 5);
        assert.ok(Number.isSafeInteger(arg.value) && arg.value >= 0);
      }
    }
  });

  it('returns a fresh object on every call', () => {
    const a = defaultSeccompProfile();
    a.syscalls?.[0]?.names.push('kexec_load');
    assert.deepEqual(evaluate(defaultSeccompProfile(), 'kexec_load'), DENY_EPERM);
  });
});
