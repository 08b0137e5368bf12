import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { HobError, errorCodeOf } from '../../shared/errors.js';
import { assertValidName } from '../../shared/names.js';
import type { ImageJson, ProgressEvent } from '../../shared/protocol.js';
import type { ImageRecord, ImageStore } from '../store/images.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { runCommand } from '../util/command.js';
import { KeyedMutex } from '../util/mutex.js';
import type { BuildProgress, ProgressFn } from './progress.js';
import { buildTinyRootfs } from './tiny.js';
import { buildDebianRootfs } from './debian.js';
import { importRootfsTar } from './import.js';
import { shiftOwnership } from './ownership.js';

type Populate = (root: string, progress: ProgressFn, signal: AbortSignal) => Promise<void>;

/** A build or import in flight: its progress is kept so late subscribers see where it stands. */
class Job {
  private readonly listeners = new Set<(event: ProgressEvent) => void>();
  last: ProgressEvent = { type: 'info', data: 'starting' };
  readonly done: Promise<void>;
  readonly abort = new AbortController();

  constructor(run: (emit: (event: ProgressEvent) => void) => Promise<void>) {
    this.done = run((event) => this.emit(event));
  }

  private emit(event: ProgressEvent): void {
    this.last = event;
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const PARTIAL_PREFIX = '.partial-';

/**
 * Images are read-only subvolumes in the pool. Built-in ones (tiny, debian) are built on
 * demand and cached; others are imported from a root filesystem tarball.
 */
export class ImageRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly readyListeners: ((name: string) => void)[] = [];
  private readonly mutex = new KeyedMutex();
  private readonly builtins: Record<string, Populate>;

  constructor(
    private readonly store: ImageStore,
    private readonly pool: BtrfsPool,
    private readonly uidOffset: number,
    debootstrapCacheDir: string,
    private readonly log: Logger,
  ) {
    this.builtins = {
      tiny: (root, progress, signal) => buildTinyRootfs(root, progress, signal),
      debian: (root, progress, signal) => buildDebianRootfs(root, { cacheDir: debootstrapCacheDir, progress, signal }),
    };
  }

  /** Called each time an image becomes ready (built, rebuilt or imported). */
  onReady(listener: (name: string) => void): void {
    this.readyListeners.push(listener);
  }

  path(name: string): string {
    return join(this.pool.imagesDir, name);
  }

  /** Removes what a crash left: half-made subvolumes, and records of builds that never finished. */
  async recover(): Promise<void> {
    for (const entry of readdirSync(this.pool.imagesDir)) {
      if (entry.startsWith(PARTIAL_PREFIX)) {
        this.log.warn({ image: entry }, 'removing an image build interrupted by a restart');
        await this.pool.deleteSubvolume(join(this.pool.imagesDir, entry));
      }
    }
    for (const record of this.store.all()) {
      if (record.state === 'building') this.store.delete(record.name);
      else if (record.state === 'ready' && !this.pool.isSubvolume(this.path(record.name))) {
        this.log.warn({ image: record.name }, 'image record without its subvolume; forgetting it');
        this.store.delete(record.name);
      }
    }
  }

  toJson(name: string): ImageJson {
    const record = this.store.get(name);
    const builtin = Object.hasOwn(this.builtins, name);
    if (record === undefined) {
      if (!builtin) throw new HobError('not_found', `image ${name} not found`);
      return { name, status: 'missing', builtin, created_at: null, size_bytes: null, error: null };
    }
    return {
      name,
      status: record.state,
      builtin,
      created_at: record.createdAt,
      size_bytes: record.sizeBytes,
      error: record.error,
    };
  }

  list(): ImageJson[] {
    const names = new Set([...Object.keys(this.builtins), ...this.store.all().map((record) => record.name)]);
    return [...names].sort().map((name) => this.toJson(name));
  }

  /** The image's subvolume, or a clear error saying what to do to get it. */
  requireReady(name: string): string {
    assertValidName(name, 'image');
    const record = this.store.get(name);
    if (record?.state === 'ready') return this.path(name);
    if (record?.state === 'building') {
      const last = this.jobs.get(name)?.last;
      const where = last?.type === 'progress' ? ` (${last.data})` : '';
      throw new HobError('image_not_ready', `image ${name} is still being built${where}; \`hob image build ${name}\` shows its progress`);
    }
    if (Object.hasOwn(this.builtins, name)) {
      throw new HobError('image_not_ready', `image ${name} has not been built yet; run \`hob image build ${name}\``, {
        details: { image: name, status: record?.state ?? 'missing' },
      });
    }
    throw new HobError('not_found', `image ${name} not found; \`hob image list\` shows the images there are`);
  }

  /**
   * The image's subvolume once it is ready: a build or import in flight is joined, and a
   * built-in image that is not built (or whose last build failed) is built now, as `hob create`
   * does. Gives up with image_not_ready after `timeoutMs`, or once `signal` aborts (the caller
   * went away); the build itself goes on either way.
   */
  async awaitReady(name: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    assertValidName(name, 'image');
    if (this.store.get(name)?.state === 'ready') return this.path(name);
    const job = this.jobs.get(name) ?? (Object.hasOwn(this.builtins, name) ? this.build(name) : undefined);
    if (job === undefined) return this.requireReady(name);
    this.log.info({ image: name, timeoutMs: options.timeoutMs }, 'waiting for an image build before a create');
    await waitForJob(job, name, options);
    return this.requireReady(name);
  }

  /** Runs `task` while the image cannot be replaced or removed (used while snapshotting it). */
  withImage<T>(name: string, task: (path: string) => Promise<T>): Promise<T> {
    return this.mutex.run(name, () => task(this.requireReady(name)));
  }

  /** Starts (or joins) a build of a built-in image and returns the job to follow. */
  build(name: string): Job {
    assertValidName(name, 'image');
    const populate = this.builtins[name];
    if (populate === undefined) {
      throw new HobError('not_found', `no built-in image ${name}; built-in images are ${Object.keys(this.builtins).join(', ')}. Use \`hob image import\` for others`);
    }
    return this.jobs.get(name) ?? this.startJob(name, true, populate);
  }

  /** Imports a root filesystem tarball as image `name`, replacing an older image of that name. */
  import(name: string, tarball: Readable): Job {
    assertValidName(name, 'image');
    if (Object.hasOwn(this.builtins, name)) {
      throw new HobError('conflict', `${name} is a built-in image; import under another name`);
    }
    if (this.jobs.has(name)) throw new HobError('conflict', `image ${name} is being built or imported already`);
    return this.startJob(name, false, (root, progress, signal) => importRootfsTar(root, tarball, progress, signal));
  }

  jobFor(name: string): Job | undefined {
    return this.jobs.get(name);
  }

  async remove(name: string): Promise<void> {
    assertValidName(name, 'image');
    if (this.jobs.has(name)) throw new HobError('conflict', `image ${name} is being built; wait for it to finish`);
    await this.mutex.run(name, async () => {
      const record = this.store.get(name);
      if (record === undefined) throw new HobError('not_found', `image ${name} not found`);
      // Sprites made from the image are snapshots of it and keep their data when it goes.
      await this.pool.deleteSubvolume(this.path(name));
      this.store.delete(name);
    });
  }

  /** Cancels builds in flight (server shutdown); their partial subvolumes are removed at next start. */
  async cancelAll(): Promise<void> {
    const pending = [...this.jobs.values()].map((job) => {
      job.abort.abort();
      return job.done.catch(() => undefined);
    });
    await Promise.all(pending);
  }

  private startJob(name: string, builtin: boolean, populate: Populate): Job {
    const job = new Job(async (emit) => {
      const started = Date.now();
      const previous = this.store.get(name);
      this.store.upsert({ name, state: 'building', builtin, sizeBytes: null, error: null, createdAt: new Date().toISOString() });
      const partial = join(this.pool.imagesDir, `${PARTIAL_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
      try {
        await this.pool.createSubvolume(partial);
        const progress = (p: BuildProgress): void => {
          emit(p.done !== undefined && p.total !== undefined ? { type: 'progress', data: p.message, done: p.done, total: p.total } : { type: 'info', data: p.message });
        };
        await populate(partial, progress, job.abort.signal);
        emit({ type: 'info', data: 'shifting file ownership into the sprite uid range' });
        await shiftOwnership(partial, this.uidOffset, progress, job.abort.signal);
        const sizeBytes = await apparentSize(partial);
        await this.pool.setReadonly(partial, true);
        await this.mutex.run(name, async () => {
          await this.pool.deleteSubvolume(this.path(name));
          await runCommand('mv', ['-T', partial, this.path(name)]);
          this.store.upsert({ name, state: 'ready', builtin, sizeBytes, error: null, createdAt: new Date().toISOString() });
        });
        for (const listener of this.readyListeners) listener(name);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        this.log.info({ image: name, sizeBytes, seconds }, 'image ready');
        emit({ type: 'complete', data: `image ${name} ready in ${seconds}s (${(sizeBytes / 1024 / 1024).toFixed(0)} MiB)` });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = errorCodeOf(error);
        // A bad tarball is the sender's mistake, not the server's.
        if (code === 'internal') this.log.error({ image: name, err: error }, 'image build failed');
        else this.log.info({ image: name, code, message }, 'image build or import refused');
        await this.pool.deleteSubvolume(partial).catch(() => undefined);
        this.restoreAfterFailure(name, builtin, previous, message);
        emit({ type: 'error', error: `${builtin ? 'building' : 'importing'} image ${name} failed: ${message}`, code });
        throw error;
      } finally {
        this.jobs.delete(name);
      }
    });
    // The job's outcome reaches followers through its events; nobody else awaits it.
    job.done.catch(() => undefined);
    this.jobs.set(name, job);
    return job;
  }

  /**
   * After a failed build or import the image is as it was before: an older image of that name
   * keeps its record. A failed import otherwise leaves no trace (its tarball is the user's to
   * fix); a built-in image keeps a `failed` record so `hob image list` can say why.
   */
  private restoreAfterFailure(name: string, builtin: boolean, previous: ImageRecord | undefined, message: string): void {
    if (previous?.state === 'ready' && this.pool.isSubvolume(this.path(name))) {
      this.store.upsert(previous);
    } else if (builtin) {
      this.store.upsert({ name, state: 'failed', builtin, sizeBytes: null, error: message, createdAt: new Date().toISOString() });
    } else {
      this.store.delete(name);
    }
  }
}

export type { Job as ImageJob };

function waitForJob(job: Job, name: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const { timeoutMs, signal } = options;
  return new Promise((resolve, reject) => {
    const finish = (error?: HobError): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const stillBuilding = (why: string): HobError => {
      const where = job.last.type === 'progress' ? ` (${job.last.data})` : '';
      return new HobError('image_not_ready', `image ${name} is still being built${where} ${why}; \`hob image build ${name}\` shows its progress`, { details: { image: name, status: 'building' } });
    };
    const timer = setTimeout(() => finish(stillBuilding(`after ${timeoutMs / 1000} s of waiting`)), timeoutMs);
    const onAbort = (): void => finish(stillBuilding('and the request was given up'));
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    job.done.then(
      () => finish(),
      (error: unknown) => finish(new HobError('image_not_ready', `building image ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { details: { image: name, status: 'failed' }, cause: error })),
    );
  });
}

async function apparentSize(path: string): Promise<number> {
  const { stdout } = await runCommand('du', ['-sb', path]);
  return Number(stdout.split('\t')[0]) || 0;
}
