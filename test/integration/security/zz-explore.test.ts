import { test } from 'node:test';
import { readFileSync, existsSync } from 'node:fs';
import { clientFor, execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
async function ensureTiny(): Promise<void> {
  const c = clientFor(sharedServer());
  const img = await c.getImage('tiny').catch(() => undefined);
  if (img?.status === 'ready') return;
  const last = await c.buildImage('tiny', () => undefined);
  if (last.type === 'error') throw new Error(last.error);
}
test('explore', async (t) => {
  await ensureTiny();
  const server = sharedServer();
  const f = spriteFixture(t, server);
  const a = await f.create({ config: { pids_max: 64, ram_mb: 64 } });
  const b = await f.create({});
  const run = async (s: string, c: string) => {
    const t0 = Date.now();
    const r = await execCollect(f.client, s, ['sh', '-c', c]).catch((e: Error) => ({ stdout: '', stderr: `EXC ${e.message}`, code: -1 }));
    console.log(`$ ${c}\n${r.stdout}${r.stderr}[code ${r.code}] ${Date.now() - t0}ms`);
  };
  await run(a.name, '(nc -l -p 8080 -e echo hi &) ; sleep 0.3; wget -T 2 -O- http://127.0.0.1:8080/; echo rc=$?; nc -l -p 8081 -e echo hi & sleep 0.3; nc 127.0.0.1 8081 </dev/null; echo rc=$?');
  await run(a.name, 'wget -T 2 -O- http://10.0.0.1:1/; echo rc=$?; wget -q -T 2 -O- http://127.0.0.1:9/; echo rc=$?');
  await run(a.name, `cat /proc/meminfo | head -3; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup/`);
  await run(a.name, `x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo len=\${#x}`);
  await run(a.name, 'echo alive; ps');
  const hostTarget = `${server.dataDir}/sprites/${b.id}/run/agent.sock`;
  console.log('B socket exists on host', existsSync(hostTarget));
  await run(a.name, `cat /etc/hostname; ln -s ${hostTarget} /.hob/run/evil && mv -f /.hob/run/evil /.hob/run/agent.sock; ls -la /.hob/run`);
  await run(b.name, 'echo I-AM-B > /marker-b');
  await run(a.name, 'cat /marker-b; ls /');
  console.log('a=', a.name, 'b=', b.name);
});
