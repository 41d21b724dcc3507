// The control API under /__sim (no auth, JSON, never counted against the budget): records (read, add, edit,
// delete), switches, clock, request log, stats per rate-limit window, change log, faults, reset.

import { jsonResponse, parseJsonBody, type SimRequest, type SimResponse } from '../projectplace/http.ts';
import { FaultRuleError, parseFaultRules, setFaults } from './faults.ts';
import {
  apiLimit,
  defaultSwitches,
  isResourceName,
  nowMs,
  RESOURCES,
  type DriftOp,
  type DriftRule,
  type ResourceName,
  type Row,
  type SimState,
  type Switches,
  type WindowStat,
} from './model.ts';
import { peekBudget, windowStats, type Budget } from './ratelimit.ts';
import { deleteRecord, insertRecord, RecordError, updateRecord } from './records.ts';
import { SPECS } from './resources.ts';
import { renderAll, renderRow } from './rows.ts';
import { resetState } from './state.ts';

export class SwitchError extends Error {
  override name = 'SwitchError';
}

type Json = Record<string, unknown>;

const ENUMS: Partial<Record<keyof Switches, readonly unknown[]>> = {
  windowAlignment: ['clock', 'firstRequest'],
  rateLimitScope: ['account', 'key'],
  perPageOverMax: ['cap', 'capEchoRequested', 'error'],
  emptyList: ['empty', 'notFound'],
  unknownOrderBy: ['ignore', 'error'],
  forbiddenStatus: [401, 403],
  unknownResource: ['json', 'html'],
};

const DRIFT_OPS: readonly DriftOp[] = ['insert', 'delete', 'edit'];

function parseDrift(v: unknown): DriftRule | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SwitchError('drift: expected null or {every?, ops?, resources?, times?}');
  const o = v as Json;
  const every = o.every ?? 1;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) throw new SwitchError('drift.every: expected an integer >= 1');
  const ops = o.ops ?? ['delete'];
  if (!Array.isArray(ops) || ops.length === 0 || !ops.every((x) => DRIFT_OPS.includes(x as DriftOp))) throw new SwitchError(`drift.ops: expected a non-empty list of ${DRIFT_OPS.join(', ')}`);
  const resources = o.resources ?? null;
  if (resources !== null && (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string' && isResourceName(r)))) {
    throw new SwitchError('drift.resources: expected null or a list of resource names');
  }
  const times = o.times ?? null;
  if (times !== null && (typeof times !== 'number' || !Number.isInteger(times) || times < 0)) throw new SwitchError('drift.times: expected null or an integer >= 0');
  return { every, ops: ops as DriftOp[], resources: resources as ResourceName[] | null, times: times as number | null };
}

