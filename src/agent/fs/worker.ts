import { HobError } from '../../shared/errors.js';
import { errorText } from '../log.js';
import type { FsIo } from './io.js';
import { perform } from './perform.js';
import { TreeWatcher } from './watch/tree-watcher.js';
import { serializeError, type WorkerMessage, type WorkerRequest } from './worker-protocol.js';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * The file worker: started by the agent with a user's uid and gid, it takes one request over
 * its IPC channel, does it (stdin is the body, stdout the bytes out) and reports the outcome,
 * then exits. A watch goes on until the agent hangs up.
 */
export function runWorker(): void {
  process.once('message', (request: WorkerRequest) => void serve(request));
  // The agent went away (or killed the operation): nothing is left to answer.
  process.once('disconnect', () => process.exit(0));
}

async function serve(request: WorkerRequest): Promise<void> {
  if (request.op === 'watch') {
    const watcher = new TreeWatcher(request.recursive, (message) => void send({ type: 'message', message }));
    await send({ type: 'message', message: { type: 'subscribed', paths: request.paths } });
    await watcher.add(request.paths);
    return;
  }
  const io: FsIo = {
    input: process.stdin,
    output: process.stdout,
    // Sent before the first byte: stdout to a pipe blocks, and the agent reads it only after the head.
    head: (head) => send({ type: 'head', head }),
    signal: new AbortController().signal,
  };
  let outcome: WorkerMessage;
  try {
    outcome = { type: 'done', result: await perform(request, io) };
  } catch (error) {
    outcome = { type: 'error', error: serializeError(error instanceof HobError ? error : new HobError('internal', errorText(error))) };
  }
  await send(outcome);
  process.exit(0);
}
