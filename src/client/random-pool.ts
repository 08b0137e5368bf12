import { closeSync, openSync, readSync } from 'node:fs';

const BLOCK_BYTES = 4096;

/**
 * Random bytes for the exec socket's key and masks (RFC 6455 asks for masks from a strong
 * source), taken from blocks read from the kernel's generator, /dev/urandom: node:crypto takes
 * about 2 ms to load, as long as a short exec's whole round trip. Where that device cannot be
 * read, node:crypto fills the blocks.
 */
export class RandomPool {
  private offset = 0;

  private constructor(
    private readonly fill: (block: Buffer) => void,
    private block: Buffer,
  ) {}

  static async open(): Promise<RandomPool> {
    const block = Buffer.allocUnsafe(BLOCK_BYTES);
    try {
      readUrandom(block);
      return new RandomPool(readUrandom, block);
    } catch {
      const { randomFillSync } = await import('node:crypto');
      randomFillSync(block);
      return new RandomPool((next) => randomFillSync(next), block);
    }
  }

  /** `n` bytes never handed out before. */
  take(n: number): Buffer {
    if (this.offset + n > this.block.length) {
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, n));
      this.fill(this.block);
      this.offset = 0;
    }
    this.offset += n;
    return this.block.subarray(this.offset - n, this.offset);
  }
}

function readUrandom(block: Buffer): void {
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let filled = 0; filled < block.length; ) {
      const read = readSync(fd, block, filled, block.length - filled, null);
      if (read <= 0) throw new Error('/dev/urandom ended');
      filled += read;
    }
  } finally {
    closeSync(fd);
  }
}
