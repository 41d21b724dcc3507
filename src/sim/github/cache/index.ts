// Local GitHub Actions cache service (Twirp CacheService v2 + azurite blob store) for running the real @actions/cache in tests.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzurite, type RunningAzurite } from './azurite.ts';

export interface CacheServiceOptions {
  /** Port of the Twirp server (default: a free one). */
  port?: number;
  /** The runtime token the service accepts as `Authorization: Bearer` (default: random). */
  token?: string;
}

export interface CacheCall {
  method: string;
  request: unknown;
  status: number;
}

export interface CacheEntryInfo {
  key: string;
  version: string;
  size: number;
  /** Blob name in the azurite container. */
  blob: string;
  id: number;
}

export interface RunningCacheService {
  /** Environment variables a process needs so @actions/cache v2 talks to this service: ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_SERVICE_V2 (and NOT GITHUB_SERVER_URL pointing at localhost: see the isGhes pitfall). */
  env: Record<string, string>;
  url: string;
  /** Every Twirp call received: method name, request JSON, response status. */
  calls(): CacheCall[];
  /** Cache entries stored: key, version, size, blob name. */
  entries(): CacheEntryInfo[];
  /** Deletes every entry (simulates cache eviction). */
  evictAll(): Promise<void>;
  close(): Promise<void>;
}

export const CACHE_SERVICE = 'github.actions.results.api.v1.CacheService';
const PREFIX = `/twirp/${CACHE_SERVICE}/`;
const CONTAINER = 'actions-cache';
const MAX_BODY = 1024 * 1024;

interface Entry {
  id: number;
  key: string;
  version: string;
  blob: string;
  size: number;
  /** Finalize order: higher is newer. */
  seq: number;
}

interface Reservation {
  id: number;
  key: string;
  version: string;
  blob: string;
}

/** A Twirp error: HTTP status plus the JSON body `{code, msg}`. */
class TwirpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, msg: string) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

type Json = Record<string, unknown>;

