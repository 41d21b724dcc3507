// The HTTP server: control paths (/__sim/...) go to the control API, everything else is the service (faults,
// latency, then ./api.ts); each service request is logged and sent with the shared sender.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonResponse, readBody, toSimRequest, type SimRequest, type SimResponse } from '../projectplace/http.ts';
import { sendResponse } from '../projectplace/send.ts';
import { handleApi } from './api.ts';
import { controlRoutes } from './control.ts';
import { bodyFault, faultResponse, pickFault } from './faults.ts';
import type { RequestLogEntry, SimState } from './model.ts';

function handleControl(state: SimState, req: SimRequest): SimResponse {
  const allowed: string[] = [];
  for (const r of controlRoutes) {
    if (!r.pattern.test(req.pathname)) continue;
    if (r.method === req.method) return r.handle(state, req);
    allowed.push(r.method);
  }
  if (allowed.length === 0) return jsonResponse(404, { error: `no control route ${req.pathname}` });
  return jsonResponse(405, { error: `method ${req.method} not allowed` }, { allow: [...new Set(allowed)].join(', ') });
}

async function handle(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const sreq = toSimRequest(req, body ?? Buffer.alloc(0));
  if (sreq.pathname.startsWith('/__sim/')) {
    const response = body === null ? jsonResponse(413, { error: 'body too large' }) : handleControl(state, sreq);
    await sendResponse(req, res, response, undefined, () => {});
    return;
  }
  const entry: RequestLogEntry = { method: sreq.method, path: sreq.rawPath, status: 0, user: 'none', at: state.now() };
  state.requests.push(entry);
  if (state.switches.latencyMs > 0) await sleep(state.switches.latencyMs);
  const fault = pickFault(state, sreq.method, sreq.rawPath);
  let response = fault ? faultResponse(fault) : undefined;
  if (!response) {
    // body-parser's limit is 50 MB and its error goes to the same handler as bad JSON; ours stops at 16 MiB.
    if (body === null) response = { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('Error: invalid JSON request: undefined') };
    else {
      const outcome = handleApi(state, sreq);
      response = outcome.response;
      entry.user = outcome.user;
    }
  }
  entry.status = response.status;
  await sendResponse(req, res, response, bodyFault(fault), () => {});
}

export function createSimServer(state: SimState): Server {
  return createServer((req, res) => {
    handle(state, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Internal Server Error: ${(e as Error).message}\n`);
      } else res.destroy();
    });
  });
}
