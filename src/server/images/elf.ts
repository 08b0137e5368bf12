import { open } from 'node:fs/promises';

/**
 * The tiny image has no libc, so the busybox copied into it must be statically linked:
 * Debian's `busybox` package is dynamic, only `busybox-static` works. A dynamic ELF names
 * its loader in a PT_INTERP program header; a static one has none.
 */

const PT_INTERP = 3;
const HEADER_BYTES = 64;

export async function isStaticElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    await handle.read(header, 0, HEADER_BYTES, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF executable`);
    const is64 = header[4] === 2;
    const little = header[5] === 1;
    const u16 = (buf: Buffer, at: number): number => (little ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
    const u32 = (buf: Buffer, at: number): number => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
    const phoff = is64 ? Number(little ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    await handle.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}
