// The HTTP server: reads requests, routes service and control paths, applies latency, faults, rate limits, auth, logs.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate, clientKey, presentedAuth } from './auth.ts';
import { controlRoutes } from './control.ts';
import { getBlob } from './download.ts';
import { faultStatusResponse, pickFault } from './faults.ts';
import { hostileTransform, isHostileKind } from './hostile.ts';
import { errorResponse, jsonResponse, readBody, toSimRequest, type SimRequest, type SimResponse } from './http.ts';
import type { FaultRule, RequestLogEntry, SimState } from './model.ts';
import { checkRateLimit } from './ratelimit.ts';
import { serviceRoutes } from './routes.ts';
import { sendResponse } from './send.ts';
import { dueTriggers, fireTrigger } from './triggers.ts';

/** Finds the route for a path; 404 when no route has the path, 405 (with Allow) when none has the method. */
function route<T extends { method: string; pattern: RegExp }>(
  routes: T[],
  method: string,
  path: string,
): { route: T; match: RegExpExecArray } | { status: 404 } | { status: 405; allow: string } {
  const m = method === 'HEAD' ? 'GET' : method;
  const allowed: string[] = [];
  for (const r of routes) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    if (r.method === m) return { route: r, match };
    allowed.push(r.method);
  }
  if (allowed.length === 0) return { status: 404 };
  return { status: 405, allow: [...new Set(allowed)].join(', ') };
}

async function handleControl(state: SimState, sreq: SimRequest): Promise<SimResponse> {
  const found = route(controlRoutes, sreq.method, sreq.pathname);
  if ('status' in found) {
    if (found.status === 404) return jsonResponse(404, { error: `no control route ${sreq.pathname}` });
    return jsonResponse(405, { error: `method ${sreq.method} not allowed` }, { allow: found.allow });
  }
  return found.route.handle(state, sreq, found.match);
}

async function handleService(state: SimState, sreq: SimRequest, entry: RequestLogEntry): Promise<{ response: SimResponse; bodyFault?: FaultRule }> {
  if (state.switches.latencyMs > 0) await sleep(state.switches.latencyMs);
  const fault = pickFault(state, sreq.method, sreq.pathname);
  if (fault) {
    const replaced = faultStatusResponse(state, fault);
    if (replaced) return { response: replaced };
  }
  const blob = /^\/__sim\/blob\/([0-9a-f]+)$/.exec(sreq.pathname);
  if (blob) {
    if (sreq.method !== 'GET' && sreq.method !== 'HEAD') return { response: errorResponse(state, 405, 'method not allowed', { allow: 'GET' }) };
    return { response: getBlob(state, sreq, blob[1] as string), bodyFault: fault };
  }
  const found = route(serviceRoutes, sreq.method, sreq.pathname);
  if ('status' in found) {
    if (found.status === 404) return { response: errorResponse(state, 404, `no such resource ${sreq.pathname}`) };
    return { response: errorResponse(state, 405, `method ${sreq.method} not allowed`, { allow: found.allow }) };
  }
  const retryAfter = checkRateLimit(state, clientKey(sreq));
  if (retryAfter !== null) return { response: errorResponse(state, 429, 'rate limit exceeded', { 'retry-after': String(retryAfter) }) };
  if (found.route.auth) {
    const auth = authenticate(state, sreq);
    if (!auth.ok) return { response: auth.response };
    entry.auth = auth.kind;
  }
  const response = found.route.handle(state, sreq, found.match);
  if (fault && isHostileKind(fault.kind)) {
    const rehandle = (changed: SimRequest): SimResponse => found.route.handle(state, changed, found.match);
    return { response: hostileTransform(state, fault, sreq, response, rehandle) };
  }
  return { response, bodyFault: fault };
}

async function handle(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const sreq = toSimRequest(req, body ?? Buffer.alloc(0));
  const isControl = sreq.pathname.startsWith('/__sim/') && !sreq.pathname.startsWith('/__sim/blob/');
  if (isControl) {
    const response = body === null ? jsonResponse(413, { error: 'body too large' }) : await handleControl(state, sreq);
    await sendResponse(req, res, response, undefined, () => {});
    return;
  }
  const entry: RequestLogEntry = { method: sreq.method, path: sreq.rawPath, query: sreq.rawQuery, status: 0, auth: presentedAuth(sreq), bytes: 0 };
  state.requests.push(entry);
  // Triggers count the request when it arrives (faulted or not); `before` ones change the account ahead of its answer.
  const due = dueTriggers(state, sreq.method, sreq.pathname);
  const what = `${sreq.method} ${sreq.pathname}`;
  for (const d of due) if (d.rule.when === 'before') fireTrigger(state, d, what);
  const { response, bodyFault } =
    body === null ? { response: errorResponse(state, 413, 'request body too large'), bodyFault: undefined } : await handleService(state, sreq, entry);
  // `after` ones once the answer is decided: a listing shows the old state, a download streams the old version.
  for (const d of due) if (d.rule.when === 'after') fireTrigger(state, d, what);
  entry.status = response.status;
  await sendResponse(req, res, response, bodyFault, (n) => {
    entry.bytes += n;
  });
}

export function createSimServer(state: SimState): Server {
  const server = createServer((req, res) => {
    handle(state, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Internal Server Error: ${(e as Error).message}\n`);
      } else res.destroy();
    });
  });
  return server;
}
