/**
 * The egress bench's "internet": a network namespace of its own behind a veth to the host, at a
 * free /30 of a documentation range (203.0.113.0/24, which sprites may reach), running
 * origin-server.ts. Sprites are fenced off every address of the host itself, so the server
 * they download from must live here; the Hob server under test resolves through its DNS
 * (`--dns-upstream`). The test suite's fake internet serves only short answers on port 80,
 * hence this one.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freeSlash30 } from '../test/helpers/fake-internet/subnet.js';

export interface Transfer {
  id: string;
  bytes: number;
  /** The client read every byte before it closed. */
  complete: boolean;
  /** From the request to the client's close, as the origin saw it. */
  ms: number;
}

export interface Origin {
  /** Where its DNS (UDP 53) and HTTP (port 80) servers listen. */
  address: string;
  /** The one name its DNS answers, with `address`. */
  name: string;
  /** The transfer with this id, once the client has closed (fails after `timeoutMs`). */
  transfer(id: string, timeoutMs: number): Promise<Transfer>;
  close(): void;
}

const SERVER = join(import.meta.dirname, 'origin-server.ts');

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

export async function startOrigin(name: string): Promise<Origin> {
  const tag = randomBytes(3).toString('hex');
  const netns = `hobbench-${tag}`;
  const hostIf = `hbo${tag}`;
  const base = freeSlash30('203.0.113');
  const address = `203.0.113.${base + 2}`;
  const reports = new Map<string, Transfer>();
  const waiting = new Map<string, (transfer: Transfer) => void>();
  let server: ChildProcess | undefined;
  const close = () => {
    server?.kill('SIGKILL');
    // Each step may find its piece gone already (a set-up that failed half-way).
    spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  };
  try {
    run('ip', ['netns', 'add', netns]);
    run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    run('ip', ['addr', 'add', `203.0.113.${base + 1}/30`, 'dev', hostIf]);
    run('ip', ['link', 'set', hostIf, 'up']);
    run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', netns, 'addr', 'add', `${address}/30`, 'dev', 'eth0']);
    run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    const started = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', SERVER, address, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    server = started;
    await new Promise<void>((resolve, reject) => {
      started.once('exit', (code) => reject(new Error(`the origin server exited with ${code ?? 'a signal'}`)));
      createInterface({ input: started.stdout }).on('line', (line) => {
        if (line === 'ready') {
          resolve();
          return;
        }
        const transfer = JSON.parse(line) as Transfer; // written by origin-server.ts
        const resolveWaiter = waiting.get(transfer.id);
        if (resolveWaiter === undefined) reports.set(transfer.id, transfer);
        else resolveWaiter(transfer);
      });
    });
  } catch (error) {
    close();
    throw error;
  }
  const transfer = (id: string, timeoutMs: number): Promise<Transfer> => {
    const reported = reports.get(id);
    if (reported !== undefined) return Promise.resolve(reported);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the origin saw no end of transfer ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, (done) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(done);
      });
    });
  };
  return { address, name, transfer, close };
}
