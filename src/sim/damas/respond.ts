// The shapes of damas-core's answers: JSON (Express res.json / the chunked sendJSON of routes/utils.js), the error
// lines of httpStatus(), JSON strings from the jwt extension, and the HTML pages Express itself sends.

import type { SimResponse } from '../projectplace/http.ts';
import type { SimState } from './model.ts';

export function json(status: number, value: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(value) ?? '') };
}

/** A plain line of text, as res.send(string) answers errors. */
export function text(state: SimState, status: number, body: string): SimResponse {
  return { status, headers: { 'content-type': `${state.switches.errorContentType}; charset=utf-8` }, body: Buffer.from(body) };
}

const REASONS: Record<number, string> = {
  400: 'Bad request (empty or not well-formed)',
  401: 'Unauthorized (authentication required)',
  403: 'Forbidden (permission required)',
  404: 'Not found',
  409: 'Conflict',
  501: 'Not implemented (contact an administrator)',
};

/** httpStatus() of routes/utils.js: "<Op> error: <reason>" for codes >= 300. */
export function httpError(state: SimState, status: number, op: string): SimResponse {
  return text(state, status, `${op} error: ${REASONS[status] ?? 'Unknown error code'}`);
}

/** Express's own 404 for a path no route serves. */
export function expressNotFound(method: string, path: string): SimResponse {
  const esc = path.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${method} ${esc}</pre>\n</body>\n</html>\n`;
  return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: Buffer.from(html) };
}

/** Express's default error handler: a route threw (the server's own crashes, such as GET /api/read with authorMode). */
export function expressCrash(message: string): SimResponse {
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${esc}</pre>\n</body>\n</html>\n`;
  return { status: 500, headers: { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: Buffer.from(html) };
}

/** The `null` the author filter of routes/permissions.js hands on for a node the user may not see. */
export const HIDDEN = 'null';
