// Builds the simulator's state from options: generated nodes, credentials, switches, the clock.

import { generateNodes, defaultUsers } from './generator.ts';
import { defaultCounts, defaultSwitches, idKey, type Counts, type Credentials, type SimState, type SimUser, type Switches } from './model.ts';

export interface StateOptions {
  seed?: number;
  counts?: Partial<Counts>;
  switches?: Partial<Switches>;
  /** conf.jwt.secret (default from the seed). */
  secret?: string;
  /** The users to generate (default: backup (admin), alice (user), eddie (editor), root (admin)). */
  users?: SimUser[];
  /** The server clock, ms since epoch (default Date.now). */
  now?: () => number;
}

export function createState(opts: StateOptions = {}): SimState {
  const seed = (opts.seed ?? 1) >>> 0;
  const counts: Counts = { ...defaultCounts, ...opts.counts };
  for (const k of ['projects', 'assets', 'childrenPerAsset', 'links'] as const) {
    if (!Number.isSafeInteger(counts[k]) || counts[k] < 0) throw new Error(`counts.${k}: expected a non-negative integer, got ${counts[k]}`);
  }
  const credentials: Credentials = { secret: opts.secret ?? `damas-sim-secret-${seed}`, users: opts.users ?? defaultUsers(seed) };
  const state: SimState = {
    seed,
    counts,
    credentials,
    switches: { ...defaultSwitches, ...opts.switches },
    nodes: new Map(),
    collection: null,
    oidCounter: 0,
    now: opts.now ?? Date.now,
    requests: [],
    changes: [],
    faults: { rules: [], compiled: [], fired: [] },
  };
  fill(state);
  return state;
}

function fill(state: SimState): void {
  const { nodes, oidCounter } = generateNodes(state.seed, state.counts, state.credentials.users);
  state.nodes.clear();
  for (const n of nodes) state.nodes.set(idKey(n._id), n);
  state.collection = null;
  // Server-made ObjectIds continue after the generated ones (their machine bytes differ, so they never collide).
  state.oidCounter = oidCounter;
}

/** Regenerates the nodes from the seed and forgets changes, logs and faults; keeps switches. */
export function resetState(state: SimState): void {
  fill(state);
  state.requests.length = 0;
  state.changes.length = 0;
  state.faults = { rules: [], compiled: [], fired: [] };
}
