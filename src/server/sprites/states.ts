import { HobError } from '../../shared/errors.js';
import type { SpriteState } from '../store/sprites.js';

/**
 * Every lifecycle transition a sprite may make, and nothing else. The store records a state
 * before the work it names is done, so a state in flight (`creating`, `restoring`,
 * `destroying`, `spare-booting`) is also what start-up reconciliation finishes or undoes.
 * A sprite left idle goes `warm` (its processes frozen, memory kept) and later `stopped`
 * (cold: processes gone, files kept); any use wakes it back to `running`.
 */
export const TRANSITIONS = {
  'spare-booting': ['spare', 'destroying'],
  // A claimed spare is recorded `creating` until it has taken its sprite's name and limits.
  spare: ['creating', 'destroying'],
  creating: ['running', 'destroying'],
  // A restore stops the sprite first, so it always starts from stopped.
  running: ['warm', 'stopped', 'destroying'],
  warm: ['running', 'stopped', 'destroying'],
  stopped: ['running', 'restoring', 'destroying'],
  restoring: ['stopped', 'destroying'],
  destroying: [],
} as const satisfies Record<SpriteState, readonly SpriteState[]>;

/** States a sprite is created in: a new record never starts anywhere else. */
export const INITIAL_STATES = ['creating', 'spare-booting'] as const satisfies readonly SpriteState[];

/** States in which user operations (exec, checkpoint, restore) may take the sprite's lock. */
export const SETTLED_STATES = ['running', 'warm', 'stopped'] as const satisfies readonly SpriteState[];

export function canTransition(from: SpriteState, to: SpriteState): boolean {
  return (TRANSITIONS[from] as readonly SpriteState[]).includes(to); // a row's literal tuple, widened to search it
}

export function isSettled(state: SpriteState): state is (typeof SETTLED_STATES)[number] {
  return (SETTLED_STATES as readonly SpriteState[]).includes(state); // the literal tuple, widened to search it
}

/** Refuses a transition the table does not have: a bug in the caller, never user input. */
export function assertTransition(name: string, from: SpriteState, to: SpriteState): void {
  if (!canTransition(from, to)) throw new HobError('internal', `sprite ${name} cannot go from ${from} to ${to}`);
}

/** Why a sprite in a state in flight refuses an operation, in words for the caller. */
export function busyMessage(name: string, state: SpriteState): string {
  switch (state) {
    case 'creating':
      return `sprite ${name} is being created; try again when it is done`;
    case 'restoring':
      return `sprite ${name} is being restored; try again when it is done`;
    case 'destroying':
      return `sprite ${name} is being destroyed`;
    case 'spare':
    case 'spare-booting':
    case 'running':
    case 'warm':
    case 'stopped':
      return `sprite ${name} is busy (${state}); try again when it is done`;
  }
}
