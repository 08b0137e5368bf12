import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where one sprite's pieces live on the host. */
export interface SpritePaths {
  /** Directory in the pool holding the sprite's subvolumes. */
  poolDir: string;
  /** The sprite's writable root filesystem (a btrfs subvolume). */
  root: string;
  /** A restore makes the new root here, then swaps it in (see CheckpointService.swapRoot). */
  nextRoot: string;
  /** Where a restore moves the old root before deleting it. */
  previousRoot: string;
  /** Every checkpoint: read-only snapshots of the root, named by checkpoint id. */
  checkpointsDir: string;
  /** Read-only copies (snapshots, so O(1)) of the newest checkpoints, mounted at /.sprite/checkpoints. */
  mountedDir: string;
  /** Short-lived snapshots (a diff against the sprite's current files). */
  scratchDir: string;
  /** Host directory for the agent's socket (the runtime names it), mounted at /.hob/run in the sprite. */
  runDir: string;
  /** Host directory mounted read-only at /.sprite: the in-sprite API socket is made in it. */
  spriteDir: string;
  agentLog: string;
}

export function spritePaths(dataDir: string, poolSpritesDir: string, id: string): SpritePaths {
  const stateDir = join(dataDir, 'sprites', id);
  const runDir = join(stateDir, 'run');
  const poolDir = join(poolSpritesDir, id);
  return {
    poolDir,
    root: join(poolDir, 'root'),
    nextRoot: join(poolDir, 'root.next'),
    previousRoot: join(poolDir, 'root.prev'),
    checkpointsDir: join(poolDir, 'checkpoints'),
    mountedDir: join(poolDir, 'mounted'),
    scratchDir: join(poolDir, 'scratch'),
    runDir,
    spriteDir: join(stateDir, 'sprite'),
    agentLog: join(stateDir, 'agent.log'),
  };
}

/** Only the host's root reads checkpoints in place; the sprite sees its copies in the mounted directory. */
export const CHECKPOINTS_DIR_MODE = 0o700;

export function checkpointPath(paths: SpritePaths, id: string): string {
  return join(paths.checkpointsDir, id);
}

/** The directory mounted at /.sprite/checkpoints: the sprite's root may list it, no one else on the host. */
export function makeMountedDir(paths: SpritePaths, sandboxRootUid: number): void {
  mkdirSync(paths.mountedDir, { recursive: true, mode: 0o700 });
  chownSync(paths.mountedDir, sandboxRootUid, sandboxRootUid);
}
