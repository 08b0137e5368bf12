/**
 * Imports accept plain tar and tar.gz and tell them apart by content, not by a file name or
 * a Content-Type the client may get wrong. Other compressors are recognised only to say
 * clearly that they are not supported, instead of tar's "does not look like a tar archive".
 */

import { HobError } from '../../shared/errors.js';

export type ArchiveFormat = 'tar' | 'gzip';

const UNSUPPORTED: readonly { name: string; magic: readonly number[] }[] = [
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
];

/** Enough leading bytes to recognise every format above. */
export const SNIFF_BYTES = 6;

export function detectArchiveFormat(head: Buffer): ArchiveFormat {
  if (head.length === 0) throw new HobError('bad_request', 'the archive is empty');
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  for (const { name, magic } of UNSUPPORTED) {
    if (magic.every((byte, i) => head[i] === byte)) {
      throw new HobError('bad_request', `${name}-compressed archives are not supported; send a plain tar or a tar.gz`);
    }
  }
  // Anything else goes to tar, which rejects non-archives with its own message.
  return 'tar';
}
