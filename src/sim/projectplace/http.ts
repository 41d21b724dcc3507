// The simulator's request/response values: what handlers receive and return, and the error body format switch.

import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { SimState } from './model.ts';

export interface SimRequest {
  method: string;
  /** Raw (still percent-encoded) path, without the query. */
  rawPath: string;
  /** Decoded path segments are taken from this. */
  pathname: string;
  /** Raw query string without '?', '' when none. */
  rawQuery: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The Host header as sent (host[:port]). */
  host: string;
  remoteAddress: string;
}

/** A body produced on demand, so HEAD requests and faults never generate bytes they do not send. */
export interface BodyStream {
  length: number;
  open(): Readable;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | BodyStream | null;
}

export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string | string[]> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/**
 * An error in the switched format: text/plain "<Status Text>: <message>" (as the Projectplace OAuth1 library
 * writes them) or JSON {"error": "<message>"}.
 */
export function errorResponse(state: SimState, status: number, message: string, headers: Record<string, string | string[]> = {}): SimResponse {
  if (state.switches.errorFormat === 'json') return jsonResponse(status, { error: message }, headers);
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
    body: Buffer.from(`${STATUS_CODES[status] ?? 'Error'}: ${message}\n`),
  };
}

/** Parses a JSON request body; undefined when it is not valid JSON. */
export function parseJsonBody(req: SimRequest): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** True for the truthy query flag spellings clients use: 1, true (any case). */
export function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && (v === '1' || v.toLowerCase() === 'true');
}
