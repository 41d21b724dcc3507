// Walking one ProSonata resource completely, or failing: the API has only offset paging (page, perPage), and the
// records change while a big resource is walked across API windows (research §2.2 lists the old tool's skipped and
// doubled rows). A partial listing must never reach the engine, which would read the missing records as deleted.
//
// How: the first call asks for the *highest* primary keys (orderBy=<pk> DESC, page 1). Its answer is one instant:
// totalCount N0 and the highest key M0 at that moment. When everything fits on that page, that is the whole resource.
// Otherwise the rest is walked in ascending key order (orderBy=<pk> ASC, pages 1…) until the pages reach where the
// first page began, so the walk costs the same ceil(N0 / perPage) calls as a plain one. Then it is checked:
//
//   Keys are assigned in increasing order, so every record with a key <= M0 existed at that instant; the walk is
//   complete for that instant exactly when it found N0 distinct records with keys <= M0.
//
// A record deleted before its page was read shifts later rows to earlier pages, so one row is skipped: the count
// comes up short and the resource is walked again (up to maxWalks times, then a ServiceError: the engine records a
// failed listing and deletes nothing). Records added during the walk get new, higher keys and move nothing the walk
// still has to read; they are left out (keys above M0) and come next run. So a walk that passes returns exactly the
// set of records that existed when it began: one deleted after it was read is in it (and read as deleted next run),
// and each record's content is as of the page that served it. Edits change no position. Rows seen twice (the first
// page overlaps the last ascending one) keep the later version. A page that repeats keys already read means rows moved
// the other way (a key below M0 was added): the walk is not trusted either.

