import { WebSocketServer } from 'ws';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import type { AgentConfig } from '../config.js';
import { errorText, type Log } from '../log.js';
import { refuseUpgrade, type AgentRoutes } from '../routes.js';
import { lookUpAccount, type Account } from './account.js';
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
        let account: Account;
        try {
          execReq = parseExecQuery(url.searchParams);
          const found = lookUpAccount(execReq.user);
          if (found === undefined) throw new HobError('bad_request', `this sprite has no user ${JSON.stringify(execReq.user)} in its /etc/passwd; pass user=root to run as root`);
          account = found;
        } catch (err) {
          refuseUpgrade(socket, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          try {
            serveExec(ws, execReq, account, { config, log, running });
          } catch (err) {
            log('exec_error', { error: errorText(err) });
            ws.close(1011);
          }
        });
      },
    },
  };
}
