// Hostile answers on listing endpoints (fault kinds beyond transport faults): complete responses with unusable bodies.

import type { SimRequest, SimResponse } from './http.ts';
import type { FaultRule, HostileKind, SimState, WrongTypeVariant } from './model.ts';

export const HOSTILE_KINDS: readonly HostileKind[] = [
  'truncated-json',
  'invalid-json',
  'wrong-types',
  'extra-fields',
  'html-200',
  'empty-200',
  'repeat-page',
  'endless-pages',
];

export const WRONG_TYPE_VARIANTS: readonly WrongTypeVariant[] = ['id-object', 'name-number', 'list-for-object', 'object-for-list'];

type Json = Record<string, unknown>;

export function isHostileKind(kind: string): kind is HostileKind {
  return (HOSTILE_KINDS as readonly string[]).includes(kind);
}

/** Ids of the workspaces `endless-pages` invents: far above anything the generator or mutations hand out. */
export const PHANTOM_ID_BASE = 7_000_000_000;

/**
 * An answer that replaces the real one before auth and routing, as a proxy or load balancer in front of the service
 * would give it: an HTML maintenance page or an empty body, both with status 200.
 */
export function hostileReplacement(rule: FaultRule): SimResponse | undefined {
  if (rule.kind === 'html-200') {
    const html =
      '<!DOCTYPE html>\n<html><head><title>Projectplace - Service maintenance</title></head>\n' +
      '<body><h1>We will be back soon</h1><p>Projectplace is being upgraded. Please try again in a few minutes.</p>' +
      `<!-- ${'padding '.repeat(200)}--></body></html>\n`;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(html) };
  }
  if (rule.kind === 'empty-200') return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.alloc(0) };
  return undefined;
}

function isJsonResponse(r: SimResponse): r is SimResponse & { body: Buffer } {
  const type = r.headers['content-type'];
  return r.status === 200 && Buffer.isBuffer(r.body) && typeof type === 'string' && type.startsWith('application/json');
}

function withBody(r: SimResponse, body: Buffer): SimResponse {
  return { ...r, headers: { ...r.headers }, body };
}

