// The control API under /__sim (no auth, JSON, not in the request log): nodes (list, read, add, replace, edit,
// delete; ids in ?id= because they hold slashes), switches, request log, stats, change log, faults, reset.

import { jsonResponse, parseJsonBody, type SimRequest, type SimResponse } from '../projectplace/http.ts';
import { FaultRuleError, parseFaultRules, setFaults } from './faults.ts';
import { parseMs } from './jwt.ts';
import { defaultSwitches, idKey, type DamasNode, type SimState, type Switches } from './model.ts';
import { resetState } from './state.ts';
import { cloneJson, createNodes, lookupKey, removeNodes, updateNodes } from './store.ts';

export class SwitchError extends Error {
  override name = 'SwitchError';
}

type Json = Record<string, unknown>;

/** Checks an untrusted partial Switches object. */
export function parseSwitches(body: unknown): Partial<Switches> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SwitchError('expected a JSON object');
  const out: Json = {};
  for (const [k, v] of Object.entries(body as Json)) {
    if (!(k in defaultSwitches)) throw new SwitchError(`unknown switch ${k}; known: ${Object.keys(defaultSwitches).join(', ')}`);
    const def = defaultSwitches[k as keyof Switches];
    if (k === 'errorContentType') {
      if (v !== 'text/plain' && v !== 'text/html') throw new SwitchError('errorContentType: expected "text/plain" or "text/html"');
    } else if (k === 'defaultExpiresIn') {
      if (typeof v !== 'string' || parseMs(v) === undefined) throw new SwitchError('defaultExpiresIn: expected a duration such as "1d" or "3600"');
    } else if (typeof def === 'boolean') {
      if (typeof v !== 'boolean') throw new SwitchError(`${k}: expected a boolean`);
    } else if (typeof def === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SwitchError(`${k}: expected a non-negative number`);
    }
    out[k] = v;
  }
  return out as Partial<Switches>;
}

export function setSwitches(state: SimState, partial: Partial<Switches>): Switches {
  Object.assign(state.switches, parseSwitches(partial));
  return state.switches;
}

export interface SimStats {
  /** Requests to the service paths (control calls excluded). */
  requests: number;
  byStatus: Record<string, number>;
  /** Requests per "METHOD /api/<route>". */
  byRoute: Record<string, number>;
  nodes: number;
}

