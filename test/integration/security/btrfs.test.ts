/**
 * A sprite's root is a subvolume of the host's btrfs pool, where btrfs lets any user make and
 * delete subvolumes: the seccomp filter denies btrfs's own ioctls, and keeps the reflink ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';

const server = sharedServer();

const TRY_IOCTLS = `
import errno, fcntl, os, struct
os.makedirs('/nest', exist_ok=True)
fd = os.open('/nest', os.O_RDONLY)
vol_args = lambda name: bytearray(struct.pack('q4088s', 0, name))
for label, cmd, arg in [('subvol_create', 0x5000940e, vol_args(b'inner')), ('snap_create', 0x50009401, bytearray(struct.pack('q4088s', os.open('/', os.O_RDONLY), b'snap'))), ('fs_info', 0x8400941f, bytearray(1024))]:
    try:
        fcntl.ioctl(fd, cmd, arg)
        print(label, 'allowed')
    except OSError as e:
        print(label, errno.errorcode[e.errno])
print('nest', sorted(os.listdir('/nest')))
`;

test('a sprite cannot make, snapshot or inspect btrfs subvolumes, but reflink copies work', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'debian');
  const sprite = await create({ image: 'debian' });
  // As root, the most a sprite has: its own user gets no further.
  const tried = await execCollect(client, sprite.name, ['python3', '-c', TRY_IOCTLS], { user: 'root' });
  assert.equal(tried.code, 0, tried.stderr);
  assert.equal(tried.stdout, 'subvol_create EPERM\nsnap_create EPERM\nfs_info EPERM\nnest []\n');

  const reflink = await execCollect(client, sprite.name, ['bash', '-c', 'head -c 1048576 /dev/urandom > /a && cp --reflink=always /a /b && cmp /a /b && echo same'], { user: 'root' });
  assert.equal(reflink.stdout, 'same\n', `cp --reflink=always (FICLONE) still works: ${reflink.stderr}`);
});
