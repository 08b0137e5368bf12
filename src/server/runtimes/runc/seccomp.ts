/**
 * The seccomp filter every sandbox runs under: Docker's default profile, resolved ahead of
 * time into plain OCI `linux.seccomp` JSON that runc (1.1.5 here) understands.
 *
 * Why: the workload is hostile. Namespaces, cgroups and dropped capabilities limit what a
 * process may touch, but every syscall it can make is kernel attack surface. This allowlist
 * closes the parts ordinary programs do not need (module loading, kexec, bpf, mount, keyrings,
 * userfaultfd, perf, io_uring, new namespaces, ...), so many kernel bugs cannot be reached.
 *
 * Source: moby/profiles `seccomp/default.json` at commit
 * 02e898b137aed1024e232d59bcb05e6179b72177 (generated from `seccomp/default_linux.go` in the
 * same repository; this is the profile Docker ships — it used to live in moby/moby under
 * `profiles/seccomp/default.json`). Docker resolves the profile's `includes`/`excludes` per
 * container; here they are resolved statically for:
 *   - architecture x86_64 (archMap: SCMP_ARCH_X86_64 + SCMP_ARCH_X86 + SCMP_ARCH_X32, less
 *     x32: see below; Docker matches arch filters against GOARCH "amd64", so arch_prctl and
 *     modify_ldt stay),
 *   - kernel >= 4.8 (so ptrace and process_vm_readv/writev are allowed, as in Docker),
 *   - exactly Docker's default capability set (DOCKER_DEFAULT_CAPABILITIES below). No
 *     CAP_SYS_ADMIN means: mount, unshare, setns, bpf, perf_event_open, ... are denied; clone
 *     is allowed only without namespace flags; clone3 fails with ENOSYS so libcs fall back to
 *     clone. CAP_SYS_CHROOT means chroot is allowed.
 * Granting more capabilities does NOT widen this filter; regenerate from upstream instead.
 *
 * Known gaps, same as Docker: the sandbox may sit in its own user namespace, where unshare or
 * clone(CLONE_NEWUSER) would be harmless-looking and some programs (bwrap, Chrome's sandbox,
 * nested containers) want them; Docker denies them without CAP_SYS_ADMIN and so do we. The
 * socket address-family filter only covers socket(2): 32-bit code can reach any family through
 * socketcall(2), which seccomp cannot inspect (Docker closes that with AppArmor/SELinux).
 * Syscall names unknown to the host's libseccomp (e.g. newer than 2.5.4) are skipped by runc.
 *
 * Two departures from upstream. btrfs's own ioctls are denied (see BTRFS_IOCTL_TYPE; so
 * `ioctl` is not in the verbatim list below). And the filter covers x86_64 and i386 but not the
 * x32 ABI: runc compiles the filter with libseccomp at every sandbox start, each architecture
 * costs milliseconds of every cold create, and x32 is off in the kernels of the major
 * distributions (not built, or disabled unless booted with syscall.x32=y). Where it is on, an
 * x32 program's system calls fail the filter's architecture check instead of reaching the kernel.
 */

/** OCI runtime-spec `LinuxSeccompAction` (the subset of values Hob emits or may read back). */
export type LinuxSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

/** OCI runtime-spec `LinuxSeccompOperator`. */
export type LinuxSeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** OCI runtime-spec `Arch` values for the x86 family (the only host Hob targets today). */
export type LinuxSeccompArch = 'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86' | 'SCMP_ARCH_X32';

/** One argument comparison. For SCMP_CMP_MASKED_EQ: `(arg & value) === valueTwo`. */
export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: LinuxSeccompOperator;
}

