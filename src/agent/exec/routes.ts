import type { ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { normalizeSignal } from '../../shared/control-messages.js';
import { HobError } from '../../shared/errors.js';
import { isSession, parseExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import type { SessionListResponse } from '../../shared/protocol.js';
import { DEFAULT_KILL_TIMEOUT_MS, MAX_LIVE_SESSIONS } from '../../shared/session-limits.js';
import type { AgentConfig } from '../config.js';
import { errorText, type Log } from '../log.js';
import { refuseUpgrade, sendError, sendJson, type AgentRoutes } from '../routes.js';
import { lookUpAccount, type Account } from './account.js';
import type { RunningCommand } from './command.js';
import type { ExecSession } from './exec-session.js';
import { killSession } from './kill.js';
import { SessionRegistry } from './session-registry.js';
import { startExec } from './start.js';

/** The longest a kill may wait for its signal to work, as a timer can (about 24.8 days). */
const MAX_KILL_TIMEOUT_MS = 2_147_483_647;

function queryOf(url: string | undefined): URLSearchParams {
  return new URL(`http://agent${url ?? '/'}`).searchParams;
}

/** A session that can still be signalled, or the error that says why not (unknown: 404; ended: 410, as on Sprites). */
function runningSession(sessions: SessionRegistry, id: string | null): { session: ExecSession; pgid: number } {
  const session = id === null ? undefined : sessions.get(id);
  if (session === undefined) throw new HobError('not_found', `session ${JSON.stringify(id ?? '')} not found`);
  const pgid = session.pgid;
  if (session.finished || pgid === undefined) throw new HobError('gone', `session ${session.id ?? ''} has already ended (exit code ${String(session.toJson().exit_code)})`);
  return { session, pgid };
}

function killParameters(params: URLSearchParams): { signal: NodeJS.Signals; timeoutMs: number } {
  const rawSignal = params.get('signal');
  const signal = rawSignal === null || rawSignal === '' ? 'SIGTERM' : normalizeSignal(rawSignal);
  if (signal === undefined) throw new HobError('bad_request', `unknown signal ${JSON.stringify((rawSignal ?? '').slice(0, 32))}`);
  const rawTimeout = params.get('timeout_ms');
  const timeoutMs = rawTimeout === null || rawTimeout === '' ? DEFAULT_KILL_TIMEOUT_MS : Number(rawTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_KILL_TIMEOUT_MS) throw new HobError('bad_request', `timeout_ms must be a whole number of milliseconds, got ${JSON.stringify(rawTimeout)}`);
  return { signal, timeoutMs };
}

function streamKill(res: ServerResponse, session: ExecSession, pgid: number, params: { signal: NodeJS.Signals; timeoutMs: number }): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  void killSession(session, pgid, params.signal, params.timeoutMs, (event) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(event)}\n`);
  }).finally(() => res.end());
}

/**
 * `WS /exec`: one command per connection, with pipes or a PTY; TTY and detachable ones are
 * kept as sessions. `GET /sessions` lists them, `WS /sessions/attach?id=` attaches to one, and
 * `POST /sessions/kill?id=&signal=&timeout_ms=` ends one, reporting its steps as NDJSON.
 */
export function execRoutes(deps: { config: AgentConfig; log: Log; running: Set<RunningCommand> }): AgentRoutes {
  const { config, log, running } = deps;
  const sessions = new SessionRegistry();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  return {
    http: {
      'GET /sessions': (_req, res) => {
        const list = sessions.list();
        const body: SessionListResponse = { sessions: list, count: list.length };
        sendJson(res, 200, body);
      },
      'POST /sessions/kill': (req, res) => {
        req.resume();
        let target: { session: ExecSession; pgid: number };
        let params: { signal: NodeJS.Signals; timeoutMs: number };
        try {
          const query = queryOf(req.url);
          params = killParameters(query);
          target = runningSession(sessions, query.get('id'));
        } catch (err) {
          sendError(res, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
          return;
        }
        log('session_kill', { session: target.session.id, signal: params.signal, timeout_ms: params.timeoutMs });
        streamKill(res, target.session, target.pgid, params);
      },
    },
    upgrade: {
      '/exec': (req, url, socket, head) => {
        let execReq: ExecRequest;
        let account: Account;
        try {
          execReq = parseExecQuery(url.searchParams);
          const found = lookUpAccount(execReq.user);
          if (found === undefined) throw new HobError('bad_request', `this sprite has no user ${JSON.stringify(execReq.user)} in its /etc/passwd; pass user=root to run as root`);
          account = found;
          if (isSession(execReq) && sessions.full) throw new HobError('conflict', `this sprite already runs ${MAX_LIVE_SESSIONS} sessions; end some (hob sessions kill ID) first`);
        } catch (err) {
          refuseUpgrade(socket, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          try {
            startExec(ws, execReq, account, { config, log, running, sessions });
          } catch (err) {
            log('exec_error', { error: errorText(err) });
            ws.close(1011);
          }
        });
      },
      '/sessions/attach': (req, url, socket, head) => {
        const id = url.searchParams.get('id') ?? '';
        const session = sessions.get(id);
        if (session === undefined) {
          refuseUpgrade(socket, new HobError('not_found', `session ${JSON.stringify(id)} not found`));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          try {
            session.attach(ws);
          } catch (err) {
            log('exec_error', { session: id, error: errorText(err) });
            ws.close(1011);
          }
        });
      },
    },
  };
}