/** Checks an untrusted partial Switches object. */
export function parseSwitches(body: unknown): Partial<Switches> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SwitchError('expected a JSON object');
  const out: Json = {};
  for (const [k, v] of Object.entries(body as Json)) {
    if (!(k in defaultSwitches)) throw new SwitchError(`unknown switch ${k}`);
    const key = k as keyof Switches;
    const def = defaultSwitches[key];
    const allowed = ENUMS[key];
    if (key === 'drift') out.drift = parseDrift(v);
    else if (key === 'apiLimit') {
      if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) throw new SwitchError('apiLimit: expected null or an integer >= 0');
      out.apiLimit = v;
    } else if (allowed) {
      if (!allowed.includes(v)) throw new SwitchError(`${k}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
      out[k] = v;
    } else if (typeof def === 'boolean') {
      if (typeof v !== 'boolean') throw new SwitchError(`${k}: expected a boolean`);
      out[k] = v;
    } else if (typeof def === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SwitchError(`${k}: expected a non-negative number`);
      if (k === 'windowSeconds' && v <= 0) throw new SwitchError('windowSeconds: expected a positive number');
      out[k] = v;
    }
  }
  return out as Partial<Switches>;
}

/** Applies switches; setting `drift` restarts its page and edit counters. */
export function setSwitches(state: SimState, partial: Partial<Switches>): Switches {
  const checked = parseSwitches(partial);
  Object.assign(state.switches, checked);
  if ('drift' in checked) {
    state.drift.pages = 0;
    state.drift.applied = 0;
  }
  return state.switches;
}

/** Moves the simulator's clock (rate-limit windows, default dates of new records). */
export function advanceClock(state: SimState, seconds: number): number {
  state.clock.offsetMs += seconds * 1000;
  return nowMs(state);
}

export interface SimStats {
  /** Requests to the service paths (control calls excluded). */
  requests: number;
  /** Those that used up budget. */
  counted: number;
  /** Those refused with 429. */
  limited: number;
  byStatus: Record<string, number>;
  limit: number;
  windowSeconds: number;
  /** The most calls served in any one window (never above `limit`). */
  maxCountedInWindow: number;
  windows: WindowStat[];
  /** The account's budget now. */
  budget: Budget;
  /** Sim clock, ms since epoch. */
  now: number;
}

/** Requests to the service paths: how many were answered normally and refused, per status, per window. */
export function stats(state: SimState): SimStats {
  const byStatus: Record<string, number> = {};
  let counted = 0;
  let limited = 0;
  for (const r of state.requests) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.counted) counted++;
    if (r.status === 429) limited++;
  }
  const windows = windowStats(state);
  return {
    requests: state.requests.length,
    counted,
    limited,
    byStatus,
    limit: apiLimit(state),
    windowSeconds: state.switches.windowSeconds,
    maxCountedInWindow: windows.reduce((m, w) => Math.max(m, w.counted), 0),
    windows,
    budget: peekBudget(state, 'account'),
    now: nowMs(state),
  };
}

function bodyJson(req: SimRequest): { ok: true; value: unknown } | { ok: false; response: SimResponse } {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return { ok: false, response: jsonResponse(400, { error: 'malformed JSON body' }) };
  return parsed;
}

function objectBody(req: SimRequest): { ok: true; value: Row } | { ok: false; response: SimResponse } {
  const b = bodyJson(req);
  if (!b.ok) return b;
  if (typeof b.value !== 'object' || b.value === null || Array.isArray(b.value)) return { ok: false, response: jsonResponse(400, { error: 'expected a JSON object' }) };
  return { ok: true, value: b.value as Row };
}

function bad(e: unknown): SimResponse {
  if (e instanceof RecordError) return jsonResponse(e.status, { error: e.message });
  if (e instanceof SwitchError || e instanceof FaultRuleError) return jsonResponse(400, { error: e.message });
  throw e;
}

function resourceOf(m: RegExpExecArray): ResourceName | undefined {
  const r = m[1] as string;
  return isResourceName(r) ? r : undefined;
}

export interface ControlRoute {
  method: string;
  pattern: RegExp;
  handle(state: SimState, req: SimRequest, m: RegExpExecArray): SimResponse;
}

const noResource = (m: RegExpExecArray): SimResponse => jsonResponse(404, { error: `unknown resource ${m[1]}; expected one of ${RESOURCES.join(', ')}` });

export const controlRoutes: ControlRoute[] = [
  {
    method: 'GET',
    pattern: /^\/__sim\/state$/,
    handle: (s) =>
      jsonResponse(200, {
        seed: s.seed,
        plan: s.plan,
        limit: apiLimit(s),
        timeScale: s.clock.timeScale,
        now: nowMs(s),
        counts: Object.fromEntries(RESOURCES.map((r) => [r, s.tables[r].rows.size])),
        primaryKeys: Object.fromEntries(RESOURCES.map((r) => [r, SPECS[r].pk])),
        credentials: s.credentials,
        switches: s.switches,
      }),
  },
  {
    // Every record as a list serves it (pk order), i.e. what a complete backup must hold.
    method: 'GET',
    pattern: /^\/__sim\/records\/([a-z]+)$/,
    handle: (s, _req, m) => {
      const r = resourceOf(m);
      return r ? jsonResponse(200, renderAll(s, r)) : noResource(m);
    },
  },
  {
    method: 'GET',
    pattern: /^\/__sim\/records\/([a-z]+)\/(\d+)$/,
    handle: (s, _req, m) => {
      const r = resourceOf(m);
      if (!r) return noResource(m);
      const row = s.tables[r].rows.get(Number(m[2]));
      if (!row) return jsonResponse(404, { error: `no ${r} ${m[2]}` });
      return jsonResponse(200, { stored: row, list: renderRow(s, SPECS[r], row, 'list'), single: renderRow(s, SPECS[r], row, 'single') });
    },
  },
  {
    // Adds a record: the body's fields are stored as given (no type coercion); "id" picks the primary key.
    method: 'POST',
    pattern: /^\/__sim\/records\/([a-z]+)$/,
    handle: (s, req, m) => {
      const r = resourceOf(m);
      if (!r) return noResource(m);
      const b = objectBody(req);
      if (!b.ok) return b.response;
      const { id, ...fields } = b.value;
      try {
        if (id !== undefined && typeof id !== 'number') throw new RecordError(400, 'id: expected a number');
        const row = insertRecord(s, r, fields, 'control', id as number | undefined);
        return jsonResponse(200, { ok: true, id: row[SPECS[r].pk], record: renderRow(s, SPECS[r], row, 'list') });
      } catch (e) {
        return bad(e);
      }
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/__sim\/records\/([a-z]+)\/(\d+)$/,
    handle: (s, req, m) => {
      const r = resourceOf(m);
      if (!r) return noResource(m);
      const b = objectBody(req);
      if (!b.ok) return b.response;
      try {
        const row = updateRecord(s, r, Number(m[2]), b.value, 'control');
        return jsonResponse(200, { ok: true, id: Number(m[2]), record: renderRow(s, SPECS[r], row, 'list') });
      } catch (e) {
        return bad(e);
      }
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/records\/([a-z]+)\/(\d+)$/,
    handle: (s, _req, m) => {
      const r = resourceOf(m);
      if (!r) return noResource(m);
      try {
        deleteRecord(s, r, Number(m[2]), 'control');
        return jsonResponse(200, { ok: true, id: Number(m[2]) });
      } catch (e) {
        return bad(e);
      }
    },
  },
  { method: 'GET', pattern: /^\/__sim\/changes$/, handle: (s) => jsonResponse(200, s.changes) },
  { method: 'GET', pattern: /^\/__sim\/switches$/, handle: (s) => jsonResponse(200, s.switches) },
  {
    method: 'POST',
    pattern: /^\/__sim\/switches$/,
    handle: (s, req) => {
      const b = bodyJson(req);
      if (!b.ok) return b.response;
      try {
        return jsonResponse(200, setSwitches(s, parseSwitches(b.value)));
      } catch (e) {
        return bad(e);
      }
    },
  },
  {
    method: 'POST',
    pattern: /^\/__sim\/clock$/,
    handle: (s, req) => {
      const b = bodyJson(req);
      if (!b.ok) return b.response;
      const v = (b.value as Json | null)?.advanceSeconds;
      if (typeof v !== 'number' || !Number.isFinite(v)) return jsonResponse(400, { error: 'advanceSeconds: expected a number' });
      return jsonResponse(200, { now: advanceClock(s, v) });
    },
  },
  { method: 'GET', pattern: /^\/__sim\/requests$/, handle: (s) => jsonResponse(200, s.requests) },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/requests$/,
    handle: (s) => {
      s.requests.length = 0;
      s.windowStats.clear();
      return jsonResponse(200, { ok: true });
    },
  },
  { method: 'GET', pattern: /^\/__sim\/stats$/, handle: (s) => jsonResponse(200, stats(s)) },
  {
    // A fresh budget now (a new window), for tests that do not want to wait for one.
    method: 'DELETE',
    pattern: /^\/__sim\/ratelimit$/,
    handle: (s) => {
      s.windows.clear();
      return jsonResponse(200, { ok: true });
    },
  },
  { method: 'GET', pattern: /^\/__sim\/faults$/, handle: (s) => jsonResponse(200, { rules: s.faults.rules, fired: s.faults.fired }) },
  {
    method: 'POST',
    pattern: /^\/__sim\/faults$/,
    handle: (s, req) => {
      const b = bodyJson(req);
      if (!b.ok) return b.response;
      try {
        setFaults(s, parseFaultRules(b.value));
        return jsonResponse(200, { ok: true, rules: s.faults.rules });
      } catch (e) {
        return bad(e);
      }
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/faults$/,
    handle: (s) => {
      setFaults(s, []);
      return jsonResponse(200, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/__sim\/reset$/,
    handle: (s) => {
      resetState(s);
      return jsonResponse(200, { ok: true });
    },
  },
];
