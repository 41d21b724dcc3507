// One request under the service's paths, in the order the service decides it: base path (HTML 404 outside
// /api/v1/), budget (429), credentials (401), resource and rights (404, 401/403), then the method's handler.

import type { SimRequest, SimResponse } from '../projectplace/http.ts';
import { authenticate, identityLabel, mayRead, presentedLabel } from './auth.ts';
import { afterListPage } from './drift.ts';
import { envelopeResponse, errorEnvelope, htmlNotFound, type MetaContext } from './envelope.ts';
import { isResourceName, type ResourceName, type SimState } from './model.ts';
import { peekBudget, takeCall } from './ratelimit.ts';
import { getRecord, listRecords, type ApiContext, type ApiResult } from './read.ts';
import { SPECS } from './resources.ts';
import { changeRecord, createRecord, removeRecord } from './write.ts';

const API_PATH = /^\/api\/v1\/([^/]+)(?:\/([^/]*))?\/?$/;

/** The docs name the single CRM event path /crmevent/{id} [V crm.md]; both spellings are served. */
const ALIASES: Record<string, ResourceName> = { crmevent: 'crmevents' };

export interface ApiOutcome {
  response: SimResponse;
  /** Whether it used up budget. */
  counted: boolean;
  /** For the request log: app, user:<id>, invalid or none. */
  auth: string;
}

function error(req: SimRequest, meta: MetaContext, status: number, message: string, headers: Record<string, string> = {}): SimResponse {
  return envelopeResponse(req, status, errorEnvelope(meta, status, message), headers);
}

function dispatch(ctx: ApiContext, id: string | undefined): ApiResult {
  const { spec, req, state } = ctx;
  const m = spec.methods;
  const hasId = id !== undefined && id !== '';
  const numericId = hasId && /^\d+$/.test(id) ? Number(id) : undefined;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const notFound = (): ApiResult => ({ status: 404, body: errorEnvelope(ctx.meta, 404, 'Data not found.') });
  if (method === 'GET' && !hasId) {
    if (!m.list || (spec.name === 'invoices' && !state.switches.invoicesList)) return { status: 404, body: errorEnvelope(ctx.meta, 404, 'Not found.') };
    return listRecords(ctx);
  }
  if (method === 'GET' && m.get) return numericId === undefined ? notFound() : getRecord(ctx, numericId);
  if (method === 'POST' && !hasId && m.post) return createRecord(ctx);
  if (method === 'PUT' && hasId && m.put) return numericId === undefined ? notFound() : changeRecord(ctx, numericId);
  if (method === 'DELETE' && hasId && m.delete) return numericId === undefined ? notFound() : removeRecord(ctx, numericId);
  return { status: 405, body: errorEnvelope(ctx.meta, 405, 'Method not allowed.') };
}

export function handleApi(state: SimState, req: SimRequest): ApiOutcome {
  const match = API_PATH.exec(req.pathname);
  if (!match) return { response: htmlNotFound(req.pathname), counted: false, auth: 'none' };
  const raw = match[1] as string;
  const name = ALIASES[raw] ?? raw;
  const known = isResourceName(name);
  if (!known && state.switches.unknownResource === 'html') return { response: htmlNotFound(req.pathname), counted: false, auth: 'none' };

  const auth = authenticate(state, req);
  const authLabel = auth.ok ? identityLabel(auth.identity) : presentedLabel(state, req) === 'none' ? 'none' : 'invalid';
  const scope = state.switches.rateLimitScope === 'account' ? 'account' : presentedLabel(state, req);
  if (!auth.ok && !state.switches.countUnauthenticated) {
    return { response: error(req, { budget: peekBudget(state, scope) }, 401, auth.message), counted: false, auth: authLabel };
  }
  const budget = takeCall(state, scope);
  const meta: MetaContext = { budget, ...(auth.ok && { identity: auth.identity }) };
  if (!budget.allowed) {
    const headers: Record<string, string> = state.switches.retryAfterHeader ? { 'retry-after': String(budget.resetSeconds) } : {};
    // [G] wording; the docs only say the message tells when (in seconds) the API may be called again.
    const message = `API limit exceeded. Try again in ${budget.resetSeconds} seconds.`;
    return { response: error(req, meta, 429, message, headers), counted: false, auth: authLabel };
  }
  if (!auth.ok) return { response: error(req, meta, 401, auth.message), counted: true, auth: authLabel };
  if (!known) return { response: error(req, meta, 404, 'Resource not found.'), counted: true, auth: authLabel };
  const spec = SPECS[name];
  if (!mayRead(auth.identity, name)) {
    const status = state.switches.forbiddenStatus;
    return { response: error(req, meta, status, status === 401 ? 'Unauthorized.' : 'Access denied.'), counted: true, auth: authLabel };
  }
  const ctx: ApiContext = { state, req, spec, identity: auth.identity, meta };
  const result = dispatch(ctx, match[2]);
  const response = envelopeResponse(req, result.status, result.body);
  if (result.servedIds && result.status === 200) afterListPage(state, name, result.servedIds);
  return { response, counted: true, auth: authLabel };
}
