/** The services part of the report: a service started until it serves, and what an idle one costs its agent. */
import { formatMs, type Summary } from './stats.js';
import type { IdleAgent, ServicesResults } from './services.js';

export const SERVICES_TARGETS = {
  /** Service start → serving p50 at most this much over the same server started by an exec. */
  startOverExecMs: 50,
  /** Agent wake-ups per minute an idle service may add (the supervisor keeps no timers). */
  idleWakeupsPerMinute: 5,
} as const;

export function servicesRows(s: ServicesResults): { section: string; rows: { label: string; summary: Summary }[] }[] {
  return [
    {
      section: '(s) service start → serving, busybox httpd, through the sprite URL',
      rows: [
        { label: 'createService (http_port) → first 200', summary: s.serviceToServing },
        { label: '  of which the create request (duration 0)', summary: s.createRequest },
        { label: 'exec of the same server → first 200 (reference)', summary: s.execToServing },
      ],
    },
  ];
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const perMinute = (agent: IdleAgent): string => agent.wakeupsPerMinute.toFixed(1);

export function servicesValueRows(s: ServicesResults): { section: string; rows: [string, string][] } {
  return {
    section: `(t) an idle sprite's agent over ${s.idleSeconds} s`,
    rows: [
      ['no service: resident memory', mib(s.agentAlone.rssBytes)],
      ['no service: wake-ups (context switches) per minute', perMinute(s.agentAlone)],
      ['one idle service: resident memory', mib(s.agentWithService.rssBytes)],
      ['one idle service: wake-ups per minute', perMinute(s.agentWithService)],
    ],
  };
}

export function servicesRatios(s: ServicesResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [['service start → serving ÷ exec → serving', ratio(s.serviceToServing.medianMs, s.execToServing.medianMs)]];
}

export function servicesTargets(s: ServicesResults): { what: string; target: string; measured: string; met: boolean }[] {
  const over = s.serviceToServing.medianMs - s.execToServing.medianMs;
  const added = s.agentWithService.wakeupsPerMinute - s.agentAlone.wakeupsPerMinute;
  return [
    {
      what: 'service start → serving p50 − exec → serving p50',
      target: `≤ ${SERVICES_TARGETS.startOverExecMs} ms`,
      measured: `${formatMs(over)} ms`,
      met: over <= SERVICES_TARGETS.startOverExecMs,
    },
    {
      what: 'agent wake-ups per minute an idle service adds',
      target: `≤ ${SERVICES_TARGETS.idleWakeupsPerMinute}`,
      measured: added.toFixed(1),
      met: added <= SERVICES_TARGETS.idleWakeupsPerMinute,
    },
  ];
}

export function servicesMethod(s: ServicesResults): string[] {
  return [
    `- **(s)** on one running tiny sprite, ${s.n} rounds, taking turns: \`busybox httpd -f -p 8080\` started by an exec in the ` +
      'background (`setsid … &`), timed until a GET of `/index.html` through the sprite URL answers 200, polling every 10 ms while ' +
      'the URL answers 502 (nothing listens yet); then the same server as a service with `http_port: 8080`, timed from the ' +
      '`PUT …/services/web?duration=0` request until the same GET answers 200. The server is killed (exec) or the service deleted ' +
      'after each, untimed. The service\'s GET is one request: the agent holds the dial to a service\'s http_port while it starts.',
    `- **(t)** the same sprite, left alone for ${s.idleSeconds} s with no service and then ${s.idleSeconds} s with one idle service ` +
      '(the same httpd, no requests), 20 s after the last request each time: the agent\'s `VmRSS` at the end, and the sum of ' +
      '`voluntary_ctxt_switches` and `nonvoluntary_ctxt_switches` over all its threads (`/proc/<pid>/task/*/status`), per minute.',
  ];
}

export function servicesAnalysis(s: ServicesResults): string[] {
  const m = (x: Summary): string => `${formatMs(x.medianMs)} ms`;
  const [start, idle] = servicesTargets(s);
  const verdict = (t: { target: string; met: boolean } | undefined): string => `target ${t?.target ?? ''}: ${t?.met ? 'met' : 'not met'}`;
  return [
    `**Services** (start → serving p50 ${m(s.serviceToServing)} against ${m(s.execToServing)} for the same server started by an exec, ` +
      `${verdict(start)}). The create request itself takes ${m(s.createRequest)}: the server checks it, the agent checks it again, ` +
      'saves the definition (a write and a rename in the sprite\'s root), spawns the service with its output piped into its logs, and ' +
      'the stream ends at once with `duration=0`. The URL then waits in the agent, which redials the port every 10 ms while the ' +
      'service has just started, instead of answering 502. ' +
      `An idle service adds ${idle?.measured ?? ''} wake-ups per minute to its agent (${verdict(idle)}; ` +
      `${perMinute(s.agentAlone)} without it, ${perMinute(s.agentWithService)} with it): the supervisor keeps a timer only while a ` +
      'restart is due or a stop waits, and reads the service\'s pipes only when it writes. Its agent holds ' +
      `${mib(s.agentWithService.rssBytes)} against ${mib(s.agentAlone.rssBytes)} without the service.`,
  ];
}
