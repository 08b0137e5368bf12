/**
 * (r) File throughput into and out of a sprite, each way three ways in the same run, taking
 * turns: the filesystem API (PUT /fs/write, GET /fs/read, as the SDK's writeFile and readFile
 * send them), `cat` through a WebSocket exec (stdin frames in, stdout frames out, as a client
 * without a file API would do it), and the host's own disk (a copy and a read of the same
 * file in the bench's run dir, the filesystem the pool's loop file lives on). Its sprite and
 * files are removed by cleanup(), also after a failure.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import WebSocket from 'ws';
import type { HobClient } from '../src/client/client.js';
import { encodeExecQuery } from '../src/shared/exec-request.js';
import { StreamId, encodeFrame } from '../src/shared/frames.js';
import { summarizeRates, type RateSummary } from './stats.js';

export const FILE_MIB = 256;
const FILE_BYTES = FILE_MIB * 1024 * 1024;
const ROUNDS = 5;
/** What one stdin frame carries: large, as a client streaming a file would send. */
const STDIN_CHUNK_BYTES = 1024 * 1024;

export interface FilesResults {
  fileMiB: number;
  /** MiB/s, one sample per round. */
  apiWrite: RateSummary;
  execWrite: RateSummary;
  localWrite: RateSummary;
  apiRead: RateSummary;
  execRead: RateSummary;
  localRead: RateSummary;
}

export interface FilesBenchOptions {
  hob: HobClient;
  url: string;
  token: string;
  prefix: string;
  runDir: string;
  log: (message: string) => void;
}

type Way = 'apiWrite' | 'execWrite' | 'localWrite' | 'apiRead' | 'execRead' | 'localRead';
const WAYS: readonly Way[] = ['apiWrite', 'execWrite', 'localWrite', 'apiRead', 'execRead', 'localRead'];

export class FilesBench {
  private readonly sprite: string;
  private readonly source: string;
  private readonly localCopy: string;
  private created = false;

  constructor(private readonly options: FilesBenchOptions) {
    this.sprite = `${options.prefix}-bench-files`;
    this.source = join(options.runDir, 'bench-files-source.bin');
    this.localCopy = join(options.runDir, 'bench-files-copy.bin');
  }

  async run(): Promise<FilesResults> {
    const { hob, log } = this.options;
    log(`(r) a ${FILE_MIB} MiB file into and out of a sprite: fs API, cat through exec, the host's disk, ${ROUNDS} rounds`);
    writeFileSync(this.source, randomBytes(FILE_BYTES));
    await hob.createSprite({ name: this.sprite, image: 'tiny' });
    this.created = true;
    await this.execStdout('mkdir -p /bench');
    const samples = Object.fromEntries(WAYS.map((way) => [way, [] as number[]])) as Record<Way, number[]>; // one list per way
    // Round 0 is untimed: it creates the files every later round overwrites and warms every path.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const way of WAYS) {
        const started = performance.now();
        await this[way]();
        const seconds = (performance.now() - started) / 1000;
        if (round > 0) samples[way].push(FILE_MIB / seconds);
      }
    }
    return { fileMiB: FILE_MIB, ...(Object.fromEntries(WAYS.map((way) => [way, summarizeRates(samples[way])])) as Record<Way, RateSummary>) }; // one summary per way
  }

  async cleanup(): Promise<void> {
    if (this.created) await this.options.hob.deleteSprite(this.sprite).catch(() => undefined);
    rmSync(this.source, { force: true });
    rmSync(this.localCopy, { force: true });
  }

  private async apiWrite(): Promise<void> {
    await this.http('PUT', `/fs/write?path=${encodeURIComponent('/bench/api.bin')}`, true);
  }

  private async apiRead(): Promise<void> {
    await this.http('GET', `/fs/read?path=${encodeURIComponent('/bench/api.bin')}`, false);
  }

  private async execWrite(): Promise<void> {
    await this.exec(['sh', '-c', 'cat > /bench/exec.bin'], true);
  }

  private async execRead(): Promise<void> {
    const bytes = await this.exec(['cat', '/bench/exec.bin'], false);
    if (bytes !== FILE_BYTES) throw new Error(`cat through exec gave ${bytes} bytes`);
  }

  private async localWrite(): Promise<void> {
    await pipeline(createReadStream(this.source), createWriteStream(this.localCopy));
  }

  private async localRead(): Promise<void> {
    let bytes = 0;
    for await (const chunk of createReadStream(this.localCopy)) bytes += (chunk as Buffer).length; // a file stream without encoding yields Buffers
    if (bytes !== FILE_BYTES) throw new Error(`the local read gave ${bytes} bytes`);
  }

  /** One fs API request, the file as its body or its answer read to the end. */
  private http(method: 'GET' | 'PUT', path: string, upload: boolean): Promise<void> {
    const url = new URL(`/v1/sprites/${encodeURIComponent(this.sprite)}${path}`, this.options.url);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: { authorization: `Bearer ${this.options.token}`, ...(upload ? { 'content-type': 'application/octet-stream', 'content-length': String(FILE_BYTES) } : {}) } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${method} ${path} answered ${String(res.statusCode)}`));
          else if (!upload && bytes !== FILE_BYTES) reject(new Error(`${path} gave ${bytes} bytes`));
          else resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (upload) void pipeline(createReadStream(this.source), req).catch(reject);
      else req.end();
    });
  }

  private async execStdout(script: string): Promise<void> {
    await this.exec(['sh', '-c', script], false);
  }

  /**
   * A WebSocket exec: with `upload`, the file as stdin frames (each sent once the previous one
   * left, so the client holds one chunk at a time) and then end of stdin; resolves with the
   * stdout bytes once the exit frame arrives, or fails on a non-zero exit.
   */
  private exec(cmd: string[], upload: boolean): Promise<number> {
    const query = encodeExecQuery({ cmd, env: {}, dir: undefined, tty: false, rows: 24, cols: 80, stdin: upload });
    const ws = new WebSocket(`${this.options.url.replace(/^http/, 'ws')}/v1/sprites/${encodeURIComponent(this.sprite)}/exec?${query.toString()}`, {
      headers: { Authorization: `Bearer ${this.options.token}` },
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      let bytes = 0;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary || data.length === 0) return;
        if (data[0] === StreamId.Stdout) bytes += data.length - 1;
        else if (data[0] === StreamId.Exit) {
          ws.close(1000);
          if (data[1] === 0) resolve(bytes);
          else reject(new Error(`${cmd.join(' ')} exited with ${String(data[1])}`));
        }
      });
      ws.on('error', reject);
      if (!upload) return;
      ws.on('open', () => {
        void (async () => {
          for await (const chunk of createReadStream(this.source, { highWaterMark: STDIN_CHUNK_BYTES })) {
            await new Promise<void>((sent, failed) => ws.send(encodeFrame(StreamId.Stdin, chunk as Buffer), (error) => (error ? failed(error) : sent()))); // a file stream without encoding yields Buffers
          }
          ws.send(encodeFrame(StreamId.StdinEof));
        })().catch(reject);
      });
    });
  }
}
