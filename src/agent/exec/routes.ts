import { WebSocketServer } from 'ws';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import type { AgentConfig } from '../config.js';
import { errorText, type Log } from '../log.js';
import { refuseUpgrade, type AgentRoutes } from '../routes.js';
import type { RunningCommand } from './command.js';
import { serveExec } from './session.js';

/** `WS /exec`: one command per connection, with pipes or a PTY. */
export function execRoutes(deps: { config: AgentConfig; log: Log; running: Set<RunningCommand> }): AgentRoutes {
  const { config, log, running } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  return {
    upgrade: {
      '/exec': (req, url, socket, head) => {
        let execReq: ExecRequest;
        try {
          execReq = parseExecQuery(url.searchParams);
        } catch (err) {
          refuseUpgrade(socket, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          try {
            serveExec(ws, execReq, { config, log, running });
          } catch (err) {
            log('exec_error', { error: errorText(err) });
            ws.close(1011);
          }
        });
      },
    },
  };
}
