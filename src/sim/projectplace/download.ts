// Document downloads: GET /1/documents/{id} (streamed, or 302 to a blob URL by switch) and GET /__sim/blob/<token>.

import { randomBytes } from 'node:crypto';
import { contentTypeFor, versionStream } from './content.ts';
import { errorResponse, header, type SimRequest, type SimResponse } from './http.ts';
import { currentVersion, nowMs, rfc3986, type Item, type SimState, type Version } from './model.ts';

const BLOB_TTL_MS = 5 * 60 * 1000;

/** Parses a single `bytes=` range against a size; null when absent, 'invalid' when unsatisfiable. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!value) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'invalid';
    return { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  if (start >= size || end <= start) return 'invalid';
  return { start, end };
}

function contentResponse(state: SimState, req: SimRequest, item: Item, version: Version): SimResponse {
  const size = version.size;
  const headers: Record<string, string> = {
    'content-type': contentTypeFor(item.name),
    'content-disposition': `attachment; filename*=UTF-8''${rfc3986(item.name)}`,
  };
  let start = 0;
  let end = size;
  let status = 200;
  if (state.switches.acceptRanges) {
    headers['accept-ranges'] = 'bytes';
    const range = parseRange(header(req, 'range'), size);
    if (range === 'invalid') return errorResponse(state, 416, 'range not satisfiable', { 'content-range': `bytes */${size}` });
    if (range) {
      ({ start, end } = range);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
    }
  }
  const seed = state.seed;
  return {
    status,
    headers,
    body: { length: end - start, open: () => versionStream(seed, item.id, version.verNr, size, start, end) },
  };
}

function liveDocument(state: SimState, id: number): { item: Item; version: Version } | undefined {
  const item = state.items.get(id);
  if (!item || item.kind !== 'document') return undefined;
  const version = currentVersion(item);
  return version ? { item, version } : undefined;
}

/** GET /1/documents/{id}: the current version's bytes, or a 302 to a one-time-looking blob URL. */
export function getDocumentContent(state: SimState, req: SimRequest, id: number): SimResponse {
  const doc = liveDocument(state, id);
  if (!doc) return errorResponse(state, 404, `document ${id} not found`);
  if (state.switches.downloadRedirect) {
    const token = randomBytes(16).toString('hex');
    const now = nowMs(state);
    state.auth.blobs.set(token, { id, verNr: doc.version.verNr, expiresAt: now + BLOB_TTL_MS });
    if (state.auth.blobs.size > 10_000) {
      for (const [k, b] of state.auth.blobs) if (b.expiresAt < now) state.auth.blobs.delete(k);
    }
    return { status: 302, headers: { location: `http://${req.host}/__sim/blob/${token}`, 'content-length': '0' }, body: null };
  }
  return contentResponse(state, req, doc.item, doc.version);
}

/** GET /__sim/blob/<token>: no auth; the version the token was issued for, while the document exists. */
export function getBlob(state: SimState, req: SimRequest, token: string): SimResponse {
  const blob = state.auth.blobs.get(token);
  if (!blob || blob.expiresAt < nowMs(state)) return errorResponse(state, 404, 'blob not found or expired');
  const item = state.items.get(blob.id);
  const version = item?.versions.find((v) => v.verNr === blob.verNr);
  if (!item || !version) return errorResponse(state, 404, 'blob not found');
  return contentResponse(state, req, item, version);
}
