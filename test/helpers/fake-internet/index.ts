import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freeSlash30 } from './subnet.js';

/** Where the banner listens on every address of the fake internet. */
export const BANNER_PORT = 9099;

/**
 * A "fake internet" on this machine: a network namespace behind a veth to the host, holding a
 * public-looking address from a documentation range (DNS, HTTP and a TCP banner listen there)
 * and addresses from every fenced range (private, CGNAT, link-local), each routed from the host
 * to it. A sprite that escaped a fence would reach these, never anything off this machine.
 */
export interface FakeInternet {
  /** Where the DNS and HTTP servers listen (a documentation address). */
  address: string;
  /** The host end of the link (where NAT'd sprite traffic appears to come from). */
  hostAddress: string;
  /** Fenced addresses bound inside, by what they stand for. */
  fenced: Record<string, string>;
  banner: string;
  close(): void;
}

const SERVERS = join(import.meta.dirname, 'servers.ts');

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' });
}

/** `fencedNames` maps further names to the fenced address they answer with (a key of `fenced`, or `host` for the host end of the link). */
export async function startFakeInternet(names: string[], fencedNames: Record<string, string> = {}): Promise<FakeInternet> {
  const tag = randomBytes(3).toString('hex');
  const netns = `fakenet-${tag}`;
  const hostIf = `fkn${tag}`;
  const base = freeSlash30('198.51.100');
  const hostAddress = `198.51.100.${base + 1}`;
  const address = `198.51.100.${base + 2}`;
  const octet = () => randomInt(1, 254);
  const fenced: Record<string, string> = {
    rfc1918_10: `10.${octet()}.${octet()}.${octet()}`,
    rfc1918_172: `172.${randomInt(16, 32)}.${octet()}.${octet()}`,
    rfc1918_192: `192.168.${octet()}.${octet()}`,
    cgnat: `100.${randomInt(64, 128)}.${octet()}.${octet()}`,
    metadata: run('ip', ['route', 'show', '169.254.169.254']).trim() === '' ? '169.254.169.254' : `169.254.${octet()}.${octet()}`,
  };
  const banner = `FAKENET${randomBytes(6).toString('hex')}`;
  const routes: string[] = [];
  let servers: ChildProcess | undefined;
  const certDir = mkdtempSync(join(tmpdir(), 'hobtest-fakenet-'));
  const close = () => {
    servers?.kill('SIGKILL');
    rmSync(certDir, { recursive: true, force: true });
    // Each step may find its piece gone already (a set-up that failed half-way).
    for (const target of routes) spawnSync('ip', ['route', 'del', `${target}/32`], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  };
  try {
    run('ip', ['netns', 'add', netns]);
    run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
    run('ip', ['link', 'set', hostIf, 'up']);
    run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', netns, 'addr', 'add', `${address}/30`, 'dev', 'eth0']);
    run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    for (const target of Object.values(fenced)) {
      run('ip', ['-n', netns, 'addr', 'add', `${target}/32`, 'dev', 'lo']);
      run('ip', ['route', 'add', `${target}/32`, 'via', address, 'dev', hostIf]);
      routes.push(target);
    }
    const records = { ...Object.fromEntries(names.map((name) => [name, address])), ...Object.fromEntries(Object.entries(fencedNames).map(([name, key]) => [name, key === 'host' ? hostAddress : (fenced[key] ?? '')])) };
    const [cert, key] = [join(certDir, 'cert.pem'), join(certDir, 'key.pem')];
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=fake.test', '-keyout', key, '-out', cert]);
    const started = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', SERVERS, address, JSON.stringify(records), banner, String(BANNER_PORT), cert, key], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers = started;
    await new Promise<void>((resolve, reject) => {
      started.once('exit', (code) => reject(new Error(`fake internet servers exited with ${code ?? 'a signal'}`)));
      createInterface({ input: started.stdout }).on('line', (line) => {
        if (line === 'ready') resolve();
      });
    });
  } catch (error) {
    close();
    throw error;
  }
  return { address, hostAddress, fenced, banner, close };
}
