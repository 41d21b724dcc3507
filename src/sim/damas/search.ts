// The three searches of routes/cruds.js and db/mongodb.js: search_mongo (a Mongo query with the regex markers
// "REGEX_…" and "RX_pat_RXflags"), the text search of /api/search/ and /api/search_one/ (textSearch2MongoQuery), and
// graph (links whose tgt_id is among the ids, followed to their src_id). Mongo's semantics come from mingo.

import { find } from 'mingo';
import { idKey, type DamasNode, type SimState } from './model.ts';
import { collection, readNodes } from './store.ts';

type Json = Record<string, unknown>;

/** mingo tests a RegExp with .test(): a g or y flag would make it stateful across documents; Mongo has neither. */
function mongoRegExp(source: string, flags: string): RegExp {
  return new RegExp(source, flags.replace(/[gy]/g, ''));
}

/**
 * prepare_regexes of cruds.js: every string value, at any depth (arrays too), that starts with "REGEX_" becomes a
 * RegExp of the rest; one that starts with "RX_" becomes a RegExp of what lies before the last "_RX", with what
 * follows as flags. Throws on an invalid pattern (the real route then fails with a 500).
 */
export function prepareRegexes(obj: unknown): void {
  if (typeof obj !== 'object' || obj === null) return;
  const o = obj as Json;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (typeof v === 'object' && v !== null) {
      prepareRegexes(v);
      continue;
    }
    if (typeof v !== 'string') continue;
    if (v.startsWith('REGEX_')) {
      o[key] = mongoRegExp(v.replace('REGEX_', ''), '');
      continue;
    }
    if (v.startsWith('RX_')) {
      const delimiter = v.lastIndexOf('_RX');
      o[key] = delimiter === -1 ? mongoRegExp(v.substring(3), '') : mongoRegExp(v.substring(3, delimiter), v.substring(delimiter + 3));
    }
  }
}

/** A Mongo sort specification from what the request gave: an object, a field name, or nothing. */
function sortSpec(sort: unknown): Record<string, 1 | -1> | undefined {
  if (typeof sort === 'string' && sort !== '') return { [sort]: 1 };
  if (typeof sort !== 'object' || sort === null || Array.isArray(sort)) return undefined;
  const out: Record<string, 1 | -1> = {};
  for (const [k, v] of Object.entries(sort as Json)) out[k] = v === -1 || v === '-1' || v === 'desc' || v === 'descending' ? -1 : 1;
  return out;
}

/** db.mongo_search: the count of all matches (skip and limit ignored, as cursor.count() does) and one page of ids. */
export function mongoSearch(state: SimState, query: unknown, sort: unknown, skip: number, limit: number): { count: number; ids: string[] } {
  if (query !== undefined && query !== null && (typeof query !== 'object' || Array.isArray(query))) throw new TypeError('query must be an object');
  const criteria = (query ?? {}) as Json;
  const all = find(collection(state), criteria).all() as DamasNode[];
  const spec = sortSpec(sort);
  let cursor = find(all, {});
  if (spec && Object.keys(spec).length > 0) cursor = cursor.sort(spec);
  if (skip > 0) cursor = cursor.skip(skip);
  // Mongo: limit 0 is no limit; a negative limit returns that many in one batch.
  if (limit !== 0) cursor = cursor.limit(Math.abs(limit));
  const page = cursor.all() as DamasNode[];
  return { count: all.length, ids: page.map((n) => idKey(n._id)) };
}

/**
 * textSearch2MongoQuery: space-separated terms, each `k<=v`, `k<v`, `k>=v`, `k>v` (string comparisons: the value is
 * never converted) or `k:v` (equality, or a RegExp when v is /pattern/flags), tested in that order; a term with no
 * operator after its first character adds nothing, so "*" finds every node. A `k:v` keeps only what lies between the
 * first and second ":".
 */
export function textQuery(str: string): Json {
  const result: Json = {};
  for (const term of str.split(' ')) {
    let pair: string[];
    if (term.indexOf('<=') > 0) {
      pair = term.split('<=');
      result[pair[0]!] = { $lte: pair[1] };
      continue;
    }
    if (term.indexOf('<') > 0) {
      pair = term.split('<');
      result[pair[0]!] = { $lt: pair[1] };
      continue;
    }
    if (term.indexOf('>=') > 0) {
      pair = term.split('>=');
      result[pair[0]!] = { $gte: pair[1] };
      continue;
    }
    if (term.indexOf('>') > 0) {
      pair = term.split('>');
      result[pair[0]!] = { $gt: pair[1] };
      continue;
    }
    if (term.indexOf(':') > 0) {
      pair = term.split(':');
      const value = pair[1]!;
      const flags = value.replace(/.*\/([gimy]*)$/, '$1');
      const pattern = value.replace(new RegExp('^/(.*?)/' + flags + '$'), '$1');
      result[pair[0]!] = flags !== value && pattern !== value ? mongoRegExp(pattern, flags) : value;
    }
  }
  return result;
}

/** db.searchFromText: every matching id, in the collection's natural (insertion) order. */
export function textSearch(state: SimState, str: string): string[] {
  return (find(collection(state), textQuery(str)).all() as DamasNode[]).map((n) => idKey(n._id));
}

/**
 * db.graph: links whose tgt_id is among the ids, then links to their sources, `depth` levels (0: until no new
 * sources); answers the ids' nodes and the sources' nodes (null where missing), then the link nodes.
 */
export function graph(state: SimState, ids: string[], depth: number): Array<DamasNode | null> {
  const links = new Map<string, DamasNode>();
  const all = [...ids];
  let frontier = [...ids];
  let level = depth;
  for (;;) {
    const found = find(collection(state), { tgt_id: { $in: frontier } }).all() as DamasNode[];
    const next: string[] = [];
    for (const link of found) {
      const key = idKey(link._id);
      if (links.has(key)) continue;
      const src = link.src_id;
      if (src !== undefined && typeof src === 'string' && !frontier.includes(src)) next.push(src);
      links.set(key, link);
    }
    if (--level === 0 || next.length < 1) break;
    frontier = next;
  }
  for (const link of links.values()) {
    const src = link.src_id;
    if (typeof src === 'string' && !all.includes(src)) all.push(src);
  }
  return [...readNodes(state, all), ...links.values()];
}
