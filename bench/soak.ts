/**
 * `npm run soak`: sleep/wake cycles of one sprite under concurrent execs, on a private server.
 * Each cycle forces the sprite warm and wakes it, while EXEC_LOOPS clients run `echo <token>`
 * without pause and check every answer. With --cold-every N every Nth cycle is cold instead,
 * which ends the commands running at that moment by design (a cold sprite has no processes),
 * so those count as lost; the automatic path never cools a sprite someone is attached to. At the end: cycles done,
 * execs answered, output lost or wrong (must be 0), and the sprite's processes, the host's
 * containers, cgroups and mounts of the run, before and after (nothing may be left over).
 * Bounded by --cycles (default 1000) and --max-seconds (default 180).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HobClient } from '../src/client/client.js';
import { loadAverage } from './machine.js';
import { saveLongRun } from './long-runs.js';
import { execCollect } from '../test/helpers/fixture.js';
import { cleanupDataDir, makeRunDir, startServer, uniquePrefix, type TestServer } from '../test/helpers/server.js';

const EXEC_LOOPS = 3;

const { values: flags } = parseArgs({
  options: { cycles: { type: 'string', default: '1000' }, 'max-seconds': { type: 'string', default: '180' }, 'cold-every': { type: 'string', default: '0' } },
});
const coldEvery = Number(flags['cold-every']);
const cycles = Number(flags.cycles);
const maxMs = Number(flags['max-seconds']) * 1000;
if (!Number.isInteger(cycles) || cycles < 1 || !Number.isFinite(maxMs) || maxMs <= 0) throw new Error('--cycles and --max-seconds must be positive numbers');

const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
const log = (message: string) => process.stderr.write(`soak: ${message}\n`);

function cgroups(): number {
  return readdirSync('/sys/fs/cgroup/freezer').filter((entry) => entry.startsWith(`${prefix}-`)).length;
}

function containers(): number {
  return execFileSync('runc', ['--root', join(dataDir, 'runc'), 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

function mounts(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(dataDir)).length;
}

/** The sprite's processes by command line, sorted, without the `ps` that lists them. */
async function processes(hob: HobClient, name: string): Promise<string> {
  const out = await execCollect(hob, name, ['ps', '-o', 'args=']);
  return out.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'ps -o args=')
    .sort()
    .join(' | ');
}

let server: TestServer | undefined;
try {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', '--idle-timeout', '0'] });
  const hob = new HobClient({ url: server.url, token: server.token });
  const name = `${prefix}-soak`;
  await hob.createSprite({ name, image: 'tiny' });
  const before = { processes: await processes(hob, name), containers: containers(), cgroups: cgroups(), mounts: mounts() };

  let stop = false;
  let execs = 0;
  const lost: string[] = [];
  const loops = Array.from({ length: EXEC_LOOPS }, async (_, loop) => {
    for (let i = 0; !stop; i++) {
      const token = `l${loop}-${i}`;
      try {
        const out = await execCollect(hob, name, ['echo', token]);
        if (out.stdout !== `${token}\n` || out.code !== 0) lost.push(`${token}: ${JSON.stringify(out)}`);
      } catch (error) {
        lost.push(`${token}: ${String(error)}`);
      }
      execs++;
    }
  });

  const loadAtStart = loadAverage();
  const startedAt = Date.now();
  const slept = { warm: 0, cold: 0 };
  let done = 0;
  for (; done < cycles && Date.now() - startedAt < maxMs; done++) {
    const cold = coldEvery > 0 && (done + 1) % coldEvery === 0;
    const status = (await hob.sleepSprite(name, { cold })).status;
    if (status === 'warm') slept.warm++;
    if (status === 'cold') slept.cold++;
    await hob.wakeSprite(name);
  }
  const seconds = (Date.now() - startedAt) / 1000;
  stop = true;
  await Promise.all(loops);
  // Cold cycles restart the sprite's processes; the count that matters is against a fresh boot.
  const after = { processes: await processes(hob, name), containers: containers(), cgroups: cgroups(), mounts: mounts() };
  await hob.deleteSprite(name);
  const gone = { containers: containers(), cgroups: cgroups() };

  const result = {
    cycles: done,
    seconds: Number(seconds.toFixed(1)),
    sleptWarm: slept.warm,
    sleptCold: slept.cold,
    execs,
    lostOrWrong: lost.length,
    before,
    after,
    afterDelete: gone,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const line of lost.slice(0, 5)) log(`lost: ${line}`);
  const leaked = after.processes !== before.processes || after.containers !== before.containers || after.cgroups !== before.cgroups || after.mounts !== before.mounts || gone.containers !== 0 || gone.cgroups !== 0;
  saveLongRun(
    {
      kind: 'soak',
      title: 'Soak: sleep/wake cycles under concurrent execs',
      command: `npm run soak -- --cycles ${cycles} --max-seconds ${maxMs / 1000} --cold-every ${coldEvery}`,
      body: [
        `One tiny sprite forced to sleep and woken ${done} times in ${result.seconds} s while ${EXEC_LOOPS} clients ran \`echo <token>\` without pause and checked every answer. ` +
          'Target: 1,000 cycles, no output lost, nothing leaked.',
        '',
        '| | measured |',
        '|---|---|',
        `| cycles | ${done} (${slept.warm} froze, ${slept.cold} went cold; in the rest an exec came first and the sprite stayed awake) |`,
        `| execs answered | ${execs} |`,
        `| output lost or wrong | ${lost.length}${coldEvery > 0 ? ' (cold cycles end the commands running at that moment, by design)' : ''} |`,
        `| sprite processes, before → after | ${countOf(before.processes)} → ${countOf(after.processes)}, ${before.processes === after.processes ? 'the same command lines' : '**other command lines**'} |`,
        `| host containers / cgroups / mounts of the run, before → after | ${before.containers} → ${after.containers} / ${before.cgroups} → ${after.cgroups} / ${before.mounts} → ${after.mounts} |`,
        `| containers / cgroups left after delete | ${gone.containers} / ${gone.cgroups} |`,
        `| verdict | ${lost.length === 0 && !leaked ? 'met' : '**not met**'} |`,
      ],
    },
    loadAtStart,
  );
  if (lost.length > 0 || leaked) {
    log('FAILED: output was lost or something was left over');
    process.exitCode = 1;
  }
} finally {
  await server?.stop().catch(() => undefined);
  cleanupDataDir(dataDir, prefix);
  rmSync(runDir, { recursive: true, force: true });
}

/** How many processes a ` | `-joined list of command lines names. */
function countOf(processes: string): number {
  return processes === '' ? 0 : processes.split(' | ').length;
}
