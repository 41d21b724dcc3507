// Authentication of service requests: picks OAuth1 or Bearer from what the request presents, answers 401/400 otherwise.

import { errorResponse, header, type SimRequest, type SimResponse } from './http.ts';
import type { SimState } from './model.ts';
import { presentsOAuth1, verifyOAuth1 } from './oauth1.ts';
import { bearerToken, REALM, verifyBearer } from './oauth2.ts';

export type AuthKind = 'oauth1' | 'oauth2' | 'none';

export type AuthResult = { ok: true; kind: 'oauth1' | 'oauth2'; client: string } | { ok: false; response: SimResponse };

const OAUTH1_CHALLENGE = `OAuth realm="${REALM}"`;

/** Which scheme the request presents (for the request log), valid or not. */
export function presentedAuth(req: SimRequest): AuthKind {
  if (req.pathname.startsWith('/oauth2/')) return 'oauth2';
  if (bearerToken(req) !== undefined) return 'oauth2';
  if (presentsOAuth1(req)) return 'oauth1';
  return 'none';
}

/** A cheap identity for rate limiting, taken from the credentials presented (not verified). */
export function clientKey(req: SimRequest): string {
  const auth = header(req, 'authorization') ?? '';
  const bearer = bearerToken(req);
  if (bearer) return `bearer:${bearer}`;
  const ck = /oauth_consumer_key="([^"]*)"/.exec(auth)?.[1] ?? req.query.get('oauth_consumer_key');
  if (ck) return `oauth1:${ck}|${/oauth_token="([^"]*)"/.exec(auth)?.[1] ?? req.query.get('oauth_token') ?? ''}`;
  const basic = /^basic\s+(\S+)$/i.exec(auth);
  if (basic) return `basic:${Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':')[0] ?? ''}`;
  return `addr:${req.remoteAddress}`;
}

export function authenticate(state: SimState, req: SimRequest): AuthResult {
  if (bearerToken(req) !== undefined) {
    const r = verifyBearer(state, req);
    if (r.ok) return { ok: true, kind: 'oauth2', client: r.clientId };
    return {
      ok: false,
      response: errorResponse(state, 401, r.message, {
        'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${r.message}"`,
      }),
    };
  }
  if (presentsOAuth1(req)) {
    const r = verifyOAuth1(state, req);
    if (r.ok) return { ok: true, kind: 'oauth1', client: r.clientKey };
    const headers: Record<string, string> = r.status === 401 ? { 'www-authenticate': OAUTH1_CHALLENGE } : {};
    return { ok: false, response: errorResponse(state, r.status, r.message, headers) };
  }
  return {
    ok: false,
    response: errorResponse(state, 401, 'missing credentials', { 'www-authenticate': [OAUTH1_CHALLENGE, `Bearer realm="${REALM}"`] }),
  };
}
