// GET /api/v1/{resource} (a page of a list) and GET /api/v1/{resource}/{id} (one record).

import type { SimRequest } from '../projectplace/http.ts';
import type { Identity } from './auth.ts';
import { errorEnvelope, listEnvelope, objectEnvelope, type MetaContext } from './envelope.ts';
import type { Row, SimState } from './model.ts';
import { parseFilters, parseOrderBy, parsePaging, QueryError, selectIds, visibleTo } from './query.ts';
import type { ResourceSpec } from './resources.ts';
import { renderRow } from './rows.ts';

export interface ApiContext {
  state: SimState;
  req: SimRequest;
  spec: ResourceSpec;
  identity: Identity;
  meta: MetaContext;
}

export interface ApiResult {
  status: number;
  body: Row;
  /** For lists: the ids on the page served (the drift switch edits among them). */
  servedIds?: number[];
}

export function apiError(ctx: ApiContext, status: number, message: string): ApiResult {
  return { status, body: errorEnvelope(ctx.meta, status, message) };
}

export function listRecords(ctx: ApiContext): ApiResult {
  const { state, req, spec, identity } = ctx;
  let paging;
  let order;
  try {
    paging = parsePaging(state, req.query);
    order = parseOrderBy(state, spec, req.query.get('orderBy'));
  } catch (e) {
    if (e instanceof QueryError) return apiError(ctx, 400, e.message);
    throw e;
  }
  const ids = selectIds(state, spec, identity, parseFilters(spec, req.query), order);
  const from = (paging.page - 1) * paging.perPage;
  const pageIds = ids.slice(from, from + paging.perPage);
  if (pageIds.length === 0 && state.switches.emptyList === 'notFound') return apiError(ctx, 404, 'Data not found.');
  const table = state.tables[spec.name];
  const data = pageIds.map((id) => renderRow(state, spec, table.rows.get(id) as Row, 'list'));
  return { status: 200, body: listEnvelope(ctx.meta, paging.page, paging.perPageShown, ids.length, data), servedIds: pageIds };
}

export function getRecord(ctx: ApiContext, id: number): ApiResult {
  const { state, spec, identity } = ctx;
  const row = state.tables[spec.name].rows.get(id);
  if (!row || !visibleTo(spec, identity, row)) return apiError(ctx, 404, 'Data not found.');
  return { status: 200, body: objectEnvelope(ctx.meta, 200, renderRow(state, spec, row, 'single')) };
}
