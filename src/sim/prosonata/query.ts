// List queries: page/perPage, orderBy ("field ASC|DESC", comma-separated) and the resource's filters, applied to
// a table with the rights of the asking identity. Results are cached per state version, so paging through
// 30,000 rows sorts once.

import { groupRank, type Row, type SimState } from './model.ts';
import { identityLabel, rankOf, type Identity } from './auth.ts';
import { fieldValue } from './rows.ts';
import type { FilterSpec, ResourceSpec } from './resources.ts';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;

export class QueryError extends Error {
  override name = 'QueryError';
}

export interface Paging {
  page: number;
  perPage: number;
  /** What meta.perPage says (the requested value under perPageOverMax=capEchoRequested). */
  perPageShown: number;
}

function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}

/** Defaults 100 per page [V] and page 1; invalid values fall back to them [G]; above 1000 see the switch. */
export function parsePaging(state: SimState, query: URLSearchParams): Paging {
  const page = positiveInt(query.get('page')) ?? 1;
  const asked = positiveInt(query.get('perPage')) ?? DEFAULT_PER_PAGE;
  if (asked <= MAX_PER_PAGE) return { page, perPage: asked, perPageShown: asked };
  switch (state.switches.perPageOverMax) {
    case 'error':
      throw new QueryError(`perPage must not exceed ${MAX_PER_PAGE}.`);
    case 'capEchoRequested':
      return { page, perPage: MAX_PER_PAGE, perPageShown: asked };
    default:
      return { page, perPage: MAX_PER_PAGE, perPageShown: MAX_PER_PAGE };
  }
}

export interface OrderTerm {
  field: string;
  desc: boolean;
}

/** `orderBy=date DESC,timeID DESC`; no direction means ASC [V]. Unsortable fields: see the switch. */
export function parseOrderBy(state: SimState, spec: ResourceSpec, raw: string | null): OrderTerm[] {
  if (raw === null || raw.trim() === '') return [];
  const out: OrderTerm[] = [];
  for (const part of raw.split(',')) {
    const m = /^\s*([A-Za-z0-9_]+)(?:\s+(ASC|DESC))?\s*$/i.exec(part);
    if (!m || !spec.sortable.includes(m[1] as string)) {
      if (state.switches.unknownOrderBy === 'error') throw new QueryError(`Invalid orderBy: ${part.trim()}`);
      continue;
    }
    out.push({ field: m[1] as string, desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC' });
  }
  return out;
}

export interface Filter {
  spec: FilterSpec;
  value: string;
}

/** The query parameters that are filters of this resource; other parameters are ignored [G]. */
export function parseFilters(spec: ResourceSpec, query: URLSearchParams): Filter[] {
  const out: Filter[] = [];
  for (const [name, value] of query) {
    const f = spec.filters[name];
    if (f) out.push({ spec: f, value });
  }
  return out;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
}

function userParam(identity: Identity, value: string): number {
  if (value === 'myself') return identity.kind === 'user' ? identity.userID : Number.NaN;
  return Number(value);
}

function matches(state: SimState, spec: ResourceSpec, identity: Identity, row: Row, f: Filter): boolean {
  const v = fieldValue(state, spec, row, f.spec.field);
  switch (f.spec.kind) {
    case 'eq':
      if (v === null || v === undefined) return f.value === '' || f.value.toLowerCase() === 'null';
      return isNumeric(v) && isNumeric(f.value) ? Number(v) === Number(f.value) : String(v).toLowerCase() === f.value.toLowerCase();
    case 'text':
      return v !== null && v !== undefined && String(v).toLowerCase().includes(f.value.toLowerCase());
    case 'date': {
      if (v === null || v === undefined) return false;
      const m = /^\s*([<>]=?)?\s*(.*?)\s*$/.exec(f.value) as RegExpExecArray;
      const day = normaliseDate(m[2] as string);
      const have = String(v).slice(0, 10);
      if (m[1]?.startsWith('>')) return have >= day;
      if (m[1]?.startsWith('<')) return have <= day;
      return have === day;
    }
    case 'user':
      return v !== null && Number(v) === userParam(identity, f.value);
    case 'assigned': {
      const uid = userParam(identity, f.value);
      return ((row._users as number[] | undefined) ?? []).includes(uid);
    }
  }
}

/** "01.06.2026" → "2026-06-01" [V measured: both formats are understood]; anything else as given. */
export function normaliseDate(s: string): string {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s.trim());
  return m ? `${m[3]}-${(m[2] as string).padStart(2, '0')}-${(m[1] as string).padStart(2, '0')}` : s.trim();
}

/** Whether the identity may see this row (own rows only for low groups, crmevents.showToUsergroup). */
export function visibleTo(spec: ResourceSpec, identity: Identity, row: Row): boolean {
  if (identity.kind === 'user' && spec.ownRows && groupRank(identity.usergroup) <= groupRank(spec.ownRows.upTo)) {
    if (!spec.ownRows.own(row, identity.userID)) return false;
  }
  if (spec.visible && !spec.visible(row, rankOf(identity))) return false;
  return true;
}

type SortKey = number | string | null;

function sortKey(v: unknown): SortKey {
  if (v === null || v === undefined) return null;
  if (isNumeric(v)) return Number(v);
  return String(v).toLowerCase();
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  // NULL sorts first ascending, as in MySQL.
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The ids of the rows this query selects, in order (pk ASC without orderBy, and as the last tie-breaker). */
export function selectIds(state: SimState, spec: ResourceSpec, identity: Identity, filters: Filter[], order: OrderTerm[]): number[] {
  const key = JSON.stringify([spec.name, identityLabel(identity), filters.map((f) => [f.spec.field, f.spec.kind, f.value]), order]);
  const hit = state.listCache.get(key);
  if (hit && hit.version === state.version) return hit.ids;

  const table = state.tables[spec.name];
  const rows: [number, Row][] = [];
  for (const entry of table.rows) {
    const row = entry[1];
    if (!visibleTo(spec, identity, row)) continue;
    if (filters.every((f) => matches(state, spec, identity, row, f))) rows.push(entry);
  }
  let ids: number[];
  if (order.length === 0) {
    ids = rows.map((e) => e[0]).sort((a, b) => a - b);
  } else {
    const keyed = rows.map(([id, row]) => ({ id, keys: order.map((o) => sortKey(fieldValue(state, spec, row, o.field))) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const c = compareKeys(a.keys[i] as SortKey, b.keys[i] as SortKey);
        if (c !== 0) return (order[i] as OrderTerm).desc ? -c : c;
      }
      return a.id - b.id;
    });
    ids = keyed.map((k) => k.id);
  }
  if (state.listCache.size > 64) state.listCache.clear();
  state.listCache.set(key, { version: state.version, ids });
  return ids;
}
