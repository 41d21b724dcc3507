// Builds the simulator's state from options: generated tables, credentials, switches, the scaled clock.

import { mulberry32 } from '../projectplace/prng.ts';
import { defaultCounts, generateTables, KEY_USERS } from './generator.ts';
import {
  defaultSwitches,
  PLAN_LIMITS,
  type Credentials,
  type GeneratorOptions,
  type Plan,
  type ResourceName,
  type SimState,
  type Switches,
} from './model.ts';

export function defaultCredentials(seed: number): Credentials {
  return {
    appId: String(12345 + (seed % 1000)),
    appKey: `ps-app-key-${seed}`,
    integrationName: 'workspace-backup',
    personalKeys: KEY_USERS.map((u) => ({ key: `ps-user-key-${u.username.toLowerCase()}-${seed}`, userID: u.userID, usergroup: u.usergroup })),
  };
}

export interface StateOptions {
  seed?: number;
  counts?: Partial<Record<ResourceName, number>>;
  plan?: Plan;
  /** Sim seconds per real second (900: a 15-minute window lasts 1 s). */
  timeScale?: number;
  /** Sim clock at start, ms since epoch (default: now). */
  startTime?: number;
  switches?: Partial<Switches>;
  credentials?: Partial<Credentials>;
}

export function createState(opts: StateOptions = {}): SimState {
  const seed = (opts.seed ?? 1) >>> 0;
  const plan = opts.plan ?? 1;
  if (!(plan in PLAN_LIMITS)) throw new Error(`plan: expected one of ${Object.keys(PLAN_LIMITS).join(', ')}, got ${plan}`);
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale: expected a positive number, got ${timeScale}`);
  const options: GeneratorOptions = { seed, counts: { ...defaultCounts, ...opts.counts } };
  for (const [k, v] of Object.entries(options.counts)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`counts.${k}: expected a non-negative integer, got ${v}`);
  }
  return {
    seed,
    options,
    plan,
    credentials: { ...defaultCredentials(seed), ...opts.credentials },
    switches: { ...defaultSwitches, ...opts.switches },
    tables: generateTables(options),
    version: 0,
    windows: new Map(),
    windowStats: new Map(),
    requests: [],
    changes: [],
    changeSeq: 0,
    clock: { realOrigin: performance.now(), simOrigin: opts.startTime ?? Date.now(), timeScale, offsetMs: 0 },
    faults: { rules: [], compiled: [], fired: [] },
    drift: { pages: 0, applied: 0, rng: mulberry32(seed ^ 0xd71f7) },
    listCache: new Map(),
  };
}

/** Regenerates the records from the seed and forgets changes, budgets, logs and faults; keeps switches and clock. */
export function resetState(state: SimState): void {
  state.tables = generateTables(state.options);
  state.version++;
  state.windows.clear();
  state.windowStats.clear();
  state.requests.length = 0;
  state.changes.length = 0;
  state.faults = { rules: [], compiled: [], fired: [] };
  state.drift = { pages: 0, applied: 0, rng: mulberry32(state.seed ^ 0xd71f7) };
  state.listCache.clear();
}