/** One rule. All `args` must match (AND); several rules for one name are alternatives (OR). */
export interface LinuxSyscall {
  names: string[];
  action: LinuxSeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

/** OCI runtime-spec `linux.seccomp`. */
export interface LinuxSeccomp {
  defaultAction: LinuxSeccompAction;
  defaultErrnoRet?: number;
  architectures?: LinuxSeccompArch[];
  syscalls?: LinuxSyscall[];
}

/** The capability set this profile was resolved for (Docker's default set). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const EPERM = 1;
const ENOSYS = 38;

/** CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP = 0x7e020000. */
const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000;

/** Unconditionally allowed (upstream's first rule, verbatim; includes names for other ABIs). */
const ALLOWED: readonly string[] = [
  'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'bind', 'brk', 'cachestat', 'capget', 'capset', 'chdir',
  'chmod', 'chown', 'chown32', 'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64',
  'clock_gettime', 'clock_gettime64', 'clock_nanosleep', 'clock_nanosleep_time64', 'close', 'close_range',
  'connect', 'copy_file_range', 'creat', 'dup', 'dup2', 'dup3', 'epoll_create', 'epoll_create1', 'epoll_ctl',
  'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2',
  'execve', 'execveat', 'exit', 'exit_group', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64',
  'fallocate', 'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat', 'fchmodat2', 'fchown', 'fchown32', 'fchownat',
  'fcntl', 'fcntl64', 'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fork', 'fremovexattr', 'fsetxattr',
  'fstat', 'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64', 'futex',
  'futex_requeue', 'futex_time64', 'futex_wait', 'futex_waitv', 'futex_wake', 'futimesat', 'getcpu', 'getcwd',
  'getdents', 'getdents64', 'getegid', 'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups',
  'getgroups32', 'getitimer', 'getpeername', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority',
  'getrandom', 'getresgid', 'getresgid32', 'getresuid', 'getresuid32', 'getrlimit', 'get_robust_list',
  'getrusage', 'getsid', 'getsockname', 'getsockopt', 'get_thread_area', 'gettid', 'gettimeofday', 'getuid',
  'getuid32', 'getxattr', 'getxattrat', 'inotify_add_watch', 'inotify_init', 'inotify_init1',
  'inotify_rm_watch', 'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents',
  'io_pgetevents_time64', 'ioprio_get', 'ioprio_set', 'io_setup', 'io_submit', 'ipc', 'kill',
  'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self', 'lchown', 'lchown32', 'lgetxattr',
  'link', 'linkat', 'listen', 'listmount', 'listxattr', 'listxattrat', 'llistxattr', '_llseek', 'lremovexattr',
  'lseek', 'lsetxattr', 'lstat', 'lstat64', 'madvise', 'map_shadow_stack', 'membarrier', 'memfd_create',
  'memfd_secret', 'mincore', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'mlock', 'mlock2', 'mlockall', 'mmap',
  'mmap2', 'mprotect', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64',
  'mq_timedsend', 'mq_timedsend_time64', 'mq_unlink', 'mremap', 'mseal', 'msgctl', 'msgget', 'msgrcv',
  'msgsnd', 'msync', 'munlock', 'munlockall', 'munmap', 'name_to_handle_at', 'nanosleep', 'newfstatat',
  '_newselect', 'open', 'openat', 'openat2', 'pause', 'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'poll', 'ppoll', 'ppoll_time64', 'prctl', 'pread64', 'preadv',
  'preadv2', 'prlimit64', 'process_mrelease', 'pselect6', 'pselect6_time64', 'pwrite64', 'pwritev',
  'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'recv', 'recvfrom', 'recvmmsg',
  'recvmmsg_time64', 'recvmsg', 'remap_file_pages', 'removexattr', 'removexattrat', 'rename', 'renameat',
  'renameat2', 'restart_syscall', 'riscv_hwprobe', 'rmdir', 'rseq', 'rt_sigaction', 'rt_sigpending',
  'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait',
  'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 'sched_getaffinity', 'sched_getattr', 'sched_getparam',
  'sched_get_priority_max', 'sched_get_priority_min', 'sched_getscheduler', 'sched_rr_get_interval',
  'sched_rr_get_interval_time64', 'sched_setaffinity', 'sched_setattr', 'sched_setparam',
  'sched_setscheduler', 'sched_yield', 'seccomp', 'select', 'semctl', 'semget', 'semop', 'semtimedop',
  'semtimedop_time64', 'send', 'sendfile', 'sendfile64', 'sendmmsg', 'sendmsg', 'sendto', 'setfsgid',
  'setfsgid32', 'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'setitimer',
  'setpgid', 'setpriority', 'setregid', 'setregid32', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32',
  'setreuid', 'setreuid32', 'setrlimit', 'set_robust_list', 'setsid', 'setsockopt', 'set_thread_area',
  'set_tid_address', 'setuid', 'setuid32', 'setxattr', 'setxattrat', 'shmat', 'shmctl', 'shmdt', 'shmget',
  'shutdown', 'sigaltstack', 'signalfd', 'signalfd4', 'sigprocmask', 'sigreturn', 'socketcall', 'socketpair',
  'splice', 'stat', 'stat64', 'statfs', 'statfs64', 'statmount', 'statx', 'symlink', 'symlinkat', 'sync',
  'sync_file_range', 'syncfs', 'sysinfo', 'tee', 'tgkill', 'time', 'timer_create', 'timer_delete',
  'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64', 'times',
  'tkill', 'truncate', 'truncate64', 'ugetrlimit', 'umask', 'uname', 'unlink', 'unlinkat', 'uretprobe',
  'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vfork', 'vmsplice', 'wait4', 'waitid', 'waitpid',
  'write', 'writev',
];

/** Upstream rules kept by resolution: minKernel 4.8, arches amd64/x32/x86, caps CAP_SYS_CHROOT. */
const ALLOWED_RESOLVED: readonly string[] = [
  'process_vm_readv', 'process_vm_writev', 'ptrace', // includes.minKernel 4.8
  'arch_prctl', 'modify_ldt', // includes.arches amd64 (+x32, x86)
  'chroot', // includes.caps CAP_SYS_CHROOT
];

/**
 * socket(2) domain allowlist. AF_UNIX(1)..AF_ROSE(11) are one LT rule; then one EQ rule each.
 * Missing on purpose (as upstream): 12 DECnet, 19 ECONET, 20 ATMSVC, 23 IRDA, 25 WANPIPE,
 * 34 ISDN, 37 CAIF (gone from the kernel), 38 AF_ALG (kernel crypto API, CVE-2026-31431),
 * 40 AF_VSOCK (reaches host/VMs across network namespaces).
 */
const SOCKET_DOMAINS_BELOW = 12;
const SOCKET_DOMAINS: readonly number[] = [
  13, 14, 15, 16, 17, 18, // NETBEUI SECURITY KEY NETLINK PACKET ASH
  21, 22, 24, 26, 27, 28, 29, 30, 31, 32, 33, // RDS SNA PPPOX LLC IB MPLS CAN TIPC BLUETOOTH IUCV RXRPC
  35, 36, 39, // PHONET IEEE802154 NFC
  41, 42, 43, 44, 45, // KCM QIPCRTR SMC XDP MCTP
];

/** personality(2) personas allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query. */
const PERSONALITIES: readonly number[] = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff];

