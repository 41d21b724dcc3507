// Projectplace authentication: OAuth1 robot signatures (oauth-1.0a) and OAuth2 client-credentials tokens.

import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { request, type Dispatcher } from 'undici';
import { AuthError, ServiceError } from '../../lib/errors.ts';
import { addSecret } from '../../lib/log.ts';
import { describeNonJson } from './describe.ts';
import type { ProjectplaceAuth } from './settings.ts';

export interface Authenticator {
  /** The Authorization header for one request; OAuth1 signs each call with a fresh nonce. */
  header(method: string, url: string): Promise<string>;
  /** Called after a 401: drop a cached token so the next header() fetches a new one. Returns false if nothing can change. */
  invalidate(): boolean;
  /** Which credentials to check, for error messages. */
  readonly hint: string;
  readonly kind: 'oauth1' | 'oauth2';
}

export function createAuthenticator(auth: ProjectplaceAuth, host: string, dispatcher: Dispatcher): Authenticator {
  return auth.kind === 'oauth1' ? oauth1Authenticator(auth) : oauth2Authenticator(auth, host, dispatcher);
}

function oauth1Authenticator(auth: Extract<ProjectplaceAuth, { kind: 'oauth1' }>): Authenticator {
  for (const v of [auth.consumerSecret, auth.accessTokenSecret, auth.accessToken]) addSecret(v);
  const oauth = new OAuth({
    consumer: { key: auth.consumerKey, secret: auth.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const token = { key: auth.accessToken, secret: auth.accessTokenSecret };
  return {
    kind: 'oauth1',
    hint: "consumer-key and consumer-secret (the application), and access-token and access-token-secret (the robot's token)",
    async header(method, url) {
      return oauth.toHeader(oauth.authorize({ url, method }, token)).Authorization;
    },
    invalidate: () => false,
  };
}

function oauth2Authenticator(auth: Extract<ProjectplaceAuth, { kind: 'oauth2' }>, host: string, dispatcher: Dispatcher): Authenticator {
  addSecret(auth.clientSecret);
  let token: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const url = new URL('/oauth2/access_token', host).toString();
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret });
    let res;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
      });
    } catch (cause) {
      throw new ServiceError(`Could not reach Projectplace at ${host} to get an OAuth2 token: ${(cause as Error).message}`, { retryable: true, cause });
    }
    const text = await res.body.text();
    if (res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403) {
      throw new AuthError(
        `Projectplace refused the OAuth2 client credentials (HTTP ${res.statusCode}): check client-id and client-secret; the server said: ${text.slice(0, 200)}`,
      );
    }
    if (res.statusCode >= 500 || res.statusCode === 429) {
      throw new ServiceError(`Projectplace's token endpoint answered ${res.statusCode}`, { status: res.statusCode, retryable: true });
    }
    let parsed: { access_token?: unknown; expires?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (e) {
      // No excerpt: a token response cut short would put part of a token into the message.
      throw new ServiceError(
        `Projectplace's token endpoint (POST /oauth2/access_token) answered ${res.statusCode} with ${describeNonJson(text, res.headers['content-type'], e, { excerpt: false })}`,
        { retryable: true },
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ServiceError(`Projectplace's token endpoint (POST /oauth2/access_token) answered ${res.statusCode} with JSON that is not an object`, { retryable: false });
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new ServiceError("Projectplace's token endpoint (POST /oauth2/access_token) answered without an access_token", { retryable: false });
    }
    addSecret(parsed.access_token);
    const announced = Number(parsed.expires_in ?? parsed.expires ?? 3600);
    // A lifetime that is not a positive number: assume an hour (a 401 renews the token earlier if need be).
    const lifetime = Number.isFinite(announced) && announced > 0 ? announced : 3600;
    // Renew a minute early (or at half-life for short tokens) so no request goes out with a token about to expire.
    const margin = Math.min(60, lifetime / 2);
    token = { value: parsed.access_token, expiresAt: Date.now() + (lifetime - margin) * 1000 };
    return token.value;
  }

  return {
    kind: 'oauth2',
    hint: 'client-id and client-secret (the OAuth2 application)',
    async header() {
      if (!token || Date.now() >= token.expiresAt) {
        pending ??= fetchToken().finally(() => (pending = undefined));
        await pending;
      }
      return `Bearer ${token!.value}`;
    },
    invalidate() {
      token = undefined;
      return true;
    },
  };
}
