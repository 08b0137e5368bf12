import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only log file that never grows past `maxBytes`: when the next write would take it
 * over, it becomes `<path>.1` (replacing the one before) and a new file starts. So a service's
 * log holds at most twice `maxBytes` on disk, however much it writes. Writes are synchronous:
 * the service's pipe is not read again until its last chunk is on disk, so a service that
 * writes faster than the disk takes it is slowed down instead of filling the agent's memory.
 */
export class RotatingFile {
  private fd: number | undefined;
  private sizeBytes = 0;
  private failing = false;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    /** Told once per run of failures (a full disk), not for every chunk dropped meanwhile. */
    private readonly onError: (error: unknown) => void,
  ) {}

  write(chunk: Buffer): void {
    try {
      if (this.fd === undefined) this.open();
      if (this.sizeBytes > 0 && this.sizeBytes + chunk.length > this.maxBytes) this.rotate();
      const fd = this.fd;
      if (fd === undefined) return;
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
      this.sizeBytes += chunk.length;
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.onError(error);
      this.failing = true;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    this.fd = openSync(this.path, 'a', 0o644);
    this.sizeBytes = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      // Removed by hand meanwhile: the new file simply starts.
    }
    this.fd = openSync(this.path, 'w', 0o644);
    this.sizeBytes = 0;
  }
}
