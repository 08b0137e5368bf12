import { endianness } from 'node:os';

/** A listening TCP socket as /proc/net/tcp{,6} shows it: its inode ties it to a process's fd. */
export interface ListeningSocket {
  address: string;
  port: number;
  inode: number;
}

/** The `st` column of a socket in LISTEN (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

/**
 * The listening sockets in the text of /proc/net/tcp or /proc/net/tcp6. Lines that are not a
 * listening socket (the header, other states, anything malformed) are skipped: the file's
 * layout is the kernel's, and one odd line must not hide the others.
 *
 * The kernel prints each address as 32-bit words with %08X of the word in memory, so on a
 * little-endian host the bytes of each word come out reversed; `byteOrder` says which host made
 * the text.
 */
export function parseProcNetTcp(text: string, byteOrder: 'LE' | 'BE' = endianness()): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(fields[1] ?? '');
    const inode = Number(fields[9]);
    if (local === null || !Number.isSafeInteger(inode) || inode <= 0) continue;
    const bytes = addressBytes(local[1] ?? '', byteOrder);
    out.push({ address: bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes), port: parseInt(local[2] ?? '', 16), inode });
  }
  return out;
}

function addressBytes(hex: string, byteOrder: 'LE' | 'BE'): Buffer {
  const bytes = Buffer.from(hex, 'hex');
  if (byteOrder === 'LE') for (let word = 0; word < bytes.length; word += 4) bytes.subarray(word, word + 4).reverse();
  return bytes;
}

function formatIPv4(bytes: Buffer): string {
  return [...bytes].join('.');
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as `::`, IPv4-mapped in dotted form. */
export function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatIPv4(bytes.subarray(12))}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}
