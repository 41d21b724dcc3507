// One request under /api, in the order the real server's middleware takes it (server-nodejs/index.js and its
// extensions): body parsing (400 on bad JSON), the jwt middleware and its 401, restricted_keys, the permissions
// middleware (authorMode), then the route of routes/cruds.js.

import type { SimRequest, SimResponse } from '../projectplace/http.ts';
import { header } from '../projectplace/http.ts';
import { identify, signIn, userLabel, type ReqUser } from './auth.ts';
import type { DamasNode, SimState } from './model.ts';
import { expressCrash, expressNotFound, HIDDEN, httpError, json, text } from './respond.ts';
import { graph, mongoSearch, prepareRegexes, textSearch } from './search.ts';
import { createNodes, readNodes, removeNodes, updateNodes } from './store.ts';

type Json = Record<string, unknown>;

export interface ApiOutcome {
  response: SimResponse;
  /** For the request log. */
  user: string;
}

/** Thrown where the real server throws inside a route or middleware (Express answers 500 with the message). */
class Crash extends Error {}

const nullRead = (): never => {
  throw new Crash("TypeError: Cannot read properties of null (reading '_id')");
};

/** body-parser: JSON (strict: false, any JSON value) for application/json, a form for urlencoded, else {}. */
function parseBody(req: SimRequest): { ok: true; value: unknown } | { ok: false } {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = req.body.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    if (text.trim() === '') return { ok: true, value: {} };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  return { ok: true, value: {} };
}

/** db.read's querify/exportId: any id that is not a string (or a number's string form) makes it throw. */
function dbRead(state: SimState, ids: unknown[]): Array<DamasNode | null> {
  if (ids.some((id) => typeof id !== 'string')) nullRead();
  return readNodes(state, ids as string[]);
}

/** getBodyIds: the body as a list of ids (strings, or numbers), or false. */
function bodyIds(body: unknown): unknown[] | false {
  if (body === undefined || body === null) return false;
  const ids = Array.isArray(body) ? body : [body];
  if (ids.length === 0 || ids.some((id) => typeof id !== 'string' && typeof id !== 'number')) return false;
  return ids;
}

/** unfoldIds: a node whose _id is an array stands for one node per id. */
function unfold(nodes: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const n of nodes) {
    const id = (n as Json | null)?._id;
    if (typeof n === 'object' && n !== null && Array.isArray(id)) for (const one of id) out.push({ ...(n as Json), _id: one });
    else out.push(n);
  }
  return out;
}

/** getMultipleResponse: all null is a failure, some null a partial answer. */
function multiple(doc: unknown[]): { fail: boolean; partial: boolean } {
  let fail = true;
  let partial = false;
  for (const d of doc) {
    if (d === null) partial = true;
    else fail = false;
  }
  return { fail, partial };
}

function isOperationAllowed(route: string, cls: unknown): boolean {
  if (['create', 'lock', 'unlock', 'publish', 'upload', 'version', 'file', 'comment'].includes(route)) return ['user', 'editor', 'admin'].includes(cls as string);
  if (['update', 'upsert', 'delete'].includes(route)) return ['editor', 'admin'].includes(cls as string);
  return true;
}

/** restricted_keys: for non-admins, author, class, time and username are dropped from written nodes, `active` forced false. */
function restrictKeys(body: unknown): unknown {
  const override = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    const o = node as Json;
    for (const k of ['author', 'class', 'time', 'username']) delete o[k];
    if ('active' in o) o.active = false;
    return o;
  };
  return Array.isArray(body) ? body.map(override) : override(body);
}

interface Route {
  method: string;
  /** Matched against the raw (still encoded) path; Express is case-insensitive and ignores one trailing slash. */
  pattern: RegExp;
  handle(ctx: Ctx, m: RegExpExecArray): SimResponse;
}

interface Ctx {
  state: SimState;
  req: SimRequest;
  user: ReqUser;
  body: unknown;
}

