import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { ErrorCodes, HobError, type ErrorCode } from '../shared/errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { reportError } from './output.js';

/** Runs reportError with stderr captured. */
function report(error: unknown): { status: number; stderr: string } {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  };
  try {
    return { status: reportError(error), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('user errors exit 1, unavailability 69, configuration 78, bugs 70', () => {
  const userErrors: ErrorCode[] = ['bad_request', 'invalid_name', 'unauthorized', 'not_found', 'already_exists', 'conflict', 'body_too_large', 'image_not_ready'];
  for (const code of userErrors) assert.equal(exitCodeFor(code), 1, code);
  assert.equal(exitCodeFor('sprite_unavailable'), 69);
  assert.equal(exitCodeFor('agent_error'), 69);
  assert.equal(exitCodeFor('invalid_config'), 78);
  assert.equal(exitCodeFor('internal'), 70);
  for (const code of Object.keys(ErrorCodes) as ErrorCode[]) { // the registry's keys are its codes
    assert.ok((Object.values(ExitCode) as number[]).includes(exitCodeFor(code)), `${code} maps to a documented exit code`); // widened to search it
  }
});

test('a busy sprite is a user error: one line, not the bug exit code', () => {
  const busy = report(new HobError('conflict', 'sprite demo is busy (restoring); try again when it is done'));
  assert.equal(busy.status, ExitCode.userError);
  assert.equal(busy.stderr, 'error: sprite demo is busy (restoring); try again when it is done\n');
  const config = report(new HobError('invalid_config', '--listen must be HOST:PORT'));
  assert.deepEqual(config, { status: ExitCode.config, stderr: 'error: --listen must be HOST:PORT\n' });
});

test('a bug prints its stack and exits 70; a server-side bug says where the details are', () => {
  const bug = report(new TypeError('x is undefined'));
  assert.equal(bug.status, ExitCode.bug);
  assert.match(bug.stderr, /^hob: unexpected error \(please report it\):\nTypeError: x is undefined\n\s+at /);
  const serverBug = report(new HobError('internal', 'internal server error'));
  assert.equal(serverBug.status, ExitCode.bug);
  assert.equal(serverBug.stderr.split('\n').length, 2, 'one line');
  assert.match(serverBug.stderr, /server log/);
});

test('the README documents every exit code', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Exit codes');
  assert.ok(start >= 0, 'the README has an exit codes section');
  const section = readme.slice(start, readme.indexOf('\n#', start + 1));
  const documented = new Set([...section.matchAll(/^\| `?(\d+)`? \|/gm)].map((m) => Number(m[1])));
  assert.deepEqual([...documented].sort((a, b) => a - b), Object.values(ExitCode).sort((a, b) => a - b));
});
