// Who is asking, as the jwt extension (extensions/jwt.js) decides it, or the default noauth extension (every caller
// an admin named by its address); and POST /api/signIn/.

import { createHash } from 'node:crypto';
import { header, type SimRequest, type SimResponse } from '../projectplace/http.ts';
import { decodeJwt, parseMs, signJwt, verifyJwt } from './jwt.ts';
import { idKey, type DamasNode, type SimState } from './model.ts';
import { json } from './respond.ts';
import { collection, readNodes, updateNodes } from './store.ts';
import { find } from 'mingo';

/** req.user: a user node (jwt), the noauth pseudo-user, or {} when nobody is signed in. */
export type ReqUser = Record<string, unknown>;

function cookie(req: SimRequest, name: string): string | undefined {
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  return undefined;
}

/** fetch() of jwt.js: the second word of an Authorization header of exactly two words (any scheme), else the `token` cookie. */
export function presentedToken(req: SimRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (auth) {
    const part = auth.split(' ');
    if (part.length === 2) return part[1];
  }
  return cookie(req, 'token');
}

/** The jwt middleware: decode, find the user by the payload's _id, verify with secret + that user's password hash. */
export function identify(state: SimState, req: SimRequest): ReqUser {
  if (!state.switches.jwt) {
    const ip = req.remoteAddress;
    return { username: ip, address: ip, class: 'admin' };
  }
  const token = presentedToken(req);
  const payload = decodeJwt(token);
  if (!token || !payload || typeof payload._id !== 'string') return {};
  const user = readNodes(state, [payload._id])[0];
  if (!user) return {};
  const key = state.credentials.secret + String(user.password);
  const ok = verifyJwt(token, key, { ignoreExpiration: payload.ignoreExpiration === true, nowMs: state.now() });
  if (!ok || typeof ok._id !== 'string') return {};
  return readNodes(state, [ok._id])[0] ?? {};
}

/** A short label for the request log. */
export function userLabel(user: ReqUser): string {
  return typeof user.username === 'string' ? user.username : 'none';
}

/**
 * POST /api/signIn/ {username (or an email), password, expiresIn?}: checks the sha1 or md5 hex of the password
 * (by the stored hash's length: 32 is md5), writes `lastlogin`, and answers {_id, user, token} where `user` is the
 * whole user node, password hash included, plus `address` and `class`. Refusals are 401 with a JSON string.
 */
export function signIn(state: SimState, req: SimRequest, body: unknown): SimResponse {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!b.username || !b.password) return json(401, 'Invalid username or password');
  const expiresIn = (b.expiresIn || state.switches.defaultExpiresIn) as string | number;
  if (parseMs(expiresIn) === undefined) return json(401, `Value : '${String(expiresIn)}' is invalid expiration token`);
  const payload: Record<string, unknown> = {};
  if (expiresIn === '0') payload.ignoreExpiration = true;
  const name = String(b.username);
  const logIn = /^[a-z][-a-z0-9_]*$/.test(name) ? { username: name } : { email: name };
  const found = find(collection(state), logIn).all() as DamasNode[];
  if (found.length === 0) return json(401, 'Invalid username or password');
  const user = { ...found[0]! } as DamasNode;
  if (user.disable) return json(401, 'Unauthorized connection');
  const stored = String(user.password ?? '');
  const method = stored.length === 32 ? 'md5' : 'sha1';
  if (createHash(method).update(String(b.password)).digest('hex') !== stored) return json(401, 'Invalid username or password');
  const id = idKey(user._id);
  payload._id = id;
  payload.username = user.username;
  const now = state.now();
  user.lastlogin = now;
  updateNodes(state, [{ _id: id, lastlogin: now }], String(user.username));
  const answer = { ...user, address: req.remoteAddress, class: user.class || 'guest' };
  return json(200, { _id: id, user: answer, token: signJwt(payload, state.credentials.secret + stored, expiresIn, now) });
}
