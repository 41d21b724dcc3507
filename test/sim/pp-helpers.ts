// Test helpers for the Projectplace simulator: an independent OAuth1 signer (oauth-1.0a), bearer tokens, control calls.

import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import OAuth from 'oauth-1.0a';
import type { Credentials, RunningSim } from '../../src/sim/projectplace/index.ts';

export interface SignOptions {
  method?: string;
  /** Form parameters: sent as application/x-www-form-urlencoded and included in the signature. */
  form?: Record<string, string>;
  /** A raw body (e.g. JSON), not part of the signature. */
  body?: string;
  headers?: Record<string, string>;
  /** Override what is signed with. */
  credentials?: Partial<Credentials>;
  timestamp?: number;
  nonce?: string;
  /** Tamper with the header after signing. */
  mutateHeader?: (h: string) => string;
  redirect?: 'follow' | 'manual' | 'error';
}

/** The Authorization header oauth-1.0a (an implementation independent of the simulator) computes. */
export function oauth1Header(url: string, method: string, creds: Credentials, opts: SignOptions = {}): string {
  const c = { ...creds, ...opts.credentials };
  const oauth = new OAuth({
    consumer: { key: c.consumerKey, secret: c.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  if (opts.timestamp !== undefined) {
    const ts = opts.timestamp;
    oauth.getTimeStamp = () => ts;
  }
  if (opts.nonce !== undefined) {
    const nonce = opts.nonce;
    oauth.getNonce = () => nonce;
  }
  const auth = oauth.authorize({ url, method, data: opts.form }, { key: c.accessToken, secret: c.accessTokenSecret });
  return oauth.toHeader(auth).Authorization;
}

export async function signedFetch(sim: RunningSim, path: string, opts: SignOptions = {}): Promise<Response> {
  const url = sim.url + path;
  const method = opts.method ?? 'GET';
  let authorization = oauth1Header(url, method, sim.credentials, opts);
  if (opts.mutateHeader) authorization = opts.mutateHeader(authorization);
  const headers: Record<string, string> = { authorization, ...opts.headers };
  let body: string | undefined = opts.body;
  if (opts.form) {
    body = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  return fetch(url, { method, headers, body, redirect: opts.redirect ?? 'follow' });
}

export async function signedJson<T = unknown>(sim: RunningSim, path: string, opts: SignOptions = {}): Promise<T> {
  const res = await signedFetch(sim, path, opts);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function getBearerToken(sim: RunningSim): Promise<string> {
  const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64');
  const res = await fetch(sim.url + '/oauth2/access_token', {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function control<T = unknown>(sim: RunningSim, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(sim.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/** A raw GET with node:http, to observe truncation: bytes received, announced length, and whether it errored. */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; contentLength: number; received: number; error: string | undefined }> {
  return new Promise((resolve) => {
    let gotResponse = false;
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      gotResponse = true;
      let received = 0;
      let error: string | undefined;
      const contentLength = Number(res.headers['content-length']);
      res.on('data', (c: Buffer) => {
        received += c.length;
      });
      res.on('error', (e) => {
        error = (e as NodeJS.ErrnoException).code ?? e.message;
      });
      res.on('close', () => {
        if (!res.complete && error === undefined) error = 'incomplete';
        resolve({ status: res.statusCode ?? 0, contentLength, received, error });
      });
    });
    // After a response started, its own 'close' reports; the request's error comes first and is not the result.
    req.on('error', (e) => gotResponse || resolve({ status: 0, contentLength: -1, received: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

/** Flattens a v1 tree node into its documents (with their folder path). */
export interface TreeNode {
  size?: number;
  containers?: { id: number; name: string; contents?: TreeNode }[];
  documents?: { id: number; name: string; modified_time: number; last_modifier: number; ver_nr?: number; size?: number }[];
  urls?: { id: number; name: string; modified_time: number; url: string }[];
}

export function flattenTree(node: TreeNode, path: string[] = []): { id: number; name: string; path: string[]; kind: 'document' | 'folder' | 'link'; node: unknown }[] {
  const out: { id: number; name: string; path: string[]; kind: 'document' | 'folder' | 'link'; node: unknown }[] = [];
  for (const d of node.documents ?? []) out.push({ id: d.id, name: d.name, path, kind: 'document', node: d });
  for (const u of node.urls ?? []) out.push({ id: u.id, name: u.name, path, kind: 'link', node: u });
  for (const c of node.containers ?? []) {
    out.push({ id: c.id, name: c.name, path, kind: 'folder', node: c });
    if (c.contents) out.push(...flattenTree(c.contents, [...path, c.name]));
  }
  return out;
}
