import { spawn } from 'node:child_process';
import { HobError } from '../../shared/errors.js';
import type { Account } from '../exec/account.js';
import { errorText } from '../log.js';
import type { FsIo, FsResult } from './io.js';
import { perform } from './perform.js';
import { Slots } from './slots.js';
import { TreeWatcher } from './watch/tree-watcher.js';
import { workerCommand, workerName } from './worker-command.js';
import { errorFromWorker, parseWorkerMessage, type WorkerRequest } from './worker-protocol.js';

/** The end of a worker's stderr kept for the error when it dies without a word. */
const MAX_STDERR_BYTES = 4096;
/** File workers running at once (watches, which last, are not counted); more wait their turn. */
export const MAX_RUNNING_WORKERS = 8;
const workers = new Slots(MAX_RUNNING_WORKERS);

/**
 * Runs a file operation as `account`. Root's run in the agent itself (it is root in the
 * sprite). Anyone else's run in a short-lived worker process started with the account's uid
 * and gid (and no supplementary groups, as exec gives it): the kernel then checks every path,
 * open and change against that user exactly as it would for the user's own commands, which
 * is the only check that cannot be got subtly wrong. Bodies stream through the worker's stdin
 * and stdout; its head, result or error come over its IPC channel.
 */
export function runAs(account: Account, request: WorkerRequest, io: FsIo): Promise<FsResult> {
  if (account.uid !== 0) return request.op === 'watch' ? runInWorker(account, request, io) : workers.run(() => runInWorker(account, request, io));
  if (request.op !== 'watch') return perform(request, io);
  return watchHere(request, io);
}

/** A watch in the agent: it runs until the caller's signal aborts. */
async function watchHere(request: Extract<WorkerRequest, { op: 'watch' }>, io: FsIo): Promise<FsResult> {
  const send = io.message ?? (() => {});
  const watcher = new TreeWatcher(request.recursive, send);
  io.signal.addEventListener('abort', () => watcher.close(), { once: true });
  send({ type: 'subscribed', paths: request.paths });
  await watcher.add(request.paths);
  // The watcher left while the watch was being set up: its abort has fired already.
  if (io.signal.aborted) {
    watcher.close();
    return {};
  }
  return new Promise((resolve) => io.signal.addEventListener('abort', () => resolve({}), { once: true }));
}

function runInWorker(account: Account, request: WorkerRequest, io: FsIo): Promise<FsResult> {
  const command = workerCommand();
  const abandoned = new HobError('bad_request', 'the request was abandoned before the operation finished');
  // It may have waited for a slot while its caller went away.
  if (io.signal.aborted) return Promise.reject(abandoned);
  return new Promise<FsResult>((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      cwd: process.cwd(),
      env: {},
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
      uid: account.uid,
      gid: account.gid,
      serialization: 'json',
    });
    const { stdin, stdout, stderr: errors } = child;
    // All three are pipes, as asked above; typed as possibly absent because stdio could have said otherwise.
    if (stdin === null || stdout === null || errors === null) throw new Error('the file worker has no pipes');
    let outcome: { result: FsResult } | { error: HobError } | undefined;
    let stderr = '';
    const fail = (error: HobError): void => {
      outcome ??= { error };
      child.kill('SIGKILL');
    };
    const abort = (): void => fail(abandoned);
    io.signal.addEventListener('abort', abort, { once: true });

    errors.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-MAX_STDERR_BYTES)));
    child.on('error', (error) => fail(new HobError('internal', `could not start the file worker: ${errorText(error)}`)));
    child.on('message', (raw: unknown) => {
      let message;
      try {
        message = parseWorkerMessage(raw);
      } catch (error) {
        fail(new HobError('internal', `the file worker sent ${errorText(error)}`));
        return;
      }
      if (message.type === 'head') {
        const { output } = io;
        void Promise.resolve(io.head?.(message.head)).then(() => output !== undefined && stdout.pipe(output, { end: false }));
      } else if (message.type === 'message') io.message?.(message.message);
      else if (message.type === 'done') outcome ??= { result: message.result };
      else outcome ??= { error: errorFromWorker(message.error) };
    });
    // Until the head, its stdout is held in the pipe; an operation with no output has none to read.
    if (io.output === undefined) stdout.resume();
    // 'close' comes once the process has exited and its stdout and IPC channel are drained.
    child.on('close', (code, signal) => {
      io.signal.removeEventListener('abort', abort);
      if (outcome === undefined) {
        const how = signal === null ? `exited with ${String(code)}` : `was killed by ${signal}`;
        reject(new HobError('internal', `the file worker (${workerName(command)}) ${how} without an answer${stderr === '' ? '' : `: ${stderr.trim()}`}`));
      } else if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    });

    stdin.on('error', () => {
      // EPIPE: the worker failed before it read its input; its error says why.
    });
    if (io.input === undefined) stdin.end();
    else {
      io.input.on('error', () => fail(new HobError('bad_request', 'the request body was cut off')));
      io.input.pipe(stdin);
    }
    child.send(request);
  });
}
