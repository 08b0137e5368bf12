import type { IncomingMessage } from 'node:http';
import type { ProgressEvent, ServiceLogEventJson } from '../shared/protocol.js';
import { ServiceLogEvent } from '../shared/schemas/services.js';
import { matches } from './check.js';
import { progressEventFrom } from './progress-event.js';

/** How a progress stream ended: its `complete` line, or its `error` line (with the error's code). */
export type ProgressOutcome = Extract<ProgressEvent, { type: 'complete' | 'error' }>;

/** Each parsed line of an NDJSON body as it arrives; lines that are not JSON are skipped, as the Sprites SDKs do. */
export async function readNdjson(response: IncomingMessage, onValue: (value: unknown) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    onValue(value);
  };
  for await (const chunk of response) {
    buffered += decoder.decode(chunk as Buffer, { stream: true }); // an IncomingMessage yields Buffers
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(buffered + decoder.decode());
}

export async function readProgress(response: IncomingMessage, onEvent: (event: ProgressEvent) => void): Promise<ProgressOutcome> {
  // A stream cut before its last line: the server went away mid-operation.
  const cut: ProgressOutcome = { type: 'error', error: 'the server ended the stream without a result', code: 'sprite_unavailable' };
  let last: ProgressEvent | undefined;
  await readNdjson(response, (value) => {
    const event = progressEventFrom(value);
    if (event === undefined) return;
    last = event;
    onEvent(event);
  });
  return last?.type === 'complete' || last?.type === 'error' ? last : cut;
}

/** How a service's event stream ended: whether it reached `complete`, and the `error` lines it carried. */
export interface ServiceStreamOutcome {
  completed: boolean;
  errors: string[];
}

export async function readServiceEvents(response: IncomingMessage, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
  const outcome: ServiceStreamOutcome = { completed: false, errors: [] };
  await readNdjson(response, (value) => {
    if (!matches(ServiceLogEvent, value)) return;
    if (value.type === 'complete') outcome.completed = true;
    if (value.type === 'error') outcome.errors.push(value.data ?? 'the service failed');
    onEvent(value);
  });
  return outcome;
}
