/**
 * One JSON line per event on stdout; the server keeps the container's output as the agent
 * log. Never log argv beyond argv[0] or any environment: they often carry secrets.
 */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function createLog(out: NodeJS.WritableStream = process.stdout): Log {
  // A closed stdout must not take the agent down with EPIPE.
  out.on('error', () => {});
  return (event, fields) => {
    try {
      out.write(`${JSON.stringify({ ts: new Date().toISOString(), event, ...fields })}\n`);
    } catch {
      // Logging is best effort.
    }
  };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
