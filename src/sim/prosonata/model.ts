// The ProSonata simulator's in-memory model: records per resource, credentials, switches and run-time state.
// Research tags (../shared/research/other-sources.md §2.3): [V] verified in the docs or measured, [G] a guess.

import type { Rng } from '../projectplace/prng.ts';

export const RESOURCES = [
  'addresses',
  'contacts',
  'customers',
  'externalcosts',
  'projects',
  'projecttasks',
  'projecttimecategories',
  'projecttimes',
  'users',
  'workingtimes',
  'crmevents',
  'invoices',
  'quotations',
  'servicetemplates',
] as const;

export type ResourceName = (typeof RESOURCES)[number];

export function isResourceName(s: string): s is ResourceName {
  return (RESOURCES as readonly string[]).includes(s);
}

/** A stored record: field → JSON value, already in the type the API serves on GET. */
export type Row = Record<string, unknown>;

/** ProSonata user groups, lowest rights first [V: docs name them; the order follows `showToUsergroup`]. */
export const USERGROUPS = ['Zeiterfasser 1', 'Zeiterfasser 2', 'Teamleiter', 'Verwaltung', 'Administrator'] as const;
export type Usergroup = (typeof USERGROUPS)[number];

export function groupRank(g: Usergroup): number {
  return USERGROUPS.indexOf(g);
}

/** Subscription plans and their calls per 15-minute window [V grundlagen.md]. */
export const PLAN_LIMITS = { 1: 50, 3: 100, 5: 200, 10: 300, 20: 500 } as const;
export type Plan = keyof typeof PLAN_LIMITS;

/** A personal API key [V]: acts as that user with the rights of the user's group. */
export interface PersonalKey {
  key: string;
  userID: number;
  usergroup: Usergroup;
}

export interface Credentials {
  /** App-Integration (System > Integrationen) [V]: X-APP-ID + X-API-Key, full rights. */
  appId: string;
  appKey: string;
  /** Shown as `meta.requestIntegration` for app requests [V field; value G]. */
  integrationName: string;
  /** Personal keys; the defaults are an Administrator, a Teamleiter and a Zeiterfasser 1. */
  personalKeys: PersonalKey[];
}

export type DriftOp = 'insert' | 'delete' | 'edit';

/** Edits between pages: after every `every`-th list page of a matching resource, apply the next op of `ops`. */
export interface DriftRule {
  /** Default 1 (after every page). */
  every: number;
  /** Cycled in order. `delete` removes a row the client has already been served (the next page then skips one);
   * `insert` adds a record (new highest id); `edit` changes a field of an already served row. Default ['delete']. */
  ops: DriftOp[];
  /** Only these resources (default all). */
  resources: ResourceName[] | null;
  /** Stop after this many edits (default unlimited). */
  times: number | null;
}

/** Behaviours research marks as guesses [G]; each one a switch so clients can be tested both ways. */
export interface Switches {
  /** Calls per window; null = the plan's limit [V limits]. */
  apiLimit: number | null;
  /** Window length in seconds [V: 15 minutes]. */
  windowSeconds: number;
  /** Windows start at clock quarter hours, or at the first request after the last window ran out [G]. */
  windowAlignment: 'clock' | 'firstRequest';
  /** One budget for the whole account (all keys and integrations) [V: "dasselbe Kontingent für alles"], or per key [G]. */
  rateLimitScope: 'account' | 'key';
  /** Requests with wrong or missing credentials use up budget too [G]. */
  countUnauthenticated: boolean;
  /** 429 answers also carry a Retry-After header [G: docs only say the message names the delay]. */
  retryAfterHeader: boolean;
  /** perPage above 1000: serve 1000 and say so in meta ("cap"), serve 1000 but echo the requested value in
   * meta.perPage ("capEchoRequested"), or answer 400 ("error") [G: docs only say "maximal 1000"]. */
  perPageOverMax: 'cap' | 'capEchoRequested' | 'error';
  /** A page past the end, or a filter matching nothing: 200 with data [] ("empty") or 404 "Data not found."
   * ("notFound") [G: undocumented, bruno 02 "zu prüfen"]. */
  emptyList: 'empty' | 'notFound';
  /** orderBy naming a field the resource cannot sort by: ignored, or 400 [G]. */
  unknownOrderBy: 'ignore' | 'error';
  /** Status for a resource the key's group may not read (users for non-admins) [G: 401 or 403]. */
  forbiddenStatus: 401 | 403;
  /** /api/v1/<unknown resource>: the JSON error envelope, or the HTML 404 page of a wrong base path [G]. */
  unknownResource: 'json' | 'html';
  /** GET /invoices (the list form backup.php calls) exists [G: only GET /invoices/{id} is documented]. */
  invoicesList: boolean;
  /** Nested arrays (additionalPositions, projectLinks, usersAssigned, positions) also in list rows, not only in
   * single GETs [I: backup.php breaks on additionalPositions, which it only ever reads from lists]. */
  listNestedArrays: boolean;
  /** Some rows (pk % 7 === 3) serve their primary key and one number as strings, as POST answers do [G]. */
  irregularTypes: boolean;
  /** Query-parameter auth (?apiKey=, ?appID=) accepted [V docs; a client should never use it]. */
  queryAuth: boolean;
  /** projecttimes.detail is silently cut to this many characters; the POST answer echoes the full text [V measured 800]. */
  detailMaxLength: number;
  /** Edits between pages (offset drift), or null. */
  drift: DriftRule | null;
  /** Added before each API answer. */
  latencyMs: number;
}

