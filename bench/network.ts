/**
 * The network bench, each figure next to a reference measured in the same run:
 * (i) a GET through a sprite's URL (Host `<name>.localhost`, a Bearer token, Hob's ingress and
 * the sprite's agent) against the same GET straight from the host to the sprite's own
 * address:8080, and through a tunnel opened straight on the sprite's agent socket as the ingress
 * opens it (the URL's path without Hob's server), one kept-alive connection each, taking turns; (j) requests/s over several
 * kept-alive connections, the same two ways; (k) a 256 MiB download from a server beyond the
 * host (origin.ts) by busybox wget: on the host itself, in a sprite through NAT, and in a
 * sprite whose egress policy allows only that server's name. Its sprites are removed by
 * cleanup(), also after a failure.
 */
import { join } from 'node:path';
import type { Agent } from 'node:http';
import type { HobClient } from '../src/client/client.js';
import { HobError } from '../src/shared/errors.js';
import { sh, shStdout } from '../test/helpers/shell.js';
import { AgentTunnelAgent, get, keepAliveAgent, requestsPerSecond, type HttpTarget } from './http-load.js';
import { runLocal } from './exec-clients.js';
import type { Origin } from './origin.js';
import { sampleRoundRobin, summarize, summarizeRates, type RateSummary, type Summary } from './stats.js';

export const EGRESS_MIB = 256;
const EGRESS_BYTES = EGRESS_MIB * 1024 * 1024;
const EGRESS_ROUNDS = 5;
/** Long enough for 256 MiB at a few tens of MB/s; a stuck transfer fails the bench instead of hanging it. */
const EGRESS_TIMEOUT_MS = 30_000;
const URL_WARMUP = 30;
const RATE_CONNECTIONS = 8;
const RATE_ROUND_MS = 2000;
const RATE_ROUNDS = 3;
const RATE_WARMUP_MS = 300;

/** A GET server for port 8080 on every address of the sprite, on the agent's Node (the tiny image has none). */
const WEB_JS = "require('http').createServer((req, res) => { req.resume(); res.end('ok\\n'); }).listen(8080, '0.0.0.0');\n";
const NODE = '/.hob/lib/ld-linux-x86-64.so.2 --library-path /.hob/lib /.hob/bin/node';

export interface NetworkResults {
  urlN: number;
  /** (i) GET through the sprite's URL, one kept-alive connection. */
  urlRequest: Summary;
  /** (i) the same GET from the host straight to the sprite's address:8080. */
  directRequest: Summary;
  /** (i) the same GET on a tunnel through the sprite's agent, opened on its socket: the URL's path without Hob's server. */
  tunnelRequest: Summary;
  connections: number;
  rateRoundMs: number;
  /** (j) requests/s, one sample per round. */
  urlRate: RateSummary;
  directRate: RateSummary;
  egressMiB: number;
  /** (k) MB/s (10^6 bytes a second), one sample per round. */
  egressHost: RateSummary;
  egressNat: RateSummary;
  egressPolicy: RateSummary;
}

export interface NetworkBenchOptions {
  hob: HobClient;
  /** The Hob server's API URL and token (sprite URLs are served on the same address). */
  url: string;
  token: string;
  prefix: string;
  /** The server's data dir, where each sprite's agent socket is. */
  dataDir: string;
  /** The download server; the Hob server resolves its name through it. */
  origin: Origin;
  /** Requests through the URL and straight, each. */
  urlN: number;
  log: (message: string) => void;
}

export class NetworkBench {
  private readonly sprites = new Set<string>();

  constructor(private readonly o: NetworkBenchOptions) {}

  async run(): Promise<NetworkResults> {
    const { hob, prefix, log, origin } = this.o;
    const web = await this.create(`${prefix}-bench-net`);
    const { id, address } = await hob.getSprite(web);
    if (address === null) throw new Error(`sprite ${web} has no address`);
    await this.serveWeb(web);
    const { port, hostname } = new URL(this.o.url);
    const viaUrl: HttpTarget = { host: hostname, port: Number(port), headers: { host: `${web}.localhost:${port}`, authorization: `Bearer ${this.o.token}` } };
    const direct: HttpTarget = { host: address, port: 8080, headers: {} };

    log(`(i) GET through the sprite's URL, straight to ${address}:8080 and on a tunnel from its agent socket, taking turns, ${this.o.urlN} times each`);
    const latency = await this.latency(viaUrl, direct, join(this.o.dataDir, 'sprites', id, 'run', 'agent.sock'));

    log(`(j) requests/s over ${RATE_CONNECTIONS} kept-alive connections, through the URL and straight, ${RATE_ROUNDS} rounds of ${RATE_ROUND_MS} ms each`);
    await requestsPerSecond(viaUrl, RATE_CONNECTIONS, RATE_WARMUP_MS);
    await requestsPerSecond(direct, RATE_CONNECTIONS, RATE_WARMUP_MS);
    const rates = { url: [] as number[], direct: [] as number[] };
    for (let round = 0; round < RATE_ROUNDS; round++) {
      rates.url.push(await requestsPerSecond(viaUrl, RATE_CONNECTIONS, RATE_ROUND_MS));
      rates.direct.push(await requestsPerSecond(direct, RATE_CONNECTIONS, RATE_ROUND_MS));
    }

    log(`(k) ${EGRESS_MIB} MiB from ${origin.name} (${origin.address}): the host, a sprite through NAT, a sprite allowed only that name, ${EGRESS_ROUNDS} rounds`);
    const fenced = await this.create(`${prefix}-bench-pol`);
    await hob.setNetworkPolicy(fenced, { rules: [{ domain: origin.name, action: 'allow' }] });
    const egress = await this.egress(web, fenced);

    await this.cleanup();
    return {
      urlN: this.o.urlN,
      urlRequest: summarize(latency.url),
      directRequest: summarize(latency.direct),
      tunnelRequest: summarize(latency.tunnel),
      connections: RATE_CONNECTIONS,
      rateRoundMs: RATE_ROUND_MS,
      urlRate: summarizeRates(rates.url),
      directRate: summarizeRates(rates.direct),
      egressMiB: EGRESS_MIB,
      egressHost: summarizeRates(egress.host),
      egressNat: summarizeRates(egress.nat),
      egressPolicy: summarizeRates(egress.policy),
    };
  }

