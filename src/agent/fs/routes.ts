import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { HobError } from '../../shared/errors.js';
import { FS_AGENT_ROUTES, FS_WATCH_AGENT_PATH, parseFsRequest, type FsOp, type FsRequest } from '../../shared/fs-request.js';
import { lookUpAccount, type Account } from '../exec/account.js';
import { errorText, type Log } from '../log.js';
import { refuseUpgrade, sendError, sendJson, type AgentRoutes, type HttpHandler } from '../routes.js';
import type { FsHead, FsIo } from './io.js';
import { runAs } from './runner.js';
import { parseSubscribe } from './watch/subscribe.js';

/** A subscribe frame is small; anything larger is not one. */
const MAX_WATCH_CLIENT_MESSAGE_BYTES = 256 * 1024;

function accountOf(user: string): Account {
  const account = lookUpAccount(user);
  if (account === undefined) throw new HobError('bad_request', `this sprite has no user ${JSON.stringify(user)} in its /etc/passwd`);
  return account;
}

function asHobError(error: unknown): HobError {
  return error instanceof HobError ? error : new HobError('internal', errorText(error));
}

/** Aborts once the server has gone away before the answer was complete. */
function abandonedSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  req.once('close', () => {
    if (!req.complete) controller.abort();
  });
  return controller.signal;
}

function headers(head: FsHead): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (head.sizeBytes !== undefined) out['content-length'] = String(head.sizeBytes);
  if (head.totalBytes !== undefined) out['x-hob-total-bytes'] = String(head.totalBytes);
  return out;
}

/**
 * Answers a failure: as JSON while nothing was sent, else by cutting the response, so a
 * stream never ends as if it were whole. An upload refused before its end is answered at
 * once and the rest is dropped as it comes: closing the connection instead could reset it
 * before the server had read the answer. The server hangs up once it has the answer.
 */
function fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(res, asHobError(error));
  if (!req.complete) req.resume();
}

function handler(op: FsOp, log: Log): HttpHandler {
  const streamsOut = op === 'read' || op === 'pack';
  const streamsIn = op === 'write' || op === 'unpack';
  return (req, res) => {
    let request: FsRequest;
    let account: Account;
    try {
      request = parseFsRequest(op, new URL(`http://agent${req.url ?? '/'}`).searchParams);
      account = accountOf(request.user);
    } catch (error) {
      fail(req, res, error);
      return;
    }
    const io: FsIo = {
      signal: abandonedSignal(req, res),
      ...(streamsIn ? { input: req } : {}),
      ...(streamsOut ? { output: res, head: (head: FsHead) => void res.writeHead(200, headers(head)) } : {}),
    };
    // Nothing is read from the body of an operation that takes none.
    if (!streamsIn) req.resume();
    runAs(account, request, io).then(
      (result) => {
        if (streamsOut) res.end();
        else sendJson(res, 200, result);
      },
      (error: unknown) => {
        const hobError = asHobError(error);
        if (hobError.code === 'internal') log('fs_error', { op, error: hobError.message });
        fail(req, res, hobError);
      },
    );
  };
}

/**
 * The filesystem API inside the sprite: one route per operation (the API's paths, under /fs),
 * each done as the account the server names in `user`, and `WS /fs/watch`.
 */
export function fsRoutes(deps: { log: Log }): AgentRoutes {
  const http: Record<string, HttpHandler> = {};
  for (const [op, route] of Object.entries(FS_AGENT_ROUTES) as [FsOp, (typeof FS_AGENT_ROUTES)[FsOp]][]) { // the keys of a Record keyed by FsOp
    http[`${route.method} ${route.path}`] = handler(op, deps.log);
  }
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WATCH_CLIENT_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  return {
    http,
    upgrade: {
      [FS_WATCH_AGENT_PATH]: (req, url, socket, head) => {
        let account: Account;
        try {
          account = accountOf(url.searchParams.get('user') ?? '');
        } catch (error) {
          refuseUpgrade(socket, asHobError(error));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => serveWatch(ws, account, deps.log));
      },
    },
  };
}

/** One watch: the first text frame subscribes; messages go out as text frames until either side closes. */
function serveWatch(ws: WebSocket, account: Account, log: Log): void {
  const stop = new AbortController();
  const send = (message: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  ws.on('error', () => ws.terminate());
  ws.on('close', () => stop.abort());
  ws.once('message', (data: Buffer, isBinary: boolean) => {
    let request;
    try {
      request = parseSubscribe(isBinary ? '' : data.toString());
    } catch (error) {
      send({ type: 'error', message: errorText(error) });
      ws.close(1008);
      return;
    }
    runAs(account, request, { signal: stop.signal, message: send }).catch((error: unknown) => {
      if (stop.signal.aborted) return;
      log('fs_watch_error', { error: errorText(error) });
      send({ type: 'error', message: errorText(error) });
      ws.close(1011);
    });
  });
}
