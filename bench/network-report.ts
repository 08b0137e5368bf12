/** The network part of the report: sprite URLs against straight requests, and egress against the host. */
import { EGRESS_MIB, type NetworkResults } from './network.js';
import type { BenchResults } from './report.js';
import { formatMs, formatRate, type RateSummary, type Summary } from './stats.js';

export const NETWORK_TARGETS = {
  /** A GET through a sprite's URL p50, at most this many ms over the same GET straight to the sprite. */
  urlAddedP50Ms: 1,
} as const;

export function networkRows(n: NetworkResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  return [
    {
      section: '(i) GET / of a sprite\'s port 8080, one kept-alive connection',
      rows: [
        { label: 'through its URL (`Host: NAME.localhost`, token)', summary: n.urlRequest },
        { label: 'straight from the host to its address:8080', summary: n.directRequest },
        { label: 'on a tunnel from its agent socket (no Hob server)', summary: n.tunnelRequest },
      ],
    },
  ];
}

export function networkRateRows(n: NetworkResults): { section: string; rows: { label: string; summary: RateSummary }[] }[] {
  return [
    {
      section: `(j) requests/s, ${n.connections} kept-alive connections, ${n.rateRoundMs / 1000} s a round`,
      rows: [
        { label: 'through the sprite\'s URL', summary: n.urlRate },
        { label: 'straight to the sprite\'s address:8080', summary: n.directRate },
      ],
    },
    {
      section: `(k) egress, MB/s: busybox wget of ${n.egressMiB} MiB from beyond the host`,
      rows: [
        { label: 'the host itself (the reference)', summary: n.egressHost },
        { label: 'a sprite, through NAT, no policy', summary: n.egressNat },
        { label: 'a sprite whose policy allows only that name', summary: n.egressPolicy },
      ],
    },
  ];
}

export function networkRatios(n: NetworkResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['GET through the URL ÷ straight, p50', ratio(n.urlRequest.medianMs, n.directRequest.medianMs)],
    ['GET through the URL ÷ straight, p95', ratio(n.urlRequest.p95Ms, n.directRequest.p95Ms)],
    ['GET through the URL ÷ the agent\'s tunnel alone, p50', ratio(n.urlRequest.medianMs, n.tunnelRequest.medianMs)],
    ['requests/s through the URL ÷ straight', ratio(n.urlRate.median, n.directRate.median)],
    ['egress MB/s, sprite through NAT ÷ host', ratio(n.egressNat.median, n.egressHost.median)],
    ['egress MB/s, sprite with a policy ÷ host', ratio(n.egressPolicy.median, n.egressHost.median)],
  ];
}

export function networkTargets(n: NetworkResults): { what: string; target: string; measured: string; met: boolean }[] {
  const added = n.urlRequest.medianMs - n.directRequest.medianMs;
  return [
    {
      what: 'GET through a sprite URL p50 − straight p50',
      target: `≤ ${NETWORK_TARGETS.urlAddedP50Ms} ms`,
      measured: `${formatMs(added)} ms`,
      met: added <= NETWORK_TARGETS.urlAddedP50Ms,
    },
  ];
}