/** Express decodes each route parameter with decodeURIComponent; a malformed one is a 400. */
function param(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new BadParam(raw ?? '');
  }
}
class BadParam extends Error {}

function creationFields(user: ReqUser, state: SimState): Json {
  return { author: user.username, time: state.now() };
}

const routes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/create\/?$/i,
    handle: ({ state, user, body }) => {
      const list = Array.isArray(body) ? body : [body];
      const nodes: Json[] = [];
      for (const n of list) {
        if (typeof n !== 'object' || n === null) return httpError(state, 400, 'Create');
        nodes.push({ ...creationFields(user, state), ...(n as Json) });
      }
      const doc = createNodes(state, unfold(nodes) as Json[], userLabel(user));
      const r = multiple(doc);
      if (r.fail) return httpError(state, 409, 'Create');
      if (r.partial) return json(207, doc);
      return json(201, doc.length === 1 && !Array.isArray(body) ? doc[0] : doc);
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/update\/?$/i,
    handle: ({ state, user, body }) => {
      const list = Array.isArray(body) ? body : [body];
      for (const n of list) {
        if (n === HIDDEN) continue;
        if (typeof n !== 'object' || n === null || Object.keys(n).length < 2 || !(n as Json)._id) return httpError(state, 400, 'Update');
      }
      const nodes = unfold(list);
      const real = nodes.filter((n) => n !== HIDDEN) as Json[];
      const doc: unknown[] = updateNodes(state, real, userLabel(user));
      nodes.forEach((n, i) => {
        if (n === HIDDEN) doc.splice(i, 0, HIDDEN);
      });
      const r = multiple(doc);
      if (r.fail) return httpError(state, 404, 'Update');
      if (r.partial) return json(207, doc);
      return json(200, doc.length > 1 ? doc : doc[0]);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/upsert\/?$/i,
    handle: ({ state, user, body }) => {
      const list = Array.isArray(body) ? body : [body];
      for (const n of list) if (typeof n !== 'object' || n === null) return httpError(state, 400, 'Upsert');
      const nodes = unfold(list) as Json[];
      for (const n of nodes) if (n._id === 'null') delete n._id;
      const array = nodes.map((n) => ({ ...creationFields(user, state), ...n }));
      const result = createNodes(state, array, userLabel(user));
      const toUpdate: Json[] = [];
      const created: Json[] = [];
      nodes.forEach((n, i) => (result[i] === null ? toUpdate.push(n) : created.push(result[i] as Json)));
      const r = multiple(result);
      if (r.fail) {
        const updates = updateNodes(state, nodes, userLabel(user));
        return json(200, updates.length > 1 ? updates : updates[0]);
      }
      if (r.partial) return json(200, [...created, ...updateNodes(state, toUpdate, userLabel(user))]);
      return json(200, created.length > 1 ? result : result[0]);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/read\/(.*)$/i,
    handle: (ctx, m) => readRoute(ctx, param(m[1])),
  },
  {
    method: 'POST',
    pattern: /^\/api\/read\/?$/i,
    handle: (ctx) => readRoute(ctx, ''),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/delete\/?$/i,
    handle: ({ state, user, body }) => {
      const ids = bodyIds(body);
      if (!ids) return httpError(state, 400, 'Remove');
      if (ids.some((id) => typeof id !== 'string')) nullRead();
      const doc = removeNodes(state, ids as string[], userLabel(user));
      const r = multiple(doc);
      if (r.fail) return httpError(state, 404, 'Remove');
      if (r.partial) return json(207, doc);
      return json(200, doc.length === 1 && !Array.isArray(body) ? doc[0] : doc);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/graph\/([^/]+)\/(.*)$/i,
    handle: (ctx, m) => graphRoute(ctx, param(m[1]), param(m[2])),
  },
  {
    method: 'POST',
    pattern: /^\/api\/graph\/([^/]+)\/?$/i,
    handle: (ctx, m) => graphRoute(ctx, param(m[1]), ''),
  },
  {
    method: 'GET',
    pattern: /^\/api\/search\/(.*)$/i,
    handle: ({ state }, m) => {
      const q = normaliseQuery(param(m[1]));
      if (q === undefined) return httpError(state, 400, 'Search');
      return json(200, textSearch(state, q));
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/search_one\/(.*)$/i,
    handle: ({ state }, m) => {
      const q = normaliseQuery(param(m[1]));
      if (q === undefined) return httpError(state, 400, 'Search_one');
      const first = textSearch(state, q)[0];
      // No match: the real server reads [undefined] and throws inside a database callback, which ends its process;
      // the simulator answers the 500 a client would see from a restarted server's proxy.
      if (first === undefined) nullRead();
      return json(200, readNodes(state, [first!])[0]);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/search_mongo\/?$/i,
    handle: ({ state, body }) => {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Json;
      let data: Json = b;
      if (b.queryobj) {
        try {
          data = JSON.parse(String(b.queryobj)) as Json;
        } catch (e) {
          throw new Crash(`SyntaxError: ${(e as Error).message}`);
        }
        if (typeof data !== 'object' || data === null) throw new Crash("TypeError: Cannot read properties of null (reading 'query')");
      }
      const query = data.query;
      try {
        prepareRegexes(query);
      } catch (e) {
        throw new Crash(`SyntaxError: ${(e as Error).message}`);
      }
      let answer: ReturnType<typeof mongoSearch>;
      try {
        answer = mongoSearch(state, query, data.sort, toInt32(data.skip), toInt32(data.limit));
      } catch {
        return httpError(state, 500, 'Search_mongo');
      }
      if (state.switches.deleteBehind > 0 && toInt32(data.skip) > 0) deleteFirst(state);
      return json(200, answer);
    },
  },
  {
    // extensions/dam.js is given `express` instead of the routes object, so lock and unlock always fail.
    method: 'PUT',
    pattern: /^\/api\/(?:lock|unlock)\/?$/i,
    handle: () => {
      throw new Crash('TypeError: routes.update is not a function');
    },
  },
];

/** The deleteBehind switch: removes the first node in _id order that is not a user. */
function deleteFirst(state: SimState): void {
  const first = mongoSearch(state, { username: { $exists: false } }, { _id: 1 }, 0, 1).ids[0];
  if (first === undefined) return;
  removeNodes(state, [first], 'drift');
  state.switches.deleteBehind--;
}

/** `value | 0` in JavaScript. */
function toInt32(v: unknown): number {
  return Number(v) | 0;
}

/** search and search_one: the query decoded once more, white space collapsed; undefined when missing. */
function normaliseQuery(q: string): string | undefined {
  if (!q || q === 'undefined') return undefined;
  let d: string;
  try {
    d = decodeURIComponent(q);
  } catch {
    throw new Crash('URIError: URI malformed');
  }
  return d.replace(/\s+/g, ' ').trim();
}

function readRoute({ state, body }: Ctx, idParam: string): SimResponse {
  const ids = idParam ? idParam.split(',') : bodyIds(body);
  if (!ids) return httpError(state, 400, 'Read');
  const doc = dbRead(state, ids);
  const r = multiple(doc);
  if (r.fail) return httpError(state, 404, 'Read');
  if (r.partial) return json(207, doc);
  // isArray(req): for a URL parameter the real code compares 1 < "<ids>" (true only for a number above 1).
  const asArray = idParam ? 1 < Number(idParam) : Array.isArray(body);
  return json(200, doc.length === 1 && !asArray ? doc[0] : doc);
}

function graphRoute({ state, body }: Ctx, depthParam: string, idParam: string): SimResponse {
  const ids = idParam ? idParam.split(',') : bodyIds(body);
  if (!ids) return httpError(state, 400, 'Graph');
  if (ids.some((id) => typeof id !== 'string')) nullRead();
  const depth = Number(depthParam) || 0;
  const nodes = graph(state, ids as string[], depth);
  const r = multiple(nodes);
  if (r.fail) return httpError(state, 404, 'Graph');
  if (r.partial) return json(207, nodes);
  return json(200, nodes);
}

/**
 * routes/permissions.js for /api/<route>/…: read, update, upsert and delete go through the author filter when
 * authorMode is on (it reads the ids first, so a body that holds no ids, such as GET /api/read's empty one or any
 * upsert's nodes, makes it throw); other routes only check the user's class.
 */
function permissions(ctx: Ctx, route: string): SimResponse | undefined {
  const { state, user } = ctx;
  const copy = Array.isArray(ctx.body) ? [...ctx.body] : [ctx.body];
  const allowed = isOperationAllowed(route, user.class);
  if (!['read', 'update', 'upsert', 'delete'].includes(route)) return allowed ? undefined : httpError(state, 403, `Access ${route}`);
  let ids: unknown[] = copy;
  if (route === 'update') ids = unfold(copy).map((n) => (n as Json | null)?._id);
  if (!state.switches.authorMode) return allowed ? undefined : httpError(state, 403, `Access ${route}`);
  const nodes = dbRead(state, ids);
  const perms = nodes.map((n) => {
    if (n === null) return true;
    const author = n.author;
    return Array.isArray(author) ? author.includes(user.username) : author === user.username;
  });
  if (user.class === 'admin') return undefined;
  if (route !== 'read' && allowed) return undefined;
  const table = unfold(copy);
  perms.forEach((ok, i) => {
    if (!ok) table.splice(i, 1, HIDDEN);
  });
  ctx.body = table;
  return undefined;
}

export function handleApi(state: SimState, req: SimRequest): ApiOutcome {
  const path = req.rawPath;
  if (!/^\/api(?:\/|$)/i.test(path)) return { response: expressNotFound(req.method, path), user: 'none' };
  const parsed = parseBody(req);
  if (!parsed.ok) return { response: text(state, 400, `Error: invalid JSON request: ${req.body.toString('utf8')}`), user: 'none' };
  const user = identify(state, req);
  const label = userLabel(user);
  const jwt = state.switches.jwt;
  try {
    if (jwt && !user.username && path !== '/api/signIn/') {
      return { response: json(401, '401 Unauthorized (invalid token and authentication is required)'), user: label };
    }
    if (jwt && req.method === 'POST' && /^\/api\/signIn\/?$/i.test(path)) return { response: signIn(state, req, parsed.value), user: label };
    if (req.method === 'GET' && /^\/api\/verify\/?$/i.test(path)) return { response: json(200, jwt ? user : {}), user: label };
    const ctx: Ctx = { state, req, user, body: user.class === 'admin' ? parsed.value : restrictKeys(parsed.value) };
    if (state.switches.lastActivity && typeof user._id === 'object' && user._id !== null) {
      updateNodes(state, [{ _id: String(user._id), lastActivity: state.now() }], label);
    }
    const route = /^\/api\/([^/]+)/i.exec(path)?.[1];
    const candidates = routes.filter((r) => r.method === req.method && r.pattern.test(path));
    if (candidates.length === 0) return { response: expressNotFound(req.method, path), user: label };
    if (route !== undefined) {
      const refused = permissions(ctx, param(route));
      if (refused) return { response: refused, user: label };
    }
    const r = candidates[0]!;
    return { response: r.handle(ctx, r.pattern.exec(path)!), user: label };
  } catch (e) {
    if (e instanceof BadParam) return { response: text(state, 400, `Failed to decode param '${e.message}'`), user: label };
    if (e instanceof Crash) return { response: expressCrash(e.message), user: label };
    throw e;
  }
}
