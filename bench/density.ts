/**
 * `npm run density`: how many sleeping sprites one host holds, on a private server with the
 * debian image. First --warm (default 200) sprites are created, each touched once (an exec) and
 * put to sleep warm: the host's memory before and after gives the cost of each. Then more are
 * created, touched and put to sleep cold until --total (default 1000) exist. At the end every
 * sprite is still listed, and a sample of warm and of cold ones is woken by an exec, timed.
 * Not part of `npm run bench`: the creates alone take minutes.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HobClient } from '../src/client/client.js';
import { loadAverage } from './machine.js';
import { saveLongRun } from './long-runs.js';
import { execCollect } from '../test/helpers/fixture.js';
import { cleanupDataDir, ensureImage, makeRunDir, startServer, uniquePrefix, type TestServer } from '../test/helpers/server.js';

const SAMPLE = 20;
const CONCURRENCY = 4;

const { values: flags } = parseArgs({ options: { warm: { type: 'string', default: '200' }, total: { type: 'string', default: '1000' }, image: { type: 'string', default: 'debian' } } });
const warmN = Number(flags.warm);
const totalN = Number(flags.total);
if (!Number.isInteger(warmN) || !Number.isInteger(totalN) || warmN < 1 || totalN < warmN) throw new Error('--warm and --total must be whole numbers, --total at least --warm');

const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
const log = (message: string) => process.stderr.write(`density: ${message}\n`);

/** MemAvailable plus the pages on the per-CPU free lists, which it leaves out (see bench/memory.ts). */
function availableBytes(): number {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const available = Number(/^MemAvailable:\s+(\d+) kB$/m.exec(meminfo)?.[1] ?? 0) * 1024;
  const perCpu = [...readFileSync('/proc/zoneinfo', 'utf8').matchAll(/^\s+count:\s+(\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0) * 4096;
  return available + perCpu;
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(work));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timedExecs(hob: HobClient, names: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const name of names) {
    const startedAt = performance.now();
    const out = await execCollect(hob, name, ['true']);
    if (out.code !== 0) throw new Error(`exec in ${name} failed: ${JSON.stringify(out)}`);
    times.push(performance.now() - startedAt);
  }
  return times;
}

const loadAtStart = loadAverage();
let server: TestServer | undefined;
const names: string[] = [];
try {
  server = await startServer({ dataDir, prefix, defaultImage: flags.image, extraArgs: ['--warm-pool', '0', '--idle-timeout', '0', '--cold-after', '0', '--min-available-memory-mib', '0'] });
  const hob = new HobClient({ url: server.url, token: server.token });
  log(`building ${flags.image} if needed`);
  await ensureImage(hob, flags.image);
  const startedAt = Date.now();
  const make = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `d${from + i}`);
  const touchAndSleep = (cold: boolean) => async (name: string) => {
    await hob.createSprite({ name, image: flags.image });
    names.push(name);
    await execCollect(hob, name, ['true']);
    const status = (await hob.sleepSprite(name, { cold })).status;
    if (status !== (cold ? 'cold' : 'warm')) throw new Error(`${name} is ${status}, not ${cold ? 'cold' : 'warm'}`);
  };

  const before = availableBytes();
  log(`creating ${warmN} sprites, each touched once and left warm`);
  await inBatches(make(0, warmN), touchAndSleep(false));
  const warmAvailable = availableBytes();
  log(`creating ${totalN - warmN} more, each touched once and left cold`);
  await inBatches(make(warmN, totalN), touchAndSleep(true));
  const afterCold = availableBytes();
  const listed = await hob.listSprites({ maxResults: 1 });
  const all = await hob.listAllSprites();
  const warmSample = make(0, warmN).slice(0, SAMPLE);
  const coldSample = make(warmN, totalN).slice(-SAMPLE);
  const warmWakes = await timedExecs(hob, warmSample);
  const coldWakes = coldSample.length === 0 ? [] : await timedExecs(hob, coldSample);
  const result = {
    image: flags.image,
    minutes: Number(((Date.now() - startedAt) / 60_000).toFixed(1)),
    listed: all.length,
    counts: { running: listed.running, warm: listed.warm, cold: listed.cold },
    warmMiBEach: Number(((before - warmAvailable) / warmN / 2 ** 20).toFixed(1)),
    coldMiBEach: totalN === warmN ? null : Number(((warmAvailable - afterCold) / (totalN - warmN) / 2 ** 20).toFixed(2)),
    hostAvailableGiB: { before: Number((before / 2 ** 30).toFixed(2)), warm: Number((warmAvailable / 2 ** 30).toFixed(2)), end: Number((afterCold / 2 ** 30).toFixed(2)) },
    warmWakeExecMs: { p50: Number(median(warmWakes).toFixed(1)), max: Number(Math.max(...warmWakes).toFixed(1)), n: warmWakes.length },
    coldWakeExecMs: coldWakes.length === 0 ? null : { p50: Number(median(coldWakes).toFixed(1)), max: Number(Math.max(...coldWakes).toFixed(1)), n: coldWakes.length },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const held = result.counts.warm === warmN && result.listed === totalN;
  saveLongRun(
    {
      kind: 'density',
      title: 'Density: sleeping sprites one host holds',
      command: `npm run density -- --warm ${warmN} --total ${totalN} --image ${flags.image}`,
      body: [
        `${totalN} ${flags.image} sprites made in ${result.minutes} min (${CONCURRENCY} at a time), each touched once by an exec and put to sleep: the first ${warmN} warm, the rest cold. ` +
          `Targets: ≥ 200 warm and ≥ 1,000 cold still listed and waking.`,
        '',
        '| | measured |',
        '|---|---|',
        `| listed at the end | ${result.listed} (running ${result.counts.running}, warm ${result.counts.warm}, cold ${result.counts.cold})${held ? '' : ' **— not all held**'} |`,
        `| host memory per warm sprite | ${result.warmMiBEach} MiB |`,
        `| host memory per cold sprite | ${result.coldMiBEach ?? '-'} MiB |`,
        `| host available memory: before / all warm made / end | ${result.hostAvailableGiB.before} / ${result.hostAvailableGiB.warm} / ${result.hostAvailableGiB.end} GiB |`,
        `| warm wake → exec done, ${result.warmWakeExecMs.n} of them | p50 ${result.warmWakeExecMs.p50} ms, max ${result.warmWakeExecMs.max} ms |`,
        `| cold wake → exec done, ${result.coldWakeExecMs?.n ?? 0} of them | ${result.coldWakeExecMs === null ? '-' : `p50 ${result.coldWakeExecMs.p50} ms, max ${result.coldWakeExecMs.max} ms`} |`,
      ],
    },
    loadAtStart,
  );
  log('deleting the sprites');
  await inBatches([...names], async (name) => hob.deleteSprite(name));
  names.length = 0;
} finally {
  if (names.length > 0) log(`${names.length} sprites left to the clean-up`);
  await server?.stop().catch(() => undefined);
  cleanupDataDir(dataDir, prefix);
  rmSync(runDir, { recursive: true, force: true });
}