export function stats(state: SimState): SimStats {
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, number> = {};
  for (const r of state.requests) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const route = `${r.method} ${/^\/api\/[^/]*/i.exec(r.path)?.[0] ?? r.path}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  return { requests: state.requests.length, byStatus, byRoute, nodes: state.nodes.size };
}

/** Every node as the server would serve it, ordered by id. */
export function allNodes(state: SimState): DamasNode[] {
  return [...state.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, n]) => n);
}

function body(req: SimRequest): { ok: true; value: unknown } | { ok: false; response: SimResponse } {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return { ok: false, response: jsonResponse(400, { error: 'malformed JSON body' }) };
  return parsed;
}

function idParam(req: SimRequest): string | undefined {
  const id = req.query.get('id');
  return id === null || id === '' ? undefined : id;
}

const noId = (): SimResponse => jsonResponse(400, { error: 'give the node id as ?id=<_id>' });
const missing = (id: string): SimResponse => jsonResponse(404, { error: `no node ${JSON.stringify(id)}` });

export interface ControlRoute {
  method: string;
  pattern: RegExp;
  handle(state: SimState, req: SimRequest): SimResponse;
}

export const controlRoutes: ControlRoute[] = [
  {
    method: 'GET',
    pattern: /^\/__sim\/state$/,
    handle: (s) => jsonResponse(200, { seed: s.seed, counts: s.counts, nodes: s.nodes.size, switches: s.switches, credentials: s.credentials }),
  },
  { method: 'GET', pattern: /^\/__sim\/nodes$/, handle: (s) => jsonResponse(200, allNodes(s)) },
  {
    // Adds nodes exactly as given (no author or time added); 409 when an id exists.
    method: 'POST',
    pattern: /^\/__sim\/nodes$/,
    handle: (s, req) => {
      const b = body(req);
      if (!b.ok) return b.response;
      const list = Array.isArray(b.value) ? b.value : [b.value];
      if (!list.every((n) => typeof n === 'object' && n !== null && !Array.isArray(n))) return jsonResponse(400, { error: 'expected a node object or a list of them' });
      const made = createNodes(s, list as Json[], 'control');
      if (made.some((n) => n === null)) return jsonResponse(409, { error: 'a node with that id exists', nodes: made });
      return jsonResponse(200, { ok: true, ids: made.map((n) => idKey(n!._id)) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/__sim\/node$/,
    handle: (s, req) => {
      const id = idParam(req);
      if (!id) return noId();
      const n = s.nodes.get(lookupKey(id));
      return n ? jsonResponse(200, n) : missing(id);
    },
  },
  {
    // Replaces a node's keys (the _id stays).
    method: 'PUT',
    pattern: /^\/__sim\/node$/,
    handle: (s, req) => {
      const id = idParam(req);
      if (!id) return noId();
      const b = body(req);
      if (!b.ok) return b.response;
      const n = s.nodes.get(lookupKey(id));
      if (!n) return missing(id);
      if (typeof b.value !== 'object' || b.value === null || Array.isArray(b.value)) return jsonResponse(400, { error: 'expected a JSON object' });
      const { _id: _, ...rest } = cloneJson(b.value as Json);
      const replaced: DamasNode = { _id: n._id, ...rest };
      s.nodes.set(lookupKey(id), replaced);
      s.collection = null;
      s.changes.push({ op: 'update', id: idKey(n._id), by: 'control', at: s.now() });
      return jsonResponse(200, replaced);
    },
  },
  {
    // Sets the given keys; a null value removes the key (as PUT /api/update/ does).
    method: 'PATCH',
    pattern: /^\/__sim\/node$/,
    handle: (s, req) => {
      const id = idParam(req);
      if (!id) return noId();
      const b = body(req);
      if (!b.ok) return b.response;
      if (typeof b.value !== 'object' || b.value === null || Array.isArray(b.value)) return jsonResponse(400, { error: 'expected a JSON object' });
      const [n] = updateNodes(s, [{ ...(b.value as Json), _id: id }], 'control');
      return n ? jsonResponse(200, n) : missing(id);
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/node$/,
    handle: (s, req) => {
      const id = idParam(req);
      if (!id) return noId();
      const [gone] = removeNodes(s, [id], 'control');
      return gone === null ? missing(id) : jsonResponse(200, { ok: true, id: gone });
    },
  },
  { method: 'GET', pattern: /^\/__sim\/changes$/, handle: (s) => jsonResponse(200, s.changes) },
  { method: 'GET', pattern: /^\/__sim\/switches$/, handle: (s) => jsonResponse(200, s.switches) },
  {
    method: 'POST',
    pattern: /^\/__sim\/switches$/,
    handle: (s, req) => {
      const b = body(req);
      if (!b.ok) return b.response;
      try {
        return jsonResponse(200, setSwitches(s, b.value as Partial<Switches>));
      } catch (e) {
        if (e instanceof SwitchError) return jsonResponse(400, { error: e.message });
        throw e;
      }
    },
  },
  { method: 'GET', pattern: /^\/__sim\/requests$/, handle: (s) => jsonResponse(200, s.requests) },
  {
    method: 'DELETE',
    pattern: /^\/__sim\/requests$/,
    handle: (s) => {
      s.requests.length = 0;
      return jsonResponse(200, { ok: true });
    },
  },
  { method: 'GET', pattern: /^\/__sim\/stats$/, handle: (s) => jsonResponse(200, stats(s)) },
  { method: 'GET', pattern: /^\/__sim\/faults$/, handle: (s) => jsonResponse(200, { rules: s.faults.rules, fired: s.faults.fired }) },
  {
    method: 'POST',
    pattern: /^\/__sim\/faults$/,
    handle: (s, req) => {
      const b = body(req);
      if (!b.ok) return b.response;
      try {
        setFaults(s, parseFaultRules(b.value));
        return jsonResponse(200, { ok: true, rules: s.faults.rules });
      } catch (e) {
        if (e instanceof FaultRuleError) return jsonResponse(400, { error: e.message });
        throw e;
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
