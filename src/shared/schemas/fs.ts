import { Type } from './type.js';
import { RequestObject } from './common.js';

/** PATH_MAX: no path the kernel takes is longer. */
export const MAX_FS_PATH_LENGTH = 4096;
/** A recursive listing answers at most this many entries; a bigger tree is listed a directory at a time. */
export const MAX_LIST_ENTRIES = 100_000;
/** An octal mode as the SDK writes it (`0755`), or without its leading zero. */
export const OCTAL_MODE_PATTERN = '^0?[0-7]{1,4}$';
/** What useradd and groupadd accept (a trailing `$` for machine accounts). */
export const ACCOUNT_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?$';
/** A name from the sprite's /etc/passwd, or a uid. */
export const USER_PATTERN = '^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|\\d{1,5})$';
export const MAX_ID = 65_535;

const path = (description: string) => Type.String({ minLength: 1, maxLength: MAX_FS_PATH_LENGTH, description });
const fsPath = path('A path in the sprite, absolute or relative to `workingDir`.');
const workingDir = Type.Optional(
  Type.String({ minLength: 1, maxLength: MAX_FS_PATH_LENGTH, description: 'The absolute directory relative paths start from. Default `/`.' }),
);
const flag = (description: string) => Type.Optional(Type.Boolean({ description }));
const asRoot = flag("Act as root instead of the image's user (`sprite` on debian, root on other images).");
const user = Type.Optional(
  Type.String({
    pattern: USER_PATTERN,
    description: "Hob extension: act as this account of the sprite's /etc/passwd (a name or a uid) instead of the image's user; `asRoot` wins.",
  }),
);
const octalMode = (description: string) => Type.String({ pattern: OCTAL_MODE_PATTERN, description });
const owner = (what: string) =>
  Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: MAX_ID }), Type.String({ pattern: ACCOUNT_NAME_PATTERN })], {
      description: `The new ${what}: a number, or a name from the sprite's /etc/${what === 'owner' ? 'passwd' : 'group'}.`,
    }),
  );

export const FsPathQuery = RequestObject({ path: fsPath, workingDir, asRoot, user });

/** The watch's paths come in its first frame; its query says only whom it watches as. */
export const FsWatchQuery = RequestObject({ asRoot, user });

export const FsWriteQuery = RequestObject({
  path: fsPath,
  workingDir,
  mode: Type.Optional(octalMode('The file\'s mode, e.g. `0644`; set exactly. New directories made for it get it too, with search (x) wherever it can be read.')),
  mkdirParents: flag('Make missing parent directories. Without it, only the immediate parent is made, if its own parent exists (so `mkdir` without `recursive` works).'),
  asRoot,
  user,
});

export const FsListQuery = RequestObject({
  path: fsPath,
  workingDir,
  recursive: flag('List the whole tree below a directory (not following symlinks); names are relative to it.'),
  pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'A glob (`*`, `?`, `[abc]`) entry names must match.' })),
  asRoot,
  user,
});

export const FsDeleteQuery = RequestObject({
  path: fsPath,
  workingDir,
  recursive: flag('Delete a directory and everything in it.'),
  asRoot,
  user,
});

export const FsRenameBody = RequestObject({ source: fsPath, dest: fsPath, workingDir, asRoot, user }, { title: 'FsRename' });

export const FsCopyBody = RequestObject(
  {
    source: fsPath,
    dest: fsPath,
    workingDir,
    recursive: flag('Copy a directory and everything in it.'),
    preserveAttrs: flag('Keep timestamps too (and owners, when acting as root); modes are always kept.'),
    asRoot,
    user,
  },
  { title: 'FsCopy' },
);

export const FsChmodBody = RequestObject(
  { path: fsPath, workingDir, mode: octalMode('The new mode, e.g. `0755`.'), recursive: flag('Also everything below a directory (symlinks are left alone).'), asRoot, user },
  { title: 'FsChmod' },
);

export const FsChownBody = RequestObject(
  { path: fsPath, workingDir, uid: owner('owner'), gid: owner('group'), recursive: flag('Also everything below a directory (symlinks themselves, not their targets).'), asRoot, user },
  { title: 'FsChown', description: 'At least one of `uid` and `gid`.' },
);

