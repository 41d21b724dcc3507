// JSON Web Tokens as jsonwebtoken 5 makes and checks them for damas-core's jwt extension: HS256 over
// base64url(header).base64url(payload), `iat` and `exp` in seconds, `expiresIn` a number of seconds or an `ms` string.

import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (buf: Buffer): string => buf.toString('base64url');

/** The `ms` package's reading of a duration: milliseconds, or undefined when it is not one ("1d", "2h", "90", "1.5 hours"). */
export function parseMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) return undefined;
  const m = /^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?$/i.exec(value);
  if (!m) return undefined;
  const n = Number.parseFloat(m[1]!);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const s = 1000;
  const factor =
    /^(years?|yrs?|y)$/.test(unit) ? s * 60 * 60 * 24 * 365.25
    : /^(weeks?|w)$/.test(unit) ? s * 60 * 60 * 24 * 7
    : /^(days?|d)$/.test(unit) ? s * 60 * 60 * 24
    : /^(hours?|hrs?|h)$/.test(unit) ? s * 60 * 60
    : /^(minutes?|mins?|m)$/.test(unit) ? s * 60
    : /^(seconds?|secs?|s)$/.test(unit) ? s
    : 1;
  return n * factor;
}

/** Signs a payload; adds iat (now) and exp (iat + expiresIn: seconds when a number, an `ms` string otherwise). */
export function signJwt(payload: Record<string, unknown>, key: string, expiresIn: string | number, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const body: Record<string, unknown> = { ...payload, iat };
  const span = typeof expiresIn === 'number' ? expiresIn : Math.floor((parseMs(expiresIn) ?? 0) / 1000);
  body.exp = iat + span;
  const head = b64url(Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })));
  const data = `${head}.${b64url(Buffer.from(JSON.stringify(body)))}`;
  return `${data}.${b64url(createHmac('sha256', key).update(data).digest())}`;
}

/** jwt.decode: the payload of a well-formed token, without checking it; null otherwise. */
export function decodeJwt(token: string | undefined | null): Record<string, unknown> | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** jwt.verify: signature by `key` (HS256 only) and, unless ignored, expiry (expired when now >= exp). */
export function verifyJwt(token: string, key: string, opts: { ignoreExpiration?: boolean; nowMs: number }): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') return null;
  const want = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2]!, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  const payload = decodeJwt(token);
  if (!payload) return null;
  if (payload.exp !== undefined && !opts.ignoreExpiration) {
    if (typeof payload.exp !== 'number' || Math.floor(opts.nowMs / 1000) >= payload.exp) return null;
  }
  return payload;
}
