// Minimal HS256 JSON Web Tokens for the local GitHub services: the runtime token and the OIDC id token.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `claims` with HMAC-SHA256. Real GitHub tokens are RS256; nobody outside the simulator verifies these. */
export function signJwt(claims: JwtClaims, secret: Buffer): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(sig)}`;
}

/** The claims of a token signed with `secret` and not expired at `nowSeconds`; undefined otherwise. */
export function verifyJwt(token: string, secret: Buffer, nowSeconds: number = Math.floor(Date.now() / 1000)): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  const want = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const c = claims as JwtClaims;
  if (typeof c.exp === 'number' && c.exp < nowSeconds) return undefined;
  if (typeof c.nbf === 'number' && c.nbf > nowSeconds + 60) return undefined;
  return c;
}

/** The claims of any three-part token, unverified (as @actions/artifact reads the runtime token). */
export function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const c: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}

export function randomSecret(): Buffer {
  return randomBytes(32);
}
