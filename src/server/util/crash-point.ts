/**
 * Named points inside multi-step operations where the crash tests kill the server: with
 * HOB_CRASH_AT=<name> in its environment, the server SIGKILLs itself on reaching that point,
 * exactly as a power cut or an OOM kill would stop it. Without the variable this does nothing.
 */
export function crashPoint(name: string): void {
  if (process.env.HOB_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