export function networkMethod(n: NetworkResults): string[] {
  return [
    '- **(i)–(k)** run on the server of (a) cold (no warm pool), started with `--dns-upstream` pointing at the origin of (k), ' +
      'on sprites of their own (image `tiny`). A Node HTTP server on the agent\'s Node answers `GET /` with `ok` on 0.0.0.0:8080 ' +
      'in one sprite.',
    `- **(i)** ${n.urlN} GETs each way, taking turns, after 30 untimed ones each, every one on the same kept-alive connection ` +
      '(node:http Agent, one socket; a measured request on a new connection fails the run): through the sprite\'s URL, i.e. to ' +
      'the server\'s own address and port with `Host: <name>.localhost:<port>` and `Authorization: Bearer <token>`, and straight ' +
      'from the host to the sprite\'s address (the sprite\'s end of its link, as `hob info` shows it), port 8080; and on a tunnel ' +
      'the bench opens itself on the sprite\'s agent socket with the `/tcp` upgrade to 127.0.0.1:8080, as the ingress opens its ' +
      'tunnels: the URL\'s path without Hob\'s server. Timed from the request until the body has been read.',
    `- **(j)** ${n.connections} kept-alive connections (node:http Agent), each sending its next GET as soon as the previous ` +
      `answer has been read, for ${n.rateRoundMs / 1000} s; the two ways take turns, ${n.urlRate.n} rounds each, after a ` +
      'short untimed round each. Client, Hob, the agent and the sprite\'s server share the machine\'s CPUs.',
    `- **(k)** a server beyond the host (bench/origin.ts: its own network namespace behind a veth, at an address of ` +
      '203.0.113.0/24, with a DNS server for one name) streams a generated body of ' +
      `${EGRESS_MIB} MiB to \`busybox wget -q -O /dev/null\`, run on the host (the same busybox version as the sprite's), ` +
      'in a sprite with no policy (through the link and NAT), and in a sprite whose policy is `{"rules":[{"domain":"<that name>",' +
      '"action":"allow"}]}`; the sprites fetch it by name on port 80. The origin times each download from the request until ' +
      'the client, having read every byte, closes its end (it never closes first), so exec, DNS and the dial are not counted. ' +
      `MB/s are 10^6 bytes a second. The three take turns, ${n.egressHost.n} rounds, after an untimed 1 MiB round.`,
  ];
}

export function networkAnalysis(r: BenchResults): string[] {
  const n = r.network;
  const m = (s: Summary): string => `${formatMs(s.medianMs)} ms`;
  const rate = (s: RateSummary): string => formatRate(s.median);
  const [target] = networkTargets(n);
  return [
    `**Sprite URLs** (GET p50 ${m(n.urlRequest)} through the URL, ${m(n.directRequest)} straight: ${target?.measured ?? ''} added, ` +
      `target ${target?.target ?? ''}: ${target?.met ? 'met' : 'not met'}; p95 ${formatMs(n.urlRequest.p95Ms)} ms against ${formatMs(n.directRequest.p95Ms)} ms). ` +
      'A request to the URL is parsed by Hob\'s server, matched by its Host, admitted by its token (SHA-256 and a SQLite lookup), and ' +
      'written again onto a kept-alive tunnel: a TCP connection to 127.0.0.1:8080 that the sprite\'s agent dialled and whose bytes it ' +
      'relays over its unix socket. So each request crosses two more processes (Hob, the agent) and their sockets, each way; a straight ' +
      `request crosses only the veth. The agent's tunnel alone answers in ${m(n.tunnelRequest)}, so of the ` +
      `${formatMs(n.urlRequest.medianMs - n.directRequest.medianMs)} ms added, about ${formatMs(n.tunnelRequest.medianMs - n.directRequest.medianMs)} ms ` +
      `is the agent's relay and ${formatMs(n.urlRequest.medianMs - n.tunnelRequest.medianMs)} ms Hob's server (parsing, admission, a second ` +
      'HTTP request on the tunnel, piping the answer back). ' +
      `With ${n.connections} connections the URL serves ${rate(n.urlRate)} requests/s against ` +
      `${rate(n.directRate)} straight: Hob's server and the agent do per-request work on the same ${r.facts.nproc} CPUs as the client, ` +
      'and the agent shares the sprite\'s CPU limit with the server it relays to.',
    `**Egress** (${EGRESS_MIB} MiB by busybox wget: the host ${rate(n.egressHost)} MB/s, a sprite through NAT ${rate(n.egressNat)} MB/s, ` +
      `a sprite allowed only the origin's name ${rate(n.egressPolicy)} MB/s). A sprite's packets cross its veth, the forward chain of ` +
      'Hob\'s nftables table (a few set lookups) and the masquerade rule; with a policy, a new connection must also go to an address ' +
      'an allowed name resolved to, and on HTTP and TLS ports the name it carries is checked, so the last row includes whatever that ' +
      'costs on port 80. wget in a sprite runs under the sprite\'s CPU limit. Between rounds the figures vary by tens of per cent here (see min and max), ' +
      'so small differences between the rows are noise.',
  ];
}