export const FsEntry = Type.Object(
  {
    name: Type.String({ description: 'The entry\'s name; relative to the listed directory in a recursive listing.' }),
    path: Type.String({ description: 'Its absolute path in the sprite.' }),
    type: Type.Union([Type.Literal('file'), Type.Literal('directory'), Type.Literal('symlink'), Type.Literal('other')]),
    size: Type.Integer({ minimum: 0 }),
    mode: Type.String({ pattern: '^[0-7]{4}$', description: 'Permission bits as an octal string, e.g. `0644`.' }),
    modTime: Type.String({ format: 'date-time' }),
    isDir: Type.Boolean(),
  },
  { title: 'FsEntry' },
);

export const FsList = Type.Object(
  {
    path: Type.String(),
    count: Type.Integer({ minimum: 0 }),
    entries: Type.Array(FsEntry, {
      description: "A directory's entries, or, for any other path, that path's own entry (which is how the SDK's `stat` works). Symlinks are not followed, but a symlink to a directory is listed as that directory.",
    }),
  },
  { title: 'FsList' },
);

export const FsWriteResult = Type.Object({ path: Type.String(), size: Type.Integer({ minimum: 0 }), mode: Type.String() }, { title: 'FsWriteResult' });
export const FsDeleteResult = Type.Object({ deleted: Type.Array(Type.String()), count: Type.Integer({ minimum: 0 }) }, { title: 'FsDeleteResult' });
export const FsRenameResult = Type.Object({ source: Type.String(), dest: Type.String() }, { title: 'FsRenameResult' });
export const FsCopyResult = Type.Object({ source: Type.String(), dest: Type.String(), count: Type.Integer({ minimum: 0 }) }, { title: 'FsCopyResult' });
export const FsChmodResult = Type.Object({ path: Type.String(), mode: Type.String(), count: Type.Integer({ minimum: 0 }) }, { title: 'FsChmodResult' });
export const FsChownResult = Type.Object(
  { path: Type.String(), uid: Type.Optional(Type.Integer()), gid: Type.Optional(Type.Integer()), count: Type.Integer({ minimum: 0 }) },
  { title: 'FsChownResult' },
);
export const FsUnpackResult = Type.Object({ path: Type.String(), count: Type.Integer({ minimum: 0 }) }, { title: 'FsUnpackResult' });

export const FS_ERROR_CODES = ['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ENOTEMPTY', 'EINVAL', 'EIO'];

export const FsErrorBody = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, e.g. `no such file or directory`.' }),
    code: Type.String({ description: `The POSIX code: ${FS_ERROR_CODES.join(', ')} (which the SDK knows), or another (ENOSPC, EROFS, …).` }),
    path: Type.String({ description: 'The path it concerns.' }),
  },
  {
    title: 'FsError',
    description: 'The body of a failed file operation, as the SDK reads it. A missing path is 404 with `code: "ENOENT"`; EACCES/EPERM/EROFS are 403, EEXIST 409, ENOTDIR/EISDIR/ENOTEMPTY/EINVAL 400, ENOSPC/EDQUOT 507.',
  },
);

const timestamp = Type.String({ description: 'RFC 3339.' });

export const FsWatchMessage = Type.Union(
  [
    Type.Object({ type: Type.Literal('subscribed'), paths: Type.Array(Type.String()) }, { title: 'FsWatchSubscribed' }),
    Type.Object(
      {
        type: Type.Literal('event'),
        path: Type.String(),
        event: Type.Union([Type.Literal('create'), Type.Literal('write'), Type.Literal('remove'), Type.Literal('rename'), Type.Literal('chmod')]),
        timestamp,
        size: Type.Integer({ minimum: 0 }),
        isDir: Type.Boolean(),
      },
      { title: 'FsWatchEvent' },
    ),
    Type.Object({ type: Type.Literal('error'), message: Type.String(), path: Type.Optional(Type.String()) }, { title: 'FsWatchError' }),
  ],
  { title: 'FsWatchMessage' },
);

export const FS_WATCH_DESCRIPTION =
  'Send one text frame first: `{"type":"subscribe","paths":["/app","src"],"recursive":true,"workingDir":"/app"}` (who watches is set by the `asRoot` and `user` query parameters, as on the other fs routes). The answer is `{"type":"subscribed","paths":[…]}` with the paths resolved, then an `event` text frame per change: `create`, `write`, `remove` or `chmod` (a rename shows as a `remove` and a `create`), with the path, its size and camelCase `isDir`. A path that cannot be watched gets an `error` frame. Recursive watches follow directories made later.';
