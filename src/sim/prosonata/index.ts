// Public entry of the ProSonata simulator: start a server on loopback over a generated account; re-exports for tests.

import { listenOnLoopback } from '../common/loopback.ts';
import { stats, type SimStats } from './control.ts';
import type { Credentials, Plan, ResourceName, SimState, Switches } from './model.ts';
import { createSimServer } from './server.ts';
import { createState } from './state.ts';

export interface ProsonataSimOptions {
  /** Default 1. */
  seed?: number;
  /** Records per resource (e.g. { projecttimes: 30000 }); the rest take the defaults. */
  counts?: Partial<Record<ResourceName, number>>;
  /** ProSonata 1, 3, 5, 10 or 20: 50, 100, 200, 300 or 500 calls per 15 minutes. Default 1. */
  plan?: Plan;
  /** Sim seconds per real second: 900 makes a 15-minute window last one second. Default 1. */
  timeScale?: number;
  /** The sim clock at start, ms since epoch (default now); windows align to its quarter hours. */
  startTime?: number;
  /** Default 0 (any free port). */
  port?: number;
  switches?: Partial<Switches>;
  credentials?: Partial<Credentials>;
}

export interface RunningProsonataSim {
  /** http://127.0.0.1:<port> */
  url: string;
  /** `${url}/api/v1`, the base a client is configured with. */
  apiUrl: string;
  port: number;
  credentials: Credentials;
  /** Headers for the App-Integration and for each default personal key. */
  headers: { app: Record<string, string>; admin: Record<string, string>; teamlead: Record<string, string>; timekeeper: Record<string, string> };
  /** Requests served and refused, per window (the same as GET /__sim/stats). */
  stats(): SimStats;
  close(): Promise<void>;
  /** Direct access for in-process tests. */
  state: SimState;
}

export async function startProsonataSim(opts: ProsonataSimOptions = {}): Promise<RunningProsonataSim> {
  const state = createState(opts);
  const server = createSimServer(state);
  const { port, close } = await listenOnLoopback(server, opts.port);
  const c = state.credentials;
  const personal = (i: number): Record<string, string> => ({ 'X-API-Key': c.personalKeys[i]?.key ?? '' });
  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl: `http://127.0.0.1:${port}/api/v1`,
    port,
    credentials: c,
    headers: { app: { 'X-APP-ID': c.appId, 'X-API-Key': c.appKey }, admin: personal(0), teamlead: personal(1), timekeeper: personal(2) },
    stats: () => stats(state),
    state,
    close,
  };
}

export { advanceClock, parseSwitches, setSwitches, stats, type SimStats } from './control.ts';
export { defaultCounts, KEY_USERS } from './generator.ts';
export { deleteRecord, insertRecord, RecordError, updateRecord } from './records.ts';
export { renderAll, renderRow } from './rows.ts';
export { SPECS, type ResourceSpec } from './resources.ts';
export { createState, defaultCredentials, resetState } from './state.ts';
export {
  apiLimit,
  defaultSwitches,
  nowMs,
  PLAN_LIMITS,
  RESOURCES,
  USERGROUPS,
  type Credentials,
  type DriftRule,
  type Plan,
  type ResourceName,
  type Row,
  type SimState,
  type Switches,
  type Usergroup,
} from './model.ts';
