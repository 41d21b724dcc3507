// The {meta, data} envelope of every API answer [V grundlagen.md], as JSON or JSONP (?jsonp[=callback]), and the
// HTML page a wrong base path gets [V bruno grundlagen/04].

import type { SimRequest, SimResponse } from '../projectplace/http.ts';
import type { Identity } from './auth.ts';
import type { Row } from './model.ts';
import type { Budget } from './ratelimit.ts';

/** What the meta of an answer reports besides its own content. */
export interface MetaContext {
  identity?: Identity;
  budget?: Budget;
}

/** User keys: requestUserID, requestUsername, usergroupName [V]; app integrations: requestAppID, requestIntegration
 * instead [V measured]. Error envelopes omit requestUsername, as in the docs' example. */
function identityMeta(identity: Identity | undefined, forError: boolean): Row {
  if (!identity) return {};
  if (identity.kind === 'app') return { requestAppID: /^\d+$/.test(identity.appId) ? Number(identity.appId) : identity.appId, requestIntegration: identity.integration };
  return forError
    ? { requestUserID: identity.userID, usergroupName: identity.usergroup }
    : { requestUserID: identity.userID, requestUsername: identity.username, usergroupName: identity.usergroup };
}

function limitMeta(budget: Budget | undefined): Row {
  return budget ? { apiLimitRemaining: budget.remaining, apiLimitReset: budget.resetSeconds } : {};
}

export function listEnvelope(ctx: MetaContext, page: number, perPage: number, totalCount: number, data: Row[]): Row {
  return {
    meta: { status: 200, perPage, page, totalCount, ...identityMeta(ctx.identity, false), ...limitMeta(ctx.budget) },
    data,
  };
}

export function objectEnvelope(ctx: MetaContext, status: number, data: Row | unknown[], extraMeta: Row = {}): Row {
  return { meta: { status, ...extraMeta, ...identityMeta(ctx.identity, false), ...limitMeta(ctx.budget) }, data };
}

export function errorEnvelope(ctx: MetaContext, status: number, message: string): Row {
  return { meta: { status, message, ...identityMeta(ctx.identity, true), ...limitMeta(ctx.budget) }, data: [] };
}

const CALLBACK = /^[A-Za-z_$][\w$.]{0,63}$/;

/** The body as JSON, or wrapped in a callback when the request has ?jsonp [V; content type I]. */
export function envelopeResponse(req: SimRequest, status: number, body: Row, headers: Record<string, string> = {}): SimResponse {
  const json = JSON.stringify(body);
  if (req.query.has('jsonp')) {
    const asked = req.query.get('jsonp') ?? '';
    const cb = CALLBACK.test(asked) ? asked : 'callback';
    return { status, headers: { 'content-type': 'application/javascript; charset=utf-8', ...headers }, body: Buffer.from(`${cb}(${json});`) };
  }
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: Buffer.from(json) };
}

/** What the web server answers outside /api/v1/: an HTML page, not the JSON envelope. */
export function htmlNotFound(path: string): SimResponse {
  const safe = path.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>404 Seite nicht gefunden | ProSonata</title></head>
<body>
<h1>Seite nicht gefunden</h1>
<p>Die angeforderte Seite <code>${safe}</code> existiert nicht.</p>
</body>
</html>
`;
  return { status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: Buffer.from(html) };
}

/** What a PHP fatal error looks like through the web server (fault html-500). */
export function htmlServerError(): SimResponse {
  const html = '<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n';
  return { status: 500, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: Buffer.from(html) };
}
