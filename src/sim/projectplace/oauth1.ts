// OAuth 1.0a request verification (RFC 5849, HMAC-SHA1 only), modelled on the Projectplace/oauth1 server library.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { header, type SimRequest } from './http.ts';
import { nowMs, rfc3986, type SimState } from './model.ts';

/** Future timestamps beyond this many seconds are a 400. */
export const MAX_SKEW_SECONDS = 600;

export type OAuth1Result =
  | { ok: true; clientKey: string; token: string }
  | { ok: false; status: 400 | 401; message: string };

/** Whether the request presents OAuth1 credentials at all (header or protocol parameters in query/body). */
export function presentsOAuth1(req: SimRequest): boolean {
  const auth = header(req, 'authorization');
  if (auth && /^oauth\s/i.test(auth)) return true;
  return req.query.has('oauth_signature') || req.query.has('oauth_consumer_key') || formParams(req).some(([k]) => k.startsWith('oauth_'));
}

function formParams(req: SimRequest): [string, string][] {
  const type = header(req, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded/i.test(type) || req.body.length === 0) return [];
  return [...new URLSearchParams(req.body.toString('utf8'))];
}

class BadHeader extends Error {}

/** Parses `OAuth k="v", …` into pairs, percent-decoding values and skipping realm. */
export function parseAuthorizationHeader(value: string | undefined): [string, string][] {
  if (!value || !/^oauth\s/i.test(value)) return [];
  const out: [string, string][] = [];
  for (const raw of value.slice(6).split(',')) {
    const chunk = raw.trimStart();
    if (chunk.trim() === '') continue;
    if (chunk.startsWith('realm=')) continue;
    const i = chunk.indexOf('=');
    if (i < 0) throw new BadHeader(`missing "=" in ${JSON.stringify(chunk)}`);
    const k = chunk.slice(0, i);
    const v = chunk.slice(i + 1).trimEnd();
    if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) throw new BadHeader(`missing surrounding quotes in ${JSON.stringify(chunk)}`);
    try {
      out.push([k, decodeURIComponent(v.slice(1, -1))]);
    } catch {
      throw new BadHeader(`bad value ${JSON.stringify(v)}`);
    }
  }
  return out;
}

/** scheme://lower(host)[:port]/path as the client addressed it; port dropped only for 80 (http). */
export function baseStringUri(req: SimRequest): string {
  let authority = req.host.toLowerCase();
  const m = /^(.*):(\d+)$/.exec(authority);
  if (m && m[2] === '80') authority = m[1] as string;
  return `http://${authority}${req.rawPath}`;
}

/** Normalised parameter string (RFC 5849 3.4.1.3.2): encoded pairs sorted by name, then value. */
export function normalizeParams(params: [string, string][]): string {
  return params
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => rfc3986(k) + '\u0000' + rfc3986(v))
    .sort()
    .join('&')
    .replaceAll('\u0000', '=');
}

export function signatureBaseString(method: string, uri: string, params: [string, string][]): string {
  return `${rfc3986(method.toUpperCase())}&${rfc3986(uri)}&${rfc3986(normalizeParams(params))}`;
}

export function hmacSha1(base: string, consumerSecret: string, tokenSecret: string): Buffer {
  return createHmac('sha1', `${rfc3986(consumerSecret)}&${rfc3986(tokenSecret)}`).update(base).digest();
}

function pruneNonces(state: SimState, now: number): void {
  if (state.auth.nonces.size < 10_000) return;
  for (const [k, until] of state.auth.nonces) if (until < now) state.auth.nonces.delete(k);
}

/** Verifies an OAuth1-signed request against the simulator's robot credentials. */
export function verifyOAuth1(state: SimState, req: SimRequest): OAuth1Result {
  const bad = (message: string): OAuth1Result => ({ ok: false, status: 400, message });
  const unauthorized = (message: string): OAuth1Result => ({ ok: false, status: 401, message });

  let params: [string, string][];
  try {
    params = [...parseAuthorizationHeader(header(req, 'authorization')), ...req.query, ...formParams(req)];
  } catch (e) {
    return bad(`bad authorization header: ${(e as Error).message}`);
  }
  const values = new Map<string, string[]>();
  for (const [k, v] of params) values.set(k, [...(values.get(k) ?? []), v]);
  const required = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce', 'oauth_signature'];
  const optional = ['oauth_version', 'oauth_token', 'oauth_callback', 'oauth_verifier'];
  for (const k of [...required, ...optional]) {
    const vs = values.get(k);
    if (!vs) {
      if (required.includes(k)) return bad(`missing ${k} parameter`);
      continue;
    }
    if (vs.length > 1) return bad(`multiple values for ${k} parameter`);
    if (vs[0] === '') return bad(`bad value for ${k} parameter`);
  }
  const one = (k: string): string | undefined => values.get(k)?.[0];
  const version = one('oauth_version');
  if (version !== undefined && version !== '1.0') return bad('bad value for oauth_version parameter: only version 1.0 supported');
  if (one('oauth_signature_method') !== 'HMAC-SHA1') return bad('bad value for oauth_signature_method parameter: only HMAC-SHA1 supported');
  const tsText = one('oauth_timestamp') as string;
  if (!/^\d{1,12}$/.test(tsText)) return bad('bad value for oauth_timestamp parameter');
  const ts = Number(tsText);
  const signature = Buffer.from(one('oauth_signature') as string, 'base64');
  if (signature.length !== 20) return bad('bad value for oauth_signature parameter');

  const now = nowMs(state);
  const age = now / 1000 - ts;
  if (age > state.switches.nonceMaxAgeSeconds) return unauthorized(`timestamp expired ${Math.floor(age)}s ago`);
  if (-age > MAX_SKEW_SECONDS) return bad(`timestamp set ${Math.ceil(-age)}s in future`);

  const creds = state.credentials;
  const clientKey = one('oauth_consumer_key') as string;
  if (clientKey !== creds.consumerKey) return unauthorized('client credentials not found');
  const token = one('oauth_token') ?? '';
  if (token !== '' && token !== creds.accessToken) return unauthorized('token credentials not found');

  const base = signatureBaseString(req.method, baseStringUri(req), params);
  const expected = hmacSha1(base, creds.consumerSecret, token === '' ? '' : creds.accessTokenSecret);
  if (!timingSafeEqual(expected, signature)) return unauthorized('invalid signature');

  const nonceKey = `${clientKey}|${token}|${ts}|${one('oauth_nonce') as string}`;
  if (state.auth.nonces.has(nonceKey)) return unauthorized('nonce already used');
  pruneNonces(state, now);
  state.auth.nonces.set(nonceKey, now + (state.switches.nonceMaxAgeSeconds + MAX_SKEW_SECONDS) * 1000);
  return { ok: true, clientKey, token };
}