function requestJson(req: SimRequest): Json | undefined {
  if (req.body.length === 0) return {};
  try {
    const v = JSON.parse(req.body.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Depth-first, objects in document order: the first for which `pick` returns true. */
function findObject(v: unknown, pick: (o: Json) => boolean): Json | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const found = findObject(x, pick);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Json;
  if (pick(o)) return o;
  for (const x of Object.values(o)) {
    const found = findObject(x, pick);
    if (found) return found;
  }
  return undefined;
}

/** Puts one value of the wrong type into a JSON document (see WrongTypeVariant); returns the new document. */
export function wrongTypes(doc: unknown, variant: WrongTypeVariant): unknown {
  switch (variant) {
    case 'id-object': {
      const o = findObject(doc, (x) => 'id' in x);
      if (o) o.id = { id: o.id, type: 'Document' };
      else return { id: { id: 0 } };
      return doc;
    }
    case 'name-number': {
      const o = findObject(doc, (x) => typeof x.name === 'string' || typeof x.file_name === 'string');
      if (!o) return 4711;
      if (typeof o.name === 'string') o.name = 4711;
      else o.file_name = 4711;
      return doc;
    }
    case 'list-for-object': {
      if (Array.isArray(doc)) return doc.length > 0 ? [[doc[0]], ...doc.slice(1)] : [[]];
      const holder = findObject(doc, (x) => Object.values(x).some((y) => typeof y === 'object' && y !== null && !Array.isArray(y)));
      if (!holder) return [doc];
      const key = Object.keys(holder).find((k) => typeof holder[k] === 'object' && holder[k] !== null && !Array.isArray(holder[k])) as string;
      holder[key] = [holder[key]];
      return doc;
    }
    case 'object-for-list': {
      if (Array.isArray(doc)) return { items: doc };
      const holder = findObject(doc, (x) => Object.values(x).some((y) => Array.isArray(y)));
      if (!holder) return { ...(doc as Json), contents: {} };
      const key = Object.keys(holder).find((k) => Array.isArray(holder[k])) as string;
      holder[key] = Object.fromEntries((holder[key] as unknown[]).map((x, i) => [String(i), x]));
      return doc;
    }
  }
}

/** Adds fields no client knows to every object: scalars, a nested object, and a list of objects with ids. */
export function extraFields(doc: unknown, depth = 0): unknown {
  if (depth > 200) return doc;
  if (Array.isArray(doc)) return doc.map((x) => extraFields(x, depth + 1));
  if (typeof doc !== 'object' || doc === null) return doc;
  const o: Json = {};
  for (const [k, v] of Object.entries(doc as Json)) o[k] = extraFields(v, depth + 1);
  o.x_feature_flags = { beta: true, rollout: 0.5, tags: ['a', 'b'] };
  o.x_whiteboards = [{ id: 1, name: 'Board', owner: { id: 2 } }];
  o._links = { self: '/unknown' };
  o.x_note = null;
  return o;
}

/**
 * Changes a real answer according to a hostile rule (called after auth and routing, with the handler's response).
 * `rehandle` answers a changed request the way the route would (for `repeat-page`).
 * Answers that are not 200 JSON pass through unchanged.
 */
export function hostileTransform(
  state: SimState,
  rule: FaultRule,
  req: SimRequest,
  response: SimResponse,
  rehandle: (req: SimRequest) => SimResponse,
): SimResponse {
  if (!isJsonResponse(response)) return response;
  const text = response.body.toString('utf8');
  switch (rule.kind) {
    case 'truncated-json': {
      const cut = Math.max(0, Math.min(response.body.length - 1, Math.floor(response.body.length / 2)));
      return withBody(response, response.body.subarray(0, cut));
    }
    case 'invalid-json':
      // A trailing comma before the closing bracket: what a hand-rolled serializer writes.
      return withBody(response, Buffer.from(text.slice(0, -1) + ',' + text.slice(-1)));
    case 'wrong-types': {
      const variant = rule.variant ?? (WRONG_TYPE_VARIANTS[Math.floor(state.faults.rng() * WRONG_TYPE_VARIANTS.length)] as WrongTypeVariant);
      return withBody(response, Buffer.from(JSON.stringify(wrongTypes(JSON.parse(text), variant))));
    }
    case 'extra-fields':
      return withBody(response, Buffer.from(JSON.stringify(extraFields(JSON.parse(text)))));
    case 'repeat-page': {
      const body = requestJson(req);
      if (!body || body.row_number === undefined) return response;
      const first = { ...body };
      delete first.row_number;
      return rehandle({ ...req, body: Buffer.from(JSON.stringify(first)) });
    }
    case 'endless-pages': {
      const body = requestJson(req);
      const page = JSON.parse(text) as unknown;
      if (!body || !Array.isArray(page)) return response;
      const limit = typeof body.limit === 'number' && body.limit > 0 ? Math.min(body.limit, 10_000) : state.switches.pageLimitDefault;
      const offset = typeof body.row_number === 'number' && body.row_number >= 0 ? body.row_number : 0;
      const statuses = (body.filter as Json | undefined)?.archive_status;
      const status = Array.isArray(statuses) && statuses[0] === 1 ? 1 : 0;
      // The real entries, then invented ones up to a full page: the client always has a reason to ask for the next.
      const phantoms = Array.from({ length: Math.max(0, limit - page.length) }, (_, j) => page.length + j).map((i) => ({
        id: PHANTOM_ID_BASE + status * 1_000_000_000 + offset + i,
        name: `Phantom workspace ${offset + i + 1}`,
        space_used: 0,
        archive_status: status,
        creation_date: '2024-01-01T00:00:00Z',
      }));
      return withBody(response, Buffer.from(JSON.stringify([...page, ...phantoms])));
    }
    default:
      return response;
  }
}
