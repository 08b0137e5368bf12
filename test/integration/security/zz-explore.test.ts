import { test } from 'node:test';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { clientFor, execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
async function ensureTiny(): Promise<void> {
  const c = clientFor(sharedServer());
  const img = await c.getImage('tiny').catch(() => undefined);
  if (img?.status === 'ready') return;
  const last = await c.buildImage('tiny', () => undefined);
  if (last.type === 'error') throw new Error(last.error);
}
const rd = (p: string) => { try { return readFileSync(p, 'utf8').trim(); } catch (e) { return String(e); } };
test('explore', async (t) => {
  await ensureTiny();
  const server = sharedServer();
  const f = spriteFixture(t, server);
  const a = await f.create({ config: { pids_max: 64, ram_mb: 64 } });
  const cid = `${server.prefix}-${a.id}`;
  const run = async (s: string, c: string, ms = 15000) => {
    const t0 = Date.now();
    const r = await Promise.race([execCollect(f.client, s, ['sh', '-c', c]).catch((e: Error) => ({ stdout: '', stderr: `EXC ${e.message}`, code: -1 })),
      new Promise<{stdout:string;stderr:string;code:number}>((res) => setTimeout(() => res({ stdout: '', stderr: 'TIMEOUT', code: -2 }), ms))]);
    console.log(`$ ${c}\n${r.stdout}${r.stderr}[code ${r.code}] ${Date.now() - t0}ms`);
  };
  console.log('pids', rd(`/sys/fs/cgroup/pids/${cid}/pids.max`), rd(`/sys/fs/cgroup/pids/${cid}/pids.current`));
  console.log('mem', rd(`/sys/fs/cgroup/memory/${cid}/memory.limit_in_bytes`), rd(`/sys/fs/cgroup/memory/${cid}/memory.oom_control`));
  await run(a.name, `x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo len=\${#x}`);
  console.log('mem', rd(`/sys/fs/cgroup/memory/${cid}/memory.oom_control`), rd(`/sys/fs/cgroup/memory/${cid}/memory.failcnt`));
  await run(a.name, 'echo alive; cat /proc/1/fd/1; echo rc=$?; echo x >> /proc/1/fd/1; echo rc=$?; dmesg | head -2; echo rc=$?; cat /proc/*/environ | tr "\\0" "\\n"');
  await run(a.name, `sh -c 'bomb(){ bomb | bomb & }; bomb' >/dev/null 2>&1 </dev/null & echo started`, 10000);
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const r = spawnSync('true');
    const h = await fetch(`${server.url}/v1/health`, { signal: AbortSignal.timeout(5000) }).then((x) => x.status).catch((e: Error) => e.message);
    console.log('host spawn', r.status, 'health', h, Date.now() - t0, 'ms', 'pids', rd(`/sys/fs/cgroup/pids/${cid}/pids.current`));
    await new Promise((r) => setTimeout(r, 1000));
  }
  await run(a.name, 'echo alive', 5000);
  console.log(rd(`/sys/fs/cgroup/pids/${cid}/tasks`).split('\n').length, rd(`/sys/fs/cgroup/pids/${cid}/pids.events`));
  const t0 = Date.now();
  await f.client.deleteSprite(a.name); f.forget(a.name);
  console.log('deleted in', Date.now() - t0, existsSync(`/sys/fs/cgroup/pids/${cid}`), existsSync(`/sys/fs/cgroup/memory/${cid}`));
});
