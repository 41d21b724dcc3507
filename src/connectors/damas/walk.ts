// Listing every node id, completely or not at all. The only paginated listing damas has is search_mongo with skip
// and limit (research §3.5); GET /api/search/* streams every id at once and is fine only for small servers.
//
// Pages are asked for in _id order. Offsets shift while the server changes: a node deleted from an earlier page moves
// every later id one place up, and a plain skip/limit walk would step over one id, which the engine would then read
// as deleted. So each page after the first starts one place before where the last one ended, and must contain an id
// already seen (its anchor): the server's page is contiguous, so everything after the anchor follows what was read
// without a gap. When no seen id is on the page (the ids just before it were deleted meanwhile), the page is asked
// for again further back (doubling the step) until one is, or from the start. Ids added during the walk may or may
// not be found; they are new, never read as deleted, and come next run at the latest.
//
// Why not keyset paging ({_id: {$gt: last}}): the server stores the ids it generates as ObjectIds, which sort after
// every string and never match a string comparison, and it turns any string value starting with "REGEX_" or "RX_"
// into a regular expression (prepare_regexes), so a cursor at such an id would silently end the walk.

import { ServiceError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import type { DamasClient } from './client.ts';

export interface WalkResult {
  /** Every id, in the server's _id order (strings, then ObjectIds). */
  ids: string[];
  /** Requests made. */
  pages: number;
  /** The server's count of all nodes at the last page. */
  count: number;
}

export async function walkIds(client: DamasClient, pageSize: number, log: Logger): Promise<WalkResult> {
  const seen = new Set<string>();
  const ids: string[] = [];
  let skip = 0;
  let back = 1;
  let pages = 0;
  let count = 0;
  let budget: number | undefined;
  for (;;) {
    if (budget !== undefined && pages >= budget) {
      throw new ServiceError(
        `damas kept changing while its ids were being listed (${pages} pages for ${count} nodes); nothing is treated as deleted this run, and it is listed again next run`,
      );
    }
    const page = await searchPage(client, skip, pageSize);
    pages++;
    count = page.count;
    // Room for a walk that backs off a few times per page; beyond it the server is changing faster than we read.
    budget ??= 3 * Math.ceil((page.count + 1) / Math.max(1, pageSize - 1)) + 20;
    let anchored = skip === 0;
    for (const id of page.ids) {
      if (seen.has(id)) {
        anchored = true;
        continue;
      }
      seen.add(id);
      ids.push(id);
    }
    if (!anchored) {
      // Nothing on this page was seen before: ids before it were deleted since, and some may lie in the gap.
      const from = skip;
      skip = Math.max(0, skip - back * pageSize);
      back *= 2;
      log.debug(`damas: no known id at offset ${from} (nodes were deleted while listing); reading again from offset ${skip}`);
      continue;
    }
    back = 1;
    if (page.ids.length < pageSize) break;
    // The next page begins with the last id of this one, its anchor.
    skip += page.ids.length - 1;
  }
  return { ids, pages, count };
}

async function searchPage(client: DamasClient, skip: number, limit: number): Promise<{ count: number; ids: string[] }> {
  const what = `POST /api/search_mongo/ (skip ${skip}, limit ${limit})`;
  const answer = await client.post('/api/search_mongo/', { query: {}, sort: { _id: 1 }, skip, limit });
  const v = answer.value as { count?: unknown; ids?: unknown } | null;
  if (answer.status !== 200 || typeof v !== 'object' || v === null || !Array.isArray(v.ids) || typeof v.count !== 'number') {
    throw new ServiceError(`damas's answer to ${what} is unusable (${answer.status}, expected {count, ids}); is the server's database MongoDB?`);
  }
  if (!v.ids.every((id): id is string => typeof id === 'string')) throw new ServiceError(`damas's answer to ${what} is unusable: an id that is not a string`);
  if (v.ids.length > limit) throw new ServiceError(`damas's answer to ${what} is unusable: ${v.ids.length} ids for a limit of ${limit}`);
  return { count: v.count, ids: v.ids };
}
