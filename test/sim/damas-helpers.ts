// Helpers for the damas-core simulator tests: JSON calls to the API and to the control routes, and signing in.

import type { RunningDamasSim } from '../../src/sim/damas/index.ts';

export interface Called {
  status: number;
  type: string;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export async function call(sim: RunningDamasSim, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Called> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json };
}

export async function signIn(sim: RunningDamasSim, username: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(sim, 'POST', '/api/signIn/', { body: { username, password: sim.user(username).password, ...extra } });
  if (r.status !== 200) throw new Error(`signIn ${username}: ${r.status} ${r.text}`);
  return (r.json as { token: string }).token;
}

export async function control(sim: RunningDamasSim, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