function str(body: Json, field: string, required: boolean): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new TwirpError(400, 'invalid_argument', `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new TwirpError(400, 'invalid_argument', `${field} must be a string`);
  return v;
}

/** proto3 JSON accepts both the proto (snake_case) name and the lowerCamelCase name. */
function field(body: Json, snake: string, camel: string): unknown {
  return body[snake] ?? body[camel];
}

export async function startCacheService(opts: CacheServiceOptions = {}): Promise<RunningCacheService> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const azurite: RunningAzurite = await startAzurite(CONTAINER);

  const entries: Entry[] = [];
  const reservations = new Map<string, Reservation>();
  const calls: CacheCall[] = [];
  let nextId = 1;
  let seq = 0;
  const kv = (key: string, version: string): string => JSON.stringify([key, version]);

  const findEntry = (key: string, version: string, prefix: boolean): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of entries) {
      if (e.version !== version) continue;
      if (prefix ? !e.key.startsWith(key) : e.key !== key) continue;
      if (!best || e.seq > best.seq) best = e;
    }
    return best;
  };

  /** Exact primary key, then a prefix of it, then each restore key (exact, then prefix); newest first; same version. */
  const match = (key: string, restoreKeys: string[], version: string): Entry | undefined => {
    const primary = findEntry(key, version, false) ?? findEntry(key, version, true);
    if (primary) return primary;
    for (const rk of restoreKeys) {
      const hit = findEntry(rk, version, false) ?? findEntry(rk, version, true);
      if (hit) return hit;
    }
    return undefined;
  };

  const methods: Record<string, (body: Json) => Promise<Json>> = {
    async GetCacheEntryDownloadURL(body) {
      const key = str(body, 'key', true) as string;
      const version = str(body, 'version', true) as string;
      const rawRestore = field(body, 'restore_keys', 'restoreKeys') ?? [];
      if (!Array.isArray(rawRestore) || !rawRestore.every((k): k is string => typeof k === 'string')) {
        throw new TwirpError(400, 'invalid_argument', 'restore_keys must be a list of strings');
      }
      const hit = match(key, rawRestore, version);
      if (!hit) return { ok: false };
      return { ok: true, signed_download_url: azurite.sasUrl(hit.blob, 'r'), matched_key: hit.key };
    },

    async CreateCacheEntry(body) {
      const key = str(body, 'key', true) as string;
      const version = str(body, 'version', true) as string;
      const id = kv(key, version);
      if (entries.some((e) => e.key === key && e.version === version) || reservations.has(id)) {
        throw new TwirpError(409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const entryId = nextId++;
      const blob = `${entryId}-${version.slice(0, 16)}.cache`;
      reservations.set(id, { id: entryId, key, version, blob });
      return { ok: true, signed_upload_url: azurite.sasUrl(blob, 'cw') };
    },

    async FinalizeCacheEntryUpload(body) {
      const key = str(body, 'key', true) as string;
      const version = str(body, 'version', true) as string;
      const rawSize = field(body, 'size_bytes', 'sizeBytes');
      const declared = typeof rawSize === 'string' || typeof rawSize === 'number' ? Number(rawSize) : 0;
      if (!Number.isSafeInteger(declared) || declared < 0) throw new TwirpError(400, 'invalid_argument', 'size_bytes must be a non-negative integer');
      const id = kv(key, version);
      const reservation = reservations.get(id);
      if (!reservation) throw new TwirpError(404, 'not_found', 'no cache entry upload in progress for this key and version');
      let actual: number;
      try {
        const props = await azurite.container.getBlobClient(reservation.blob).getProperties();
        actual = props.contentLength ?? 0;
      } catch {
        throw new TwirpError(412, 'failed_precondition', 'the cache entry has not been uploaded');
      }
      if (declared !== actual) {
        throw new TwirpError(400, 'invalid_argument', `size_bytes ${declared} does not match the uploaded size ${actual}`);
      }
      reservations.delete(id);
      entries.push({ id: reservation.id, key, version, blob: reservation.blob, size: actual, seq: ++seq });
      return { ok: true, entry_id: String(reservation.id) };
    },
  };

  const send = (res: ServerResponse, status: number, body: Json): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path;
    let request: unknown = undefined;
    let status = 500;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY) throw new TwirpError(400, 'malformed', 'request body too large');
        chunks.push(chunk);
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      request = raw;
      if (!path.startsWith(PREFIX)) throw new TwirpError(404, 'bad_route', `no handler for path "${path}"`);
      if (req.method !== 'POST') throw new TwirpError(404, 'bad_route', `unsupported method "${req.method}" (only POST is allowed)`);
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'invalid or missing runtime token');
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!handler) throw new TwirpError(404, 'bad_route', `no handler for path "${path}"`);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType !== 'application/json') {
        throw new TwirpError(404, 'bad_route', `unexpected Content-Type: "${contentType}" (this service only speaks JSON)`);
      }
      let body: unknown;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        throw new TwirpError(400, 'malformed', 'the request could not be decoded: invalid JSON');
      }
      request = body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new TwirpError(400, 'malformed', 'the request could not be decoded: not a JSON object');
      }
      const out = await handler(body as Json);
      status = 200;
      send(res, status, out);
    } catch (err) {
      const e = err instanceof TwirpError ? err : new TwirpError(500, 'internal', err instanceof Error ? err.message : String(err));
      status = e.status;
      if (!res.headersSent) send(res, status, { code: e.code, msg: e.message });
      else res.destroy();
    } finally {
      calls.push({ method, request, status });
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await azurite.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  let closed: Promise<void> | undefined;
  return {
    url,
    env: {
      ACTIONS_RESULTS_URL: url,
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_CACHE_SERVICE_V2: 'True',
    },
    calls: () => calls.map((c) => ({ ...c })),
    entries: () =>
      [...entries].sort((a, b) => a.seq - b.seq).map((e) => ({ key: e.key, version: e.version, size: e.size, blob: e.blob, id: e.id })),
    async evictAll() {
      const blobs = [...entries.map((e) => e.blob), ...[...reservations.values()].map((r) => r.blob)];
      entries.length = 0;
      reservations.clear();
      await Promise.all(blobs.map((b) => azurite.container.deleteBlob(b).catch(() => undefined)));
    },
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await azurite.close();
      })();
      return closed;
    },
  };
}
