import type { Command } from 'commander';
import { createServer, type Server, type Socket } from 'node:net';
import type WebSocket from 'ws';
import type { HobClient } from '../../../client/client.js';
import { HobError } from '../../../shared/errors.js';
import type { CliContext } from '../../context.js';
import { selectedSprite } from '../checkpoint/shared.js';
import { parseMapping, type PortMapping } from './mappings.js';

/** Listens on 127.0.0.1:<local>; a busy port is one clear line, not a stack. */
function listen(mapping: PortMapping): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new HobError('conflict', `local port ${mapping.localPort} is busy (something already listens on 127.0.0.1:${mapping.localPort}); pick another, e.g. \`hob proxy ${mapping.localPort + 1}:${mapping.remotePort}\``));
      } else if (error.code === 'EACCES') {
        reject(new HobError('bad_request', `not allowed to listen on local port ${mapping.localPort}; pick one above 1023`));
      } else reject(error);
    });
    server.listen(mapping.localPort, '127.0.0.1', () => resolve(server));
  });
}

/** One WebSocket per accepted connection: `{"host","port"}`, wait for `connected`, then bytes both ways. */
async function forward(client: HobClient, sprite: string, remotePort: number, local: Socket): Promise<void> {
  local.pause();
  const ws: WebSocket = await client.openProxy(sprite);
  let connected = false;
  const end = (): void => {
    local.destroy();
    ws.close();
  };
  ws.on('open', () => ws.send(JSON.stringify({ host: 'localhost', port: remotePort })));
  ws.on('message', (data: Buffer, isBinary) => {
    if (connected) {
      if (isBinary && !local.write(data)) {
        ws.pause();
        local.once('drain', () => ws.resume());
      }
      return;
    }
    const reply = (() => {
      try {
        return JSON.parse(data.toString()) as { status?: unknown; message?: unknown }; // each field is checked below
      } catch {
        return {};
      }
    })();
    if (reply.status !== 'connected') {
      process.stderr.write(`hob proxy: port ${remotePort} in ${sprite}: ${typeof reply.message === 'string' ? reply.message : 'refused'}\n`);
      end();
      return;
    }
    connected = true;
    local.on('data', (chunk: Buffer) => ws.send(chunk, { binary: true }));
    local.resume();
  });
  ws.on('unexpected-response', (_req, res) => {
    process.stderr.write(`hob proxy: the server refused the connection (${String(res.statusCode)})\n`);
    end();
  });
  ws.on('error', end);
  ws.on('close', () => local.end());
  local.on('error', end);
  local.on('close', () => ws.close());
}

export function registerProxy(program: Command, ctx: CliContext): void {
  program
    .command('proxy <ports...>')
    .description('forward local ports to ports inside the sprite: `hob proxy 5432` or `hob proxy 3001:3000 8081:8080` (LOCAL:REMOTE); the sprite dials them itself, so loopback-only servers work')
    .action(async (ports: string[]) => {
      const mappings = ports.map(parseMapping);
      const sprite = selectedSprite(program, ctx);
      const client = ctx.client();
      await client.getSprite(sprite);
      const servers: Server[] = [];
      try {
        for (const mapping of mappings) servers.push(await listen(mapping));
      } catch (error) {
        for (const server of servers) server.close();
        throw error;
      }
      mappings.forEach((mapping, i) => {
        servers[i]?.on('connection', (socket: Socket) => {
          forward(client, sprite, mapping.remotePort, socket).catch(() => socket.destroy());
        });
        process.stdout.write(`forwarding 127.0.0.1:${mapping.localPort} → ${sprite}:${mapping.remotePort}\n`);
      });
      process.stdout.write('press Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => {
          process.exitCode = 130;
          resolve();
        });
        process.once('SIGTERM', () => {
          process.exitCode = 143;
          resolve();
        });
      });
      for (const server of servers) server.close();
      process.exit();
    });
}
