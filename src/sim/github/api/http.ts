// Request/response values of the local GitHub REST API, and GitHub's error bodies, dates and Link headers.

import type { IncomingHttpHeaders } from 'node:http';

export interface ApiRequest {
  method: string;
  /** Path as sent (still percent-encoded), without the query, e.g. /repos/o/r/issues. */
  path: string;
  /** Raw query string without '?', '' when none. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The origin this request reached, e.g. http://127.0.0.1:4321: used for `url` fields and Link headers. */
  apiOrigin: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON value, or null for an empty body (204). */
  body: unknown;
}

export const DOCS_ROOT = 'https://docs.github.com/rest';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers, body };
}

export function noContent(headers: Record<string, string> = {}): ApiResponse {
  return { status: 204, headers, body: null };
}

/** GitHub's error body: {message, documentation_url, status} (status as a string, as GitHub sends it since 2023). */
export function githubError(status: number, message: string, documentationUrl: string = DOCS_ROOT, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): ApiResponse {
  return json(status, { message, ...extra, documentation_url: documentationUrl, status: String(status) }, headers);
}

export function notFound(documentationUrl: string = DOCS_ROOT): ApiResponse {
  return githubError(404, 'Not Found', documentationUrl);
}

export interface FieldError {
  resource: string;
  field: string;
  code: 'missing_field' | 'invalid' | 'missing' | 'already_exists' | 'unprocessable' | 'custom';
  value?: unknown;
  message?: string;
}

/** 422 {"message":"Validation Failed","errors":[...]}, GitHub's answer to a well-formed body with bad fields. */
export function validationFailed(documentationUrl: string, errors: FieldError[]): ApiResponse {
  return githubError(422, 'Validation Failed', documentationUrl, { errors });
}

/** 422 "Invalid request." as GitHub writes it when the body does not fit the endpoint's JSON schema. */
export function invalidRequest(documentationUrl: string, detail: string): ApiResponse {
  return githubError(422, `Invalid request.\n\n${detail}`, documentationUrl);
}

/** Parses the JSON body: undefined for an empty body; 400 "Problems parsing JSON" as GitHub answers otherwise. */
export function parseJsonObject(req: ApiRequest, documentationUrl: string): { ok: true; value: Record<string, unknown> } | { ok: false; response: ApiResponse } {
  const text = req.body.toString('utf8').trim();
  if (text === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: githubError(400, 'Problems parsing JSON', documentationUrl) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, response: invalidRequest(documentationUrl, `${JSON.stringify(value)} is not an object.`) };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface Page<T> {
  items: T[];
  /** The Link header, absent when everything fits on one page (as GitHub does). */
  link: string | undefined;
}

/**
 * One page of a list, with GitHub's per_page (default 30, at most 100) and page (from 1) rules, and a Link header
 * in GitHub's order (prev, next, last, first) that keeps the request's other query parameters. `linkPath` is the
 * path the links point at: GitHub writes repository lists as /repositories/{id}/..., not /repos/{owner}/{repo}/...
 */
export function paginate<T>(all: T[], req: ApiRequest, linkPath: string): Page<T> {
  const perPage = clampInt(req.query.get('per_page'), 30, 1, 100);
  const page = clampInt(req.query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1 && page === 1) return { items, link: undefined };
  const href = (p: number): string => {
    const q = new URLSearchParams(req.query);
    q.set('page', String(p));
    return `<${req.apiOrigin}${linkPath}?${q.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${href(Math.min(page - 1, lastPage))}; rel="prev"`);
  if (page < lastPage) parts.push(`${href(page + 1)}; rel="next"`, `${href(lastPage)}; rel="last"`);
  if (page > 1) parts.push(`${href(1)}; rel="first"`);
  return { items, link: parts.join(', ') };
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || !/^\d+$/.test(raw.trim())) return fallback;
  const n = Number(raw.trim());
  if (n < min) return fallback;
  return Math.min(n, max);
}
