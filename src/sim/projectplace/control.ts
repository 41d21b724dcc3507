// The control API under /__sim (no auth, JSON): request log, mutations, faults, triggers, switches, state dump,
// hashes, clock.

import { documentSha256, versionSha256 } from './content.ts';
import { clearFaults, FaultRuleError, parseFaultRules, setFaults } from './faults.ts';
import { resetState } from './generator.ts';
import { jsonResponse, parseJsonBody, type SimRequest, type SimResponse } from './http.ts';
import { defaultSwitches, type RequestLogEntry, type SimState, type Switches } from './model.ts';
import { mutate, MutationError, parseMutation } from './mutate.ts';
import { clearTriggers, parseTriggers, setTriggers, TriggerRuleError } from './triggers.ts';

export class SwitchError extends Error {
  override name = 'SwitchError';
}

type Json = Record<string, unknown>;

/** Checks an untrusted partial Switches object. */
export function parseSwitches(body: unknown): Partial<Switches> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SwitchError('expected a JSON object');
  const o = body as Json;
  const out: Partial<Switches> = {};
  const out2 = out as Json;
  for (const [k, v] of Object.entries(o)) {
    if (!(k in defaultSwitches)) throw new SwitchError(`unknown switch ${k}`);
    const def = (defaultSwitches as unknown as Json)[k];
    if (k === 'rateLimit') {
      if (v === null) out.rateLimit = null;
      else if (
        typeof v === 'object' &&
        typeof (v as Json).requests === 'number' &&
        typeof (v as Json).windowSeconds === 'number' &&
        ((v as Json).requests as number) >= 0 &&
        ((v as Json).windowSeconds as number) > 0
      ) {
        out.rateLimit = { requests: (v as Json).requests as number, windowSeconds: (v as Json).windowSeconds as number };
      } else throw new SwitchError('rateLimit: expected null or {requests, windowSeconds}');
    } else if (k === 'v2TimeFormat') {
      if (v !== 'epoch' && v !== 'iso') throw new SwitchError('v2TimeFormat: expected "epoch" or "iso"');
      out.v2TimeFormat = v;
    } else if (k === 'errorFormat') {
      if (v !== 'text' && v !== 'json') throw new SwitchError('errorFormat: expected "text" or "json"');
      out.errorFormat = v;
    } else if (typeof def === 'boolean') {
      if (typeof v !== 'boolean') throw new SwitchError(`${k}: expected a boolean`);
      out2[k] = v;
    } else if (typeof def === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SwitchError(`${k}: expected a non-negative number`);
      if (k === 'pageLimitDefault' && v < 1) throw new SwitchError('pageLimitDefault: expected at least 1');
      out2[k] = v;
    }
  }
  return out;
}

export function setSwitches(state: SimState, partial: Partial<Switches>): Switches {
  Object.assign(state.switches, parseSwitches(partial));
  return state.switches;
}

export function getRequests(state: SimState): RequestLogEntry[] {
  return state.requests.map((e) => ({ ...e }));
}

export function clearRequests(state: SimState): void {
  state.requests.length = 0;
}

/** Moves the simulator's clock (token expiry, OAuth1 timestamp checks, default mutation times). */
export function advanceClock(state: SimState, seconds: number): number {
  state.clockOffsetMs += seconds * 1000;
  return state.clockOffsetMs / 1000;
}

/** The account as JSON: users, workspaces, items with versions, switches. No content. */
export function dumpState(state: SimState): Json {
  return {
    seed: state.seed,
    options: state.options,
    account: state.account,
    robot: state.robot,
    users: [...state.users.values()],
    workspaces: [...state.workspaces.values()],
    items: [...state.items.values()],
    deletedItems: [...state.graveyard.values()],
    nextId: state.nextId,
    switches: state.switches,
    clockOffsetSeconds: state.clockOffsetMs / 1000,
  };
}

function bodyJson(req: SimRequest): { ok: true; value: unknown } | { ok: false; response: SimResponse } {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return { ok: false, response: jsonResponse(400, { error: 'malformed JSON body' }) };
  return parsed;
}

function bad(e: unknown): SimResponse {
  if (e instanceof MutationError || e instanceof FaultRuleError || e instanceof SwitchError || e instanceof TriggerRuleError) return jsonResponse(400, { error: e.message });
  throw e;
}

export interface ControlRoute {
  method: string;
  pattern: RegExp;
  handle(state: SimState, req: SimRequest, m: RegExpExecArray): SimResponse | Promise<SimResponse>;
}

export const controlRoutes: ControlRoute[] = [
  { method: 'GET', pattern: /^\/__sim\/requests$/, handle: (s) => jsonResponse(200, getRequests(s)) },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/requests$/,
    handle: (s) => {
      clearRequests(s);
      return jsonResponse(200, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/__sim\/mutate$/,
    handle: (s, req) => {
      const b = bodyJson(req);
      if (!b.ok) return b.response;
      try {
        return jsonResponse(200, { ok: true, id: mutate(s, parseMutation(b.value)) });
      } catch (e) {
        return bad(e);
      }
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
      clearFaults(s);
      return jsonResponse(200, { ok: true });
    },
  },
  {
    method: 'GET',
    pattern: /^\/__sim\/triggers$/,
    handle: (s) => jsonResponse(200, { triggers: s.triggers.rules, seen: s.triggers.seen, fired: s.triggers.fired }),
  },
  {
    method: 'POST',
    pattern: /^\/__sim\/triggers$/,
    handle: (s, req) => {
      const b = bodyJson(req);
      if (!b.ok) return b.response;
      try {
        setTriggers(s, parseTriggers(b.value));
        return jsonResponse(200, { ok: true, triggers: s.triggers.rules });
      } catch (e) {
        return bad(e);
      }
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/triggers$/,
    handle: (s) => {
      clearTriggers(s);
      return jsonResponse(200, { ok: true });
    },
  },
  {
    method: 'GET',
    pattern: /^\/__sim\/documents\/(\d+)\/versions$/,
    handle: async (s, _req, m) => {
      const id = Number(m[1]);
      const live = s.items.get(id);
      const item = live ?? s.graveyard.get(id);
      if (!item || item.kind !== 'document') return jsonResponse(404, { error: `no document ${id}, now or ever` });
      const versions = [];
      for (const v of item.versions) {
        const { sha256 } = await versionSha256(s.seed, id, v.verNr, v.size);
        versions.push({ verNr: v.verNr, size: v.size, modifiedTime: v.modifiedTime, modifier: v.modifier, sha256 });
      }
      return jsonResponse(200, { id, deleted: !live, versions });
    },
  },
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
  { method: 'GET', pattern: /^\/__sim\/state$/, handle: (s) => jsonResponse(200, dumpState(s)) },
  {
    method: 'GET',
    pattern: /^\/__sim\/documents\/(\d+)\/sha256$/,
    handle: async (s, _req, m) => {
      const id = Number(m[1]);
      try {
        return jsonResponse(200, await documentSha256(s, id));
      } catch {
        return jsonResponse(404, { error: `no document ${id}` });
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
      return jsonResponse(200, { offsetSeconds: advanceClock(s, v) });
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
