// The simulator's request/response values: what handlers receive and return, and the error body format switch.

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { SimState } from './model.ts';

/** Request bodies beyond this are refused (413) by the simulators. */
export const maxRequestBody = 16 * 1024 * 1024;

/** The whole request body, or null when it is larger than maxRequestBody. */
export async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxRequestBody) return null;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** A node request as the simulators' routes see it. `decodePath`: pathname percent-decoded (raw when malformed). */
export function toSimRequest(req: IncomingMessage, body: Buffer, opts: { decodePath?: boolean } = {}): SimRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  let pathname = rawPath;
  if (opts.decodePath) {
    try {
      pathname = decodeURIComponent(rawPath);
    } catch {
      // keep the raw path; it will not match a route
    }
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath,
    pathname,
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    body,
    host: req.headers.host ?? '127.0.0.1',
    remoteAddress: req.socket.remoteAddress ?? '',
  };
}

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