import { ServiceError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { isRawJson, numberOf, plainText } from './canonical.ts';
import type { ProsonataClient } from './client.ts';
import type { ProsonataResource } from './settings.ts';

/** One record as served: its primary key as a number, the id the engine sees, and the parsed record. */
export interface WalkedRecord {
  key: number;
  id: string;
  value: Record<string, unknown>;
}

export interface WalkResult {
  /** Every record, in ascending key order. */
  records: WalkedRecord[];
  /** Walks it took (1 when nothing changed in a way that mattered). */
  walks: number;
  /** Pages read, over all walks. */
  pages: number;
}

export interface WalkOptions {
  /** Records per page asked for: 1000, the API's maximum. */
  perPage: number;
  /** Walks of a resource that keeps changing before giving up. */
  maxWalks: number;
  log?: Logger;
}

type Outcome = { ok: true; records: WalkedRecord[] } | { ok: false; reason: string };

export async function walkResource(client: ProsonataClient, resource: ProsonataResource, opts: WalkOptions): Promise<WalkResult> {
  const log = opts.log ?? silentLogger;
  const counter = { pages: 0 };
  let reason = '';
  for (let walk = 1; walk <= opts.maxWalks; walk++) {
    const outcome = await walkOnce(client, resource, opts.perPage, counter);
    if (outcome.ok) return { records: outcome.records, walks: walk, pages: counter.pages };
    reason = outcome.reason;
    if (walk < opts.maxWalks) log.warn(`ProSonata's ${resource.name} changed while it was being listed (${reason}); listing it again (walk ${walk + 1} of ${opts.maxWalks})`);
  }
  throw new ServiceError(
    `ProSonata's ${resource.name} kept changing while it was being listed (${reason}); gave up after ${opts.maxWalks} walks. ` +
      `Nothing in ${resource.name} is treated as deleted this run; it is listed again next run`,
  );
}

async function walkOnce(client: ProsonataClient, resource: ProsonataResource, perPage: number, counter: { pages: number }): Promise<Outcome> {
  const first = await readPage(client, resource, 1, 'DESC', perPage);
  counter.pages++;
  if (first === 'none') return { ok: true, records: [] };
  const n0 = first.total;
  const top = first.rows;
  if (top.length === n0) {
    if (new Set(top.map((r) => r.key)).size !== top.length) throw new ServiceError(`ProSonata's answer to GET /${resource.name} is unusable: one page lists a ${resource.pk} twice`);
    return { ok: true, records: ascending(top) };
  }
  if (top.length > n0) return { ok: false, reason: `page 1 holds ${top.length} records but totalCount says ${n0}` };
  if (top.length === 0) return { ok: false, reason: `totalCount says ${n0} but page 1 is empty` };
  checkOrder(top, 'DESC', resource, 1);
  // The page size the service really uses (it may cap perPage lower than asked).
  const size = top.length;
  const m0 = top[0]!.key;
  const found = new Map<number, WalkedRecord>();
  for (const r of top) found.set(r.key, r);
  const ascendingPages = Math.ceil((n0 - size) / size);
  let lastKey = -1;
  for (let p = 1; p <= ascendingPages; p++) {
    const page = await readPage(client, resource, p, 'ASC', perPage);
    counter.pages++;
    // The list ended early: records were deleted; the count below decides whether anything was skipped.
    if (page === 'none' || page.rows.length === 0) break;
    checkOrder(page.rows, 'ASC', resource, p);
    if (page.rows[0]!.key <= lastKey) return { ok: false, reason: `ascending page ${p} repeats records of page ${p - 1}: rows moved between pages` };
    for (const r of page.rows) found.set(r.key, r);
    lastKey = page.rows[page.rows.length - 1]!.key;
    if (page.rows.length < size) break;
  }
  let atStart = 0;
  for (const key of found.keys()) if (key <= m0) atStart++;
  if (atStart < n0) return { ok: false, reason: `${n0 - atStart} of the ${n0} records there when the walk began were on no page` };
  if (atStart > n0) return { ok: false, reason: `${atStart - n0} records with keys below the highest at the start appeared during the walk` };
  // Exactly the records there at the start; any added since (keys above M0) come next run.
  return { ok: true, records: ascending([...found.values()].filter((r) => r.key <= m0)) };
}

/** One page, or 'none' for a 404 "Data not found." (how the service may answer an empty list or a page past the end). */
async function readPage(
  client: ProsonataClient,
  resource: ProsonataResource,
  page: number,
  direction: 'ASC' | 'DESC',
  perPage: number,
): Promise<{ total: number; rows: WalkedRecord[] } | 'none'> {
  const answer = await client.get(resource.name, { page: String(page), perPage: String(perPage), orderBy: `${resource.pk} ${direction}` });
  if (answer.status === 404) return 'none';
  const where = `GET /${resource.name} (page ${page}, ${resource.pk} ${direction})`;
  if (!Array.isArray(answer.data)) throw new ServiceError(`ProSonata's answer to ${where} is unusable: its data is not a list`);
  const total = numberOf(answer.meta.totalCount);
  if (total === undefined || !Number.isSafeInteger(total) || total < 0) {
    throw new ServiceError(`ProSonata's answer to ${where} is unusable: meta.totalCount is ${plainText(answer.meta.totalCount)}, not a count`);
  }
  const rows = answer.data.map((value: unknown, i): WalkedRecord => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ServiceError(`ProSonata's answer to ${where} is unusable: record ${i + 1} is not an object`);
    const raw = (value as Record<string, unknown>)[resource.pk];
    const key = primaryKey(raw);
    if (key === undefined) {
      throw new ServiceError(
        `ProSonata's answer to ${where} is unusable: record ${i + 1} has ${raw === undefined ? 'no' : `the ${resource.pk} ${plainText(raw)}, not a usable`} ${resource.pk}` +
          (raw === undefined ? ` (is ${resource.pk} the primary key of ${resource.name}? configure "${resource.name}:<field>" otherwise)` : ''),
      );
    }
    return { key, id: String(key), value: value as Record<string, unknown> };
  });
  return { total, rows };
}

/** A primary key as served (a number, or a string of digits after a POST: research §2.3), as a number. */
export function primaryKey(v: unknown): number | undefined {
  const text = isRawJson(v) ? v.rawJSON : typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The walk relies on the order asked for; a service that ignores it cannot be walked safely. */
function checkOrder(rows: WalkedRecord[], direction: 'ASC' | 'DESC', resource: ProsonataResource, page: number): void {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!.key;
    const b = rows[i]!.key;
    if (direction === 'ASC' ? b > a : b < a) continue;
    throw new ServiceError(
      `ProSonata did not sort ${resource.name} by ${resource.pk} ${direction} as asked (page ${page}: ${a} then ${b}); ` +
        `without a stable order its pages cannot be walked without gaps. Is ${resource.pk} the primary key of ${resource.name}?`,
    );
  }
}

function ascending(records: WalkedRecord[]): WalkedRecord[] {
  return [...records].sort((a, b) => a.key - b.key);
}
