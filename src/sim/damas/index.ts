// Public entry of the damas-core simulator: start a server on loopback over a generated account; re-exports for tests.

import { listenOnLoopback } from '../common/loopback.ts';
import { stats, type SimStats } from './control.ts';
import type { Counts, Credentials, SimState, SimUser, Switches } from './model.ts';
import { createSimServer } from './server.ts';
import { createState } from './state.ts';

export interface DamasSimOptions {
  /** Default 1. */
  seed?: number;
  counts?: Partial<Counts>;
  switches?: Partial<Switches>;
  secret?: string;
  users?: SimUser[];
  /** The server clock (default Date.now). */
  now?: () => number;
  /** Default 0 (any free port). */
  port?: number;
}

export interface RunningDamasSim {
  /** http://127.0.0.1:<port>, the address a client is configured with. */
  url: string;
  port: number;
  credentials: Credentials;
  /** A user by name (backup: admin, alice: user, eddie: editor, root: admin). */
  user(username: string): SimUser;
  /** Requests served, per status and route (the same as GET /__sim/stats). */
  stats(): SimStats;
  close(): Promise<void>;
  /** Direct access for in-process tests. */
  state: SimState;
}

export async function startDamasSim(opts: DamasSimOptions = {}): Promise<RunningDamasSim> {
  const state = createState(opts);
  const server = createSimServer(state);
  const { port, close } = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    credentials: state.credentials,
    user(username: string): SimUser {
      const u = state.credentials.users.find((x) => x.username === username);
      if (!u) throw new Error(`no simulated user ${username}`);
      return u;
    },
    stats: () => stats(state),
    state,
    close,
  };
}

export { allNodes, parseSwitches, setSwitches, stats, type SimStats } from './control.ts';
export { defaultUsers, generateNodes, HOSTILE_IDS, passwordHash } from './generator.ts';
export { decodeJwt, signJwt, verifyJwt } from './jwt.ts';
export { createState, resetState } from './state.ts';
export { defaultCounts, defaultSwitches, ObjectId, OBJECT_ID, type Counts, type Credentials, type DamasNode, type SimState, type SimUser, type Switches } from './model.ts';