  /** Deletes what run() made; sprites that are gone already are skipped. */
  async cleanup(): Promise<void> {
    for (const name of [...this.sprites]) {
      await this.o.hob.deleteSprite(name).catch((error: unknown) => {
        // Gone already, or the server is (an interrupt reaches it too): the data dir's removal takes the rest.
        if (error instanceof HobError && (error.code === 'not_found' || error.code === 'sprite_unavailable')) return;
        this.o.log(`deleting ${name}: ${String(error)}`);
      });
      this.sprites.delete(name);
    }
  }

  private async create(name: string): Promise<string> {
    this.sprites.add(name);
    await this.o.hob.createSprite({ name, image: 'tiny' });
    return name;
  }

  /** Starts WEB_JS detached from the exec (the agent ends a command's process group with it) and waits until it listens. */
  private async serveWeb(name: string): Promise<void> {
    const { hob } = this.o;
    await shStdout(hob, name, 'cat > /web.js', { input: WEB_JS });
    await shStdout(hob, name, `setsid ${NODE} /web.js </dev/null >/web.log 2>&1 &`);
    // A listening socket on 0.0.0.0:8080 (hex, state 0A) in the sprite's own table.
    await shStdout(hob, name, "i=0; until grep -q '00000000:1F90 00000000:0000 0A' /proc/net/tcp; do i=$((i+1)); [ $i -gt 200 ] && { cat /web.log; exit 1; }; sleep 0.05; done");
  }

  /** One kept-alive connection per path; a measured request on a new connection would time a dial, so it fails the run. */
  private async latency(viaUrl: HttpTarget, direct: HttpTarget, agentSocket: string): Promise<{ url: number[]; direct: number[]; tunnel: number[] }> {
    const agents = { url: keepAliveAgent(1), direct: keepAliveAgent(1), tunnel: new AgentTunnelAgent(agentSocket, 8080) };
    // The tunnel's far end is the sprite's loopback; the Host header is only what the server sees.
    const tunnel: HttpTarget = { host: '127.0.0.1', port: 8080, headers: {} };
    const once = async (target: HttpTarget, agent: Agent, i: number, what: string) => {
      const reused = await get(target, agent);
      if (i >= 0 && !reused) throw new Error(`request ${i} ${what} opened a new connection: keep-alive was lost`);
    };
    try {
      return await sampleRoundRobin(this.o.urlN, URL_WARMUP, {
        url: (i) => once(viaUrl, agents.url, i, 'through the URL'),
        direct: (i) => once(direct, agents.direct, i, 'to the sprite\'s address'),
        tunnel: (i) => once(tunnel, agents.tunnel, i, 'on the agent\'s tunnel'),
      });
    } finally {
      for (const agent of Object.values(agents)) agent.destroy();
    }
  }

  /** MB/s of each download, timed by the origin from the request until the client closed. */
  private async egress(open: string, fenced: string): Promise<{ host: number[]; nat: number[]; policy: number[] }> {
    const { hob, origin } = this.o;
    const fetchIn = (sprite: string) => async (id: string, bytes: number) => {
      const result = await sh(hob, sprite, `wget -q -O /dev/null 'http://${origin.name}/bytes?n=${bytes}&id=${id}'`, EGRESS_TIMEOUT_MS);
      if (result.code !== 0) throw new Error(`wget in ${sprite} exited with ${result.code}: ${result.stderr}`);
    };
    const clients = {
      host: async (id: string, bytes: number) => {
        const code = await runLocal('busybox', ['wget', '-q', '-O', '/dev/null', `http://${origin.address}/bytes?n=${bytes}&id=${id}`]);
        if (code !== 0) throw new Error(`busybox wget on the host exited with ${code}`);
      },
      nat: fetchIn(open),
      policy: fetchIn(fenced),
    };
    const out = { host: [] as number[], nat: [] as number[], policy: [] as number[] };
    // A small first download each: name lookups (and, for the policy, the allow set) are not timed.
    for (let round = -1; round < EGRESS_ROUNDS; round++) {
      const bytes = round < 0 ? 1024 * 1024 : EGRESS_BYTES;
      for (const key of ['host', 'nat', 'policy'] as const) {
        const id = `${key}-${round}`;
        await clients[key](id, bytes);
        const transfer = await origin.transfer(id, EGRESS_TIMEOUT_MS);
        if (!transfer.complete || transfer.bytes !== bytes) throw new Error(`download ${id} ended early: ${JSON.stringify(transfer)}`);
        if (round >= 0) out[key].push(bytes / 1e6 / (transfer.ms / 1000));
      }
    }
    return out;
  }
}
