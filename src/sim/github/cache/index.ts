// Local GitHub Actions cache service (Twirp CacheService v2 + azurite blob store) for running the real @actions/cache in tests.

import { randomBytes } from 'node:crypto';
import { TwirpError, field, startTwirpServer, str, type TwirpCall, type TwirpMethod } from '../twirp.ts';
import { startAzurite, type RunningAzurite } from './azurite.ts';

export interface CacheServiceOptions {
  /** Port of the Twirp server (default: a free one). */
  port?: number;
  /** The runtime token the service accepts as `Authorization: Bearer` (default: random). */
  token?: string;
}

export type CacheCall = TwirpCall;

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
const CONTAINER = 'actions-cache';

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

export async function startCacheService(opts: CacheServiceOptions = {}): Promise<RunningCacheService> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const azurite: RunningAzurite = await startAzurite(CONTAINER);

  const entries: Entry[] = [];
  const reservations = new Map<string, Reservation>();
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

  const methods: Record<string, TwirpMethod> = {
    async GetCacheEntryDownloadURL(body) {
      const key = str(body, 'key', true) as string;
      const version = str(body, 'version', true) as string;
      const rawRestore = field(body, 'restore_keys') ?? [];
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
      const rawSize = field(body, 'size_bytes');
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

  const server = await startTwirpServer({ service: CACHE_SERVICE, token, methods, port: opts.port, release: () => azurite.close() });
  const url = server.url;

  return {
    url,
    env: {
      ACTIONS_RESULTS_URL: url,
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_CACHE_SERVICE_V2: 'True',
    },
    calls: server.calls,
    entries: () =>
      [...entries].sort((a, b) => a.seq - b.seq).map((e) => ({ key: e.key, version: e.version, size: e.size, blob: e.blob, id: e.id })),
    async evictAll() {
      const blobs = [...entries.map((e) => e.blob), ...[...reservations.values()].map((r) => r.blob)];
      entries.length = 0;
      reservations.clear();
      await Promise.all(blobs.map((b) => azurite.container.deleteBlob(b).catch(() => undefined)));
    },
    close: server.close,
  };
}