export const defaultSwitches: Readonly<Switches> = Object.freeze({
  apiLimit: null,
  windowSeconds: 900,
  windowAlignment: 'clock',
  rateLimitScope: 'account',
  countUnauthenticated: true,
  retryAfterHeader: false,
  perPageOverMax: 'cap',
  emptyList: 'empty',
  unknownOrderBy: 'ignore',
  forbiddenStatus: 403,
  unknownResource: 'json',
  invoicesList: false,
  listNestedArrays: true,
  irregularTypes: false,
  queryAuth: true,
  detailMaxLength: 800,
  drift: null,
  latencyMs: 0,
});

export interface GeneratorOptions {
  seed: number;
  /** Records per resource; missing ones take the defaults. */
  counts: Record<ResourceName, number>;
}

export interface Table {
  name: ResourceName;
  rows: Map<number, Row>;
  nextId: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  /** app | user:<userID> | invalid | none */
  auth: string;
  /** Sim-clock time (ms since epoch). */
  at: number;
  /** Whether it used up budget. */
  counted: boolean;
}

export interface ChangeLogEntry {
  seq: number;
  /** control | api | drift */
  source: string;
  op: 'insert' | 'update' | 'delete';
  resource: ResourceName;
  id: number;
  /** Sim-clock time (ms since epoch). */
  at: number;
}

export interface WindowStat {
  /** "account", or the key under rateLimitScope=key. */
  scope: string;
  /** Window start, sim-clock ms since epoch. */
  start: number;
  /** Requests that used up budget (answered normally). */
  counted: number;
  /** Requests answered 429. */
  limited: number;
}

export interface RateWindow {
  start: number;
  count: number;
}

export interface FaultRule {
  /** Regular expression tested against the request path. */
  path: string;
  kind: '500' | '502' | '503' | 'html-500' | 'reset' | 'short' | 'slow';
  method?: string;
  /** Fire at most this many times (default unlimited). */
  count?: number;
  /** kind slow: bytes per chunk and pause in ms. */
  chunkBytes?: number;
  delayMs?: number;
}

export interface Clock {
  /** performance.now() when the simulator started. */
  realOrigin: number;
  /** Sim time (ms since epoch) at that moment. */
  simOrigin: number;
  /** Sim seconds per real second. */
  timeScale: number;
  /** Added by POST /__sim/clock. */
  offsetMs: number;
}

export interface SimState {
  seed: number;
  options: GeneratorOptions;
  plan: Plan;
  credentials: Credentials;
  switches: Switches;
  tables: Record<ResourceName, Table>;
  /** Bumped by every change; caches of sorted/filtered id lists key on it. */
  version: number;
  /** Per scope key (account, or the key) the current window. */
  windows: Map<string, RateWindow>;
  /** Per "scope|window start": what was served and refused. */
  windowStats: Map<string, WindowStat>;
  requests: RequestLogEntry[];
  changes: ChangeLogEntry[];
  changeSeq: number;
  clock: Clock;
  faults: { rules: FaultRule[]; compiled: RegExp[]; fired: number[] };
  drift: { pages: number; applied: number; rng: Rng };
  /** Query results: key → ids, valid for one `version`. */
  listCache: Map<string, { version: number; ids: number[] }>;
}

/** The simulator's clock in ms since epoch: real time scaled by `timeScale`, plus offsets. */
export function nowMs(state: SimState): number {
  const c = state.clock;
  return Math.floor(c.simOrigin + (performance.now() - c.realOrigin) * c.timeScale + c.offsetMs);
}

export function apiLimit(state: SimState): number {
  return state.switches.apiLimit ?? PLAN_LIMITS[state.plan];
}
