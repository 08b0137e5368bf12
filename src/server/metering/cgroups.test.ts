import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { CgroupReader, statField } from './cgroups.js';

function tree(t: TestContext, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'hob-cgroups-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('v1 and hybrid hosts: CPU from cpuacct, memory from the memory hierarchy less inactive file cache', (t) => {
  const root = tree(t, {
    'unified/cgroup.procs': '',
    'cpuacct/hob-x/cpuacct.usage': '2500000000\n',
    'memory/hob-x/memory.usage_in_bytes': '300000000\n',
    'memory/hob-x/memory.stat': 'cache 1\nrss 2\ninactive_file 50\ntotal_cache 9\ntotal_inactive_file 100000000\ntotal_active_file 7\n',
  });
  const reader = new CgroupReader(root);
  assert.equal(reader.version, 'v1');
  assert.deepEqual(reader.read('/hob-x'), { cpuSeconds: 2.5, memoryBytes: 200_000_000 });
  assert.equal(reader.read('/hob-gone'), undefined);
});

test('v2 hosts: one directory, cpu.stat in microseconds, memory.current less inactive_file', (t) => {
  const root = tree(t, {
    'cgroup.controllers': 'cpu memory pids\n',
    'hob-x/cpu.stat': 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n',
    'hob-x/memory.current': '4096000\n',
    'hob-x/memory.stat': 'anon 1\nfile 2\nactive_file 3\ninactive_file 96000\n',
  });
  const reader = new CgroupReader(root);
  assert.equal(reader.version, 'v2');
  assert.deepEqual(reader.read('/hob-x'), { cpuSeconds: 1.5, memoryBytes: 4_000_000 });
});

test('a flat-keyed field is found on any line, and only as a whole key', () => {
  assert.equal(statField('usage_usec 5\n', 'usage_usec'), 5);
  assert.equal(statField('a 1\ninactive_file 7', 'inactive_file'), 7);
  assert.equal(statField('total_inactive_file 9\n', 'inactive_file'), 0);
  assert.equal(statField('', 'x'), 0);
});

test("this host's real cgroup root reads as the version it is", () => {
  const reader = new CgroupReader();
  // The root cgroup has no files of a container's; the reader says so instead of throwing.
  assert.equal(reader.read('/hob-no-such-container'), undefined);
});
