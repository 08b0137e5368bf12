import type { StreamId } from '../../shared/frames.js';

/** Where a piece of output came from: a pipe's stream id, or the terminal. */
export type OutputStream = typeof StreamId.Stdout | typeof StreamId.Stderr | 'tty';

export interface OutputChunk {
  readonly stream: OutputStream;
  readonly data: Buffer;
}

/**
 * Output is copied into blocks of this size: a chunk a pipe or terminal hands out may be a
 * small view of a much larger read buffer, and keeping the view would keep all of it.
 */
const BLOCK_BYTES = 16 * 1024;
/** After a trim, a terminal's replay starts at the next line if one begins this close. */
const LINE_SEARCH_BYTES = 4 * 1024;

interface Block {
  readonly stream: OutputStream;
  readonly buf: Buffer;
  start: number;
  end: number;
}

/**
 * The newest `capacityBytes` of a session's output, replayed to clients that attach later;
 * older output is dropped as new output comes. Memory follows what was written (a block at a
 * time), not the capacity, so a quiet session costs one block at most.
 */
export class Scrollback {
  private readonly blocks: Block[] = [];
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get sizeBytes(): number {
    return this.bytes;
  }

  append(stream: OutputStream, data: Buffer): void {
    if (this.capacityBytes === 0 || data.length === 0) return;
    const kept = data.length > this.capacityBytes ? data.subarray(data.length - this.capacityBytes) : data;
    let at = 0;
    while (at < kept.length) {
      let block = this.blocks.at(-1);
      if (block === undefined || block.stream !== stream || block.end === block.buf.length) {
        block = { stream, buf: Buffer.allocUnsafe(Math.max(BLOCK_BYTES, Math.min(kept.length - at, this.capacityBytes))), start: 0, end: 0 };
        this.blocks.push(block);
      }
      const n = kept.copy(block.buf, block.end, at);
      block.end += n;
      at += n;
    }
    this.bytes += kept.length;
    this.trim(kept.length < data.length);
  }

  /** What is kept, oldest first, as views that stay valid (kept bytes are never overwritten). */
  chunks(): OutputChunk[] {
    return this.blocks.map((block) => ({ stream: block.stream, data: block.buf.subarray(block.start, block.end) }));
  }

  private trim(alreadyCut: boolean): void {
    let excess = this.bytes - this.capacityBytes;
    if (excess <= 0 && !alreadyCut) return;
    while (excess > 0) {
      const first = this.blocks[0];
      if (first === undefined) break;
      const size = first.end - first.start;
      if (size <= excess) {
        this.blocks.shift();
        this.bytes -= size;
        excess -= size;
      } else {
        first.start += excess;
        this.bytes -= excess;
        excess = 0;
      }
    }
    this.startAtLine();
  }

  /** A terminal replay that starts mid-line may start mid escape sequence too; skip to the next line when it is near. */
  private startAtLine(): void {
    const first = this.blocks[0];
    if (first === undefined || first.stream !== 'tty') return;
    const view = first.buf.subarray(first.start, Math.min(first.end, first.start + LINE_SEARCH_BYTES));
    const newline = view.indexOf(0x0a);
    if (newline < 0) return;
    first.start += newline + 1;
    this.bytes -= newline + 1;
    if (first.start === first.end) this.blocks.shift();
  }
}
