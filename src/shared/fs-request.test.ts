import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from './errors.js';
import { encodeFsRequest, parseFsRequest, type FsRequest } from './fs-request.js';

test('every request survives the trip to the agent unchanged', () => {
  const requests: FsRequest[] = [
    { op: 'read', user: 'sprite', workingDir: '/app', path: 'a b.txt' },
    { op: 'write', user: 'root', workingDir: '/', path: '/x', mode: 0o755, mkdirParents: true },
    { op: 'write', user: '1000', workingDir: '/', path: '/x', mkdirParents: false },
    { op: 'list', user: 'sprite', workingDir: '/', path: '.', recursive: true, pattern: '*.md' },
    { op: 'delete', user: 'sprite', workingDir: '/', path: 'd', recursive: false },
    { op: 'rename', user: 'sprite', workingDir: '/w', source: 'a', dest: '../b' },
    { op: 'copy', user: 'sprite', workingDir: '/', source: '/a', dest: '/b', recursive: true, preserveAttrs: false },
    { op: 'chmod', user: 'sprite', workingDir: '/', path: '/a', mode: 0o4750, recursive: false },
    { op: 'chown', user: 'root', workingDir: '/', path: '/a', uid: 0, gid: 'staff', recursive: true },
    { op: 'pack', user: 'sprite', workingDir: '/', path: '/srv' },
    { op: 'unpack', user: 'sprite', workingDir: '/', path: '/srv' },
  ];
  for (const request of requests) assert.deepEqual(parseFsRequest(request.op, encodeFsRequest(request)), request);
});

test('the agent refuses what the server would never send', () => {
  const refused = (op: FsRequest['op'], query: string): void =>
    assert.throws(() => parseFsRequest(op, new URLSearchParams(query)), (error: unknown) => error instanceof HobError && error.code === 'bad_request', query);
  refused('read', 'user=root');
  refused('read', 'path=x');
  refused('read', 'path=x&user=bad%20user');
  refused('read', 'path=x&user=root&workingDir=relative');
  refused('read', 'path=a%00b&user=root');
  refused('read', 'path=a&path=b&user=root');
  refused('write', 'path=x&user=root&mode=999');
  refused('chmod', 'path=x&user=root');
  refused('chown', 'path=x&user=root');
  refused('chown', 'path=x&user=root&uid=0day');
  refused('list', `path=x&user=root&pattern=${'x'.repeat(300)}`);
});
