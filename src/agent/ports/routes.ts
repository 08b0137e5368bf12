import { WebSocketServer, type WebSocket } from 'ws';
import { errorText, type Log } from '../log.js';
import type { AgentRoutes } from '../routes.js';
import { PortScanner } from './scan.js';
import { PortWatcher, snapshotMessage } from './watcher.js';

/** How often the sprite's ports are looked at while someone watches them. */
export const PORTS_POLL_MS = 1000;
/** Watchers send nothing; anything bigger than this is not a watcher. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;

/** `WS /ports/watch`: a `port_list` snapshot, then `port_opened` / `port_closed` as text frames. */
export function portsRoutes(deps: { log: Log; watcher?: PortWatcher }): AgentRoutes {
  const { log } = deps;
  const scanner = new PortScanner({ excludePid: process.pid });
  const watcher = deps.watcher ?? new PortWatcher(() => scanner.scan(), PORTS_POLL_MS, (error) => log('ports_scan_error', { error: errorText(error) }));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  return {
    upgrade: {
      '/ports/watch': (req, _url, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => void serveWatch(ws, watcher, log));
      },
    },
  };
}

async function serveWatch(ws: WebSocket, watcher: PortWatcher, log: Log): Promise<void> {
  let stop: (() => void) | undefined;
  ws.on('error', () => ws.terminate());
  ws.on('close', () => stop?.());
  try {
    stop = await watcher.subscribe({
      snapshot: (ports) => ws.send(JSON.stringify(snapshotMessage(ports))),
      event: (change) => ws.send(JSON.stringify(change)),
    });
  } catch (error) {
    log('ports_watch_error', { error: errorText(error) });
    ws.close(1011);
    return;
  }
  // The watcher left during the first look: its close came before there was anything to stop.
  if (ws.readyState === ws.CLOSED) stop();
}
