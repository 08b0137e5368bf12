import { chmod, lchown, lstat, mkdir } from 'node:fs/promises';

import { ensureGroup, ensureHosts, ensurePasswd, ensureShadow, SPRITE_GID, SPRITE_HOME, SPRITE_UID } from './accounts.js';
import { errnoIs } from './errno.js';
import { isExecutableInRoot, lexistsInRoot, readInRoot, resolveInRoot, writeInRoot } from './in-root.js';

/**
 * What the runtime and the agent assume about every image, whatever built it: mount points
 * runc mounts onto, world-writable temp dirs, a `sprite` user with a home, and the /etc files
 * libc and shells read before anything else works. Idempotent; it only adds what is missing,
 * except the few modes and owners below that a sprite cannot work without.
 */

interface DirSpec {
  path: string;
  mode: number;
  /** Apply `mode` even if the image already has the directory. */
  enforceMode?: boolean;
  owner?: { uid: number; gid: number };
}

// Parents come before children so each mkdir gets its own mode rather than a child's.
const DIRS: readonly DirSpec[] = [
  // A temp dir or an archive's "." entry can make the root 0700, which would lock the
  // sprite user (uid 1000) out of the whole tree.
  { path: '/', mode: 0o755, enforceMode: true },
  { path: '/proc', mode: 0o755 },
  { path: '/sys', mode: 0o755 },
  { path: '/dev', mode: 0o755 },
  { path: '/run', mode: 0o755 },
  { path: '/etc', mode: 0o755 },
  // An import that ships /tmp as 0755 would leave the sprite user unable to use it.
  { path: '/tmp', mode: 0o1777, enforceMode: true },
  { path: '/var', mode: 0o755 },
  { path: '/var/tmp', mode: 0o1777, enforceMode: true },
  { path: '/root', mode: 0o700 },
  { path: '/home', mode: 0o755 },
  { path: SPRITE_HOME, mode: 0o755, owner: { uid: SPRITE_UID, gid: SPRITE_GID } },
  // The host's node and the agent are bind-mounted here read-only.
  { path: '/.hob', mode: 0o755, enforceMode: true },
  // The in-sprite API socket lives here.
  { path: '/.sprite', mode: 0o755, enforceMode: true },
];

const MS_PER_DAY = 86_400_000;

export async function ensureSpriteBaseFiles(root: string): Promise<void> {
  for (const dir of DIRS) await ensureDir(root, dir);

  const shell = (await isExecutableInRoot(root, '/bin/bash')) ? '/bin/bash' : '/bin/sh';
  await editFile(root, '/etc/passwd', (text) => ensurePasswd(text, shell));
  await editFile(root, '/etc/group', ensureGroup);
  if ((await readInRoot(root, '/etc/shadow')) !== undefined) {
    const today = Math.floor(Date.now() / MS_PER_DAY);
    await editFile(root, '/etc/shadow', (text) => ensureShadow(text, today));
  }
  await editFile(root, '/etc/hosts', ensureHosts);
  // The runtime sets the real hostname and, once networking exists, bind-mounts the real
  // resolv.conf; these placeholders only make sure the mount targets exist.
  await createIfMissing(root, '/etc/hostname', 'sprite\n');
  await createIfMissing(root, '/etc/resolv.conf', '');
}

async function ensureDir(root: string, spec: DirSpec): Promise<void> {
  const hostPath = await resolveInRoot(root, spec.path);
  let created = false;
  try {
    const st = await lstat(hostPath);
    if (!st.isDirectory()) throw new Error(`${spec.path} exists in the image but is not a directory`);
  } catch (err) {
    if (!errnoIs(err, 'ENOENT')) throw err;
    await mkdir(hostPath, { recursive: true, mode: 0o755 });
    created = true;
  }
  // chmod rather than mkdir's mode: the process umask would strip the sticky/world bits.
  if (created || spec.enforceMode === true) await chmod(hostPath, spec.mode);
  if (spec.owner !== undefined) await lchown(hostPath, spec.owner.uid, spec.owner.gid);
}

async function editFile(root: string, innerPath: string, edit: (text: string) => string): Promise<void> {
  const before = (await readInRoot(root, innerPath)) ?? '';
  const after = edit(before);
  if (after !== before) await writeInRoot(root, innerPath, after);
}

async function createIfMissing(root: string, innerPath: string, text: string): Promise<void> {
  if (await lexistsInRoot(root, innerPath)) return;
  await writeInRoot(root, innerPath, text);
}
