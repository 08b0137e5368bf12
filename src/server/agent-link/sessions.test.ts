import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { parseKillEvent, parseSessionList } from './sessions.js';

const session = {
  id: '1847',
  command: 'bash -l',
  workdir: '/home/sprite',
  created: '2026-01-01T00:00:00.000Z',
  last_activity: '2026-01-01T00:01:00.000Z',
  tty: true,
  is_active: false,
  bytes_per_second: 1.5,
  attached_clients: 0,
  exit_code: 0,
  ended_at: '2026-01-01T00:02:00.000Z',
};

const isAgentError = (error: unknown): boolean => error instanceof HobError && error.code === 'agent_error';

test("an agent's session list is taken as it is when every field is right", () => {
  assert.deepEqual(parseSessionList({ sessions: [session], count: 1 }), { sessions: [session], count: 1 });
  assert.deepEqual(parseSessionList({ sessions: [], count: 0 }), { sessions: [], count: 0 });
});

test('anything else in a session list is an agent error: the agent runs next to user code', () => {
  const bad: unknown[] = [
    null,
    [],
    { sessions: {}, count: 0 },
    { sessions: [{ ...session, extra: 1 }], count: 1 },
    { sessions: [{ ...session, id: 'x' }], count: 1 },
    { sessions: [{ ...session, tty: 'true' }], count: 1 },
    { sessions: [{ ...session, created: 'yesterday' }], count: 1 },
    { sessions: [{ ...session, bytes_per_second: -1 }], count: 1 },
    { sessions: [{ ...session, command: 'x'.repeat(300) }], count: 1 },
    { sessions: Array.from({ length: 1000 }, () => session), count: 1000 },
    { sessions: [session], count: 1, more: true },
  ];
  for (const value of bad) assert.throws(() => parseSessionList(value), isAgentError, JSON.stringify(value).slice(0, 80));
});

test('kill report lines are checked the same way', () => {
  assert.deepEqual(parseKillEvent({ type: 'signal', message: 'Signaling SIGTERM to process group 7', pid: 7, signal: 'SIGTERM' }), {
    type: 'signal',
    message: 'Signaling SIGTERM to process group 7',
    pid: 7,
    signal: 'SIGTERM',
  });
  assert.deepEqual(parseKillEvent({ type: 'complete', exit_code: 143 }), { type: 'complete', exit_code: 143 });
  for (const value of [{ type: 'boom' }, { type: 'signal', pid: 1.5 }, { type: 'exited', extra: 1 }, { type: 'error', message: 'x'.repeat(2000) }, 'complete']) {
    assert.throws(() => parseKillEvent(value), isAgentError, JSON.stringify(value).slice(0, 80));
  }
});