/**
 * The ioctl type byte of btrfs. Sprite roots are subvolumes of the host's btrfs pool, and btrfs
 * lets any user create, snapshot and delete subvolumes where it can write: a subvolume made in
 * a sprite would fall outside its checkpoints (snapshots stop at subvolume boundaries) and its
 * storage count, and would tie up the host's delete of its root. So ioctls of this type are
 * denied, except the generic clone and dedupe ones that share it (`cp --reflink` uses them).
 */
const BTRFS_IOCTL_TYPE = 0x94;
const IOCTL_TYPE_SHIFT = 8;
/** FICLONE, FICLONERANGE, FIDEDUPERANGE: _IOW(0x94, 9, int), _IOW(0x94, 13, 32 bytes), _IOWR(0x94, 54, 24 bytes). */
export const REFLINK_IOCTLS: readonly number[] = [0x40049409, 0x4020940d, 0xc0189436];
const IOCTL_CMD_BITS = 0xffffffff;

/**
 * ioctl allowed when its type byte is anything but btrfs's. seccomp has no "masked not equal",
 * so the other 255 values are covered by 8 masked-equal rules: a type that differs from 0x94
 * differs first at some bit, and rule `bit` matches exactly the types that agree with 0x94 above
 * that bit and differ at it.
 */
function ioctlRules(): LinuxSyscall[] {
  const rules: LinuxSyscall[] = [];
  for (let bit = 0; bit < 8; bit++) {
    const position = IOCTL_TYPE_SHIFT + bit;
    const mask = (0xff << IOCTL_TYPE_SHIFT) & ~((1 << position) - 1);
    const value = ((BTRFS_IOCTL_TYPE << IOCTL_TYPE_SHIFT) ^ (1 << position)) & mask;
    rules.push(allowIf('ioctl', { index: 1, value: mask, valueTwo: value, op: 'SCMP_CMP_MASKED_EQ' }));
  }
  // The kernel reads the command as 32 bits, so the upper half is masked out here too.
  for (const cmd of REFLINK_IOCTLS) rules.push(allowIf('ioctl', { index: 1, value: IOCTL_CMD_BITS, valueTwo: cmd, op: 'SCMP_CMP_MASKED_EQ' }));
  return rules;
}

function allowIf(name: string, arg: LinuxSeccompArg): LinuxSyscall {
  return { names: [name], action: 'SCMP_ACT_ALLOW', args: [arg] };
}

/**
 * What Docker's profile adds for CAP_SYS_ADMIN, for the `privileged` profile, less bpf,
 * perf_event_open, syslog, quotactl, fanotify_init and lookup_dcookie: those reach kernel state
 * outside the sprite's namespaces, where CAP_SYS_ADMIN held in a user namespace means nothing.
 */
export const SYS_ADMIN_SYSCALLS: readonly string[] = [
  'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
  'unshare', 'setns', 'sethostname', 'setdomainname',
];

/**
 * Docker's default seccomp profile for x86_64 and DOCKER_DEFAULT_CAPABILITIES, less btrfs ioctls
 * (and with `sysAdmin`, plus SYS_ADMIN_SYSCALLS and clone with namespace flags). Fresh object per call.
 */
export function defaultSeccompProfile(options: { sysAdmin?: boolean } = {}): LinuxSeccomp {
  const clone: LinuxSyscall[] = options.sysAdmin === true
    ? [{ names: ['clone', ...SYS_ADMIN_SYSCALLS], action: 'SCMP_ACT_ALLOW' }]
    : // excludes.caps CAP_SYS_ADMIN, excludes.arches s390: clone only without namespace flags.
      [allowIf('clone', { index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' })];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: [...ALLOWED], action: 'SCMP_ACT_ALLOW' },
      { names: [...ALLOWED_RESOLVED], action: 'SCMP_ACT_ALLOW' },
      allowIf('socket', { index: 0, value: SOCKET_DOMAINS_BELOW, op: 'SCMP_CMP_LT' }),
      ...SOCKET_DOMAINS.map((d) => allowIf('socket', { index: 0, value: d, op: 'SCMP_CMP_EQ' })),
      ...PERSONALITIES.map((p) => allowIf('personality', { index: 0, value: p, op: 'SCMP_CMP_EQ' })),
      ...ioctlRules(),
      ...clone,
      // clone3's flags sit behind a pointer, so make libc fall back to clone.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  };
}
