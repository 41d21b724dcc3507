// OAuth2 client-credentials token endpoint (POST /oauth2/access_token) and Bearer token verification.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { errorResponse, header, jsonResponse, type SimRequest, type SimResponse } from './http.ts';
import { nowMs, type SimState } from './model.ts';

export const REALM = 'Projectplace';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Client id and secret from HTTP Basic (RFC 6749 2.3.1) or from the form body. */
function clientCredentials(req: SimRequest, form: URLSearchParams): { id: string; secret: string; basic: boolean } | undefined {
  const auth = header(req, 'authorization');
  const m = auth ? /^basic\s+(\S+)$/i.exec(auth) : null;
  if (m) {
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    return { id: decodeFormComponent(decoded.slice(0, i)), secret: decodeFormComponent(decoded.slice(i + 1)), basic: true };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (id === null || secret === null) return undefined;
  return { id, secret, basic: false };
}

/** POST /oauth2/access_token: grant_type=client_credentials → {access_token, token_type, expires[, expires_in]}. */
export function tokenEndpoint(state: SimState, req: SimRequest): SimResponse {
  const form = new URLSearchParams(req.body.toString('utf8'));
  const grant = form.get('grant_type');
  if (!grant) return errorResponse(state, 400, 'invalid_request: missing grant_type');
  if (grant !== 'client_credentials') return errorResponse(state, 400, `unsupported_grant_type: ${grant}`);
  const client = clientCredentials(req, form);
  const creds = state.credentials;
  if (!client || !safeEqual(client.id, creds.clientId) || !safeEqual(client.secret, creds.clientSecret)) {
    return errorResponse(state, 401, 'invalid_client', { 'www-authenticate': `Basic realm="${REALM}"` });
  }
  const lifetime = state.switches.tokenLifetimeSeconds;
  const token = randomBytes(20).toString('hex');
  const now = nowMs(state);
  state.auth.tokens.set(token, { clientId: client.id, expiresAt: now + lifetime * 1000 });
  if (state.auth.tokens.size > 10_000) {
    for (const [k, t] of state.auth.tokens) if (t.expiresAt < now) state.auth.tokens.delete(k);
  }
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires: lifetime };
  if (state.switches.emitExpiresIn) body.expires_in = lifetime;
  return jsonResponse(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

export type BearerResult = { ok: true; clientId: string } | { ok: false; message: string };

export function bearerToken(req: SimRequest): string | undefined {
  const auth = header(req, 'authorization');
  const m = auth ? /^bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m ? (m[1] as string) : undefined;
}

/** Checks `Authorization: Bearer <token>` against issued, unexpired tokens. */
export function verifyBearer(state: SimState, req: SimRequest): BearerResult {
  const token = bearerToken(req);
  if (!token) return { ok: false, message: 'invalid token' };
  const t = state.auth.tokens.get(token);
  if (!t) return { ok: false, message: 'invalid token' };
  if (t.expiresAt <= nowMs(state)) return { ok: false, message: 'token expired' };
  return { ok: true, clientId: t.clientId };
}
