/** Reads request timings out of the server's own structured log (fastify logs each request's responseTime). */
import { readFileSync } from 'node:fs';

interface LogLine {
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  responseTime?: number;
}

/** Server-side handling time, in log order, of every request with this method and path. */
export function responseTimes(logFile: string, method: string, path: string): number[] {
  const wanted = new Set<string>();
  const times: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: LogLine;
    try {
      entry = JSON.parse(line) as LogLine; // pino writes one JSON object per line
    } catch {
      continue;
    }
    if (entry.reqId === undefined) continue;
    if (entry.msg === 'incoming request' && entry.req?.method === method && entry.req.url === path) wanted.add(entry.reqId);
    else if (entry.msg === 'request completed' && wanted.delete(entry.reqId) && typeof entry.responseTime === 'number') times.push(entry.responseTime);
  }
  return times;
}
