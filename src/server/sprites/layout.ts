import { join } from 'node:path';

/** Where one sprite's pieces live on the host. */
export interface SpritePaths {
  /** Directory in the pool holding the sprite's subvolumes. */
  poolDir: string;
  /** The sprite's writable root filesystem (a btrfs subvolume). */
  root: string;
  /** Host directory with the agent's socket, mounted at /.hob/run in the sprite. */
  runDir: string;
  socket: string;
  agentLog: string;
}

export function spritePaths(dataDir: string, poolSpritesDir: string, id: string): SpritePaths {
  const stateDir = join(dataDir, 'sprites', id);
  const runDir = join(stateDir, 'run');
  return {
    poolDir: join(poolSpritesDir, id),
    root: join(poolSpritesDir, id, 'root'),
    runDir,
    socket: join(runDir, 'agent.sock'),
    agentLog: join(stateDir, 'agent.log'),
  };
}
