/** The CLI part of the report: whole-process timings of `hob` next to `node -e 0`. */
import type { CliResults } from './cli.js';
import type { BenchResults } from './report.js';
import { formatMs, type Summary } from './stats.js';

export const CLI_TARGETS = {
  /** `hob --version` p50 at most this many times `node -e 0` p50. */
  versionOverNodeRatio: 1.5,
  /** `hob exec -- true` p50 at most this many ms over `node -e 0` p50. */
  execOverNodeMs: 20,
} as const;

export function cliRows(c: CliResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  return [
    {
      section: '(h) the `hob` CLI as whole processes, spawn → exit',
      rows: [
        { label: '`node -e 0` (the floor)', summary: c.nodeBare },
        { label: '`hob --version`', summary: c.version },
        { label: '  without the compile cache', summary: c.versionNoCache },
        { label: '`hob exec -s NAME -- true`', summary: c.exec },
        { label: '  without the compile cache', summary: c.execNoCache },
        { label: '`hob ls --prefix NAME` (one API request)', summary: c.list },
      ],
    },
  ];
}

export function cliRatios(c: CliResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['`hob --version` ÷ `node -e 0`', ratio(c.version.medianMs, c.nodeBare.medianMs)],
    ['`hob exec -- true` ÷ `node -e 0`', ratio(c.exec.medianMs, c.nodeBare.medianMs)],
  ];
}

export function cliTargets(c: CliResults): { what: string; target: string; measured: string; met: boolean }[] {
  const versionRatio = c.version.medianMs / c.nodeBare.medianMs;
  const execOver = c.exec.medianMs - c.nodeBare.medianMs;
  return [
    {
      what: '`hob --version` p50 ÷ `node -e 0` p50',
      target: `≤ ${CLI_TARGETS.versionOverNodeRatio}×`,
      measured: `${versionRatio.toFixed(2)}×`,
      met: versionRatio <= CLI_TARGETS.versionOverNodeRatio,
    },
    {
      what: '`hob exec -- true` p50 − `node -e 0` p50',
      target: `≤ ${CLI_TARGETS.execOverNodeMs} ms`,
      measured: `${formatMs(execOver)} ms`,
      met: execOver <= CLI_TARGETS.execOverNodeMs,
    },
  ];
}

export function cliMethod(c: CliResults): string[] {
  return [
    `- **(h)** whole processes, ${c.n} runs each, taking turns, timed from \`spawn\` to the \`exit\` event with stdio ignored: ` +
      '`node -e 0`; `hob --version`; `hob exec -s NAME -- true` on the running sprite of (b); and `hob ls --prefix NAME`, ' +
      'with `HOB_URL` and `HOB_TOKEN` set. hob runs as `node dist/hob.js` with the node binary of the reference (a shell would add ' +
      '`/usr/bin/env` in front). Its compile cache starts empty in a directory of the bench\'s own and is filled by ' +
      'three untimed warm-up rounds; the rows "without the compile cache" set `HOB_COMPILE_CACHE=0`.',
  ];
}

export function cliAnalysis(r: BenchResults): string {
  const c = r.cli;
  const m = (s: Summary): string => `${formatMs(s.medianMs)} ms`;
  const [version, exec] = cliTargets(c);
  const verdict = (t: { target: string; met: boolean } | undefined): string => `target ${t?.target ?? ''}: ${t?.met ? 'met' : 'not met'}`;
  return (
    `**CLI start-up** (\`hob --version\` p50 ${m(c.version)}, ${version?.measured ?? ''} \`node -e 0\`'s ${m(c.nodeBare)}, ${verdict(version)}; ` +
    `\`hob exec -- true\` p50 ${m(c.exec)}, \`node -e 0\` + ${exec?.measured ?? ''}, ${verdict(exec)}). ` +
    'Most of it is Node\'s own start-up. `dist/hob.js` is a small launcher that runs a CLI bundle from V8\'s code cache, one ' +
    'entry per command, written after that command first ran (Node 20 has no compile cache of its own); without it ' +
    `\`--version\` takes ${m(c.versionNoCache)} and the exec ${m(c.execNoCache)}. The bundles are CommonJS with commander ` +
    'inside, so a command resolves no packages, and without the server, a bundle of its own that only `hob serve` imports. ' +
    'Loading a code cache costs in proportion to the whole script, however little of it a command runs, so `hob exec` and ' +
    '`hob console` run from a bundle of their own, `dist/cli-exec.js`, a sixth of the whole CLI. In either, a command\'s ' +
    'module is loaded only when the command line names it (`--version` loads none), the API\'s schemas only with the ' +
    'first answer to check, and commander\'s node:child_process never. The exec speaks WebSocket on node:net itself rather ' +
    'than through `ws` (which pulls in http, https, tls and zlib), without node:crypto (its key and masks come from ' +
    '/dev/urandom, its handshake check is a SHA-1 of its own): it sends the upgrade as soon as the connection is up, sets ' +
    'up stdin while the server answers, and once the exit status has come it sends its close frame and exits without ' +
    'waiting for the server\'s. API requests go through node:http rather than fetch (whose first call in a Node 20 process ' +
    `costs about 100 ms of CPU). Of the exec's ${exec?.measured ?? ''} over \`node -e 0\`, the exec itself takes ` +
    `${m(r.rawExec)} through the server from a warm client (in (b)); the rest, about ` +
    `${formatMs(c.exec.medianMs - c.nodeBare.medianMs - r.rawExec.medianMs)} ms, is the CLI: the launcher and its cache, ` +
    'commander, node:net, the connection, stdin and the frames, all on code that runs once, cold.'
  );
}
