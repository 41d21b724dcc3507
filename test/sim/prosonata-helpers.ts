// Test helpers for the ProSonata simulator: API calls over real HTTP, control calls.

import type { RunningProsonataSim } from '../../src/sim/prosonata/index.ts';

export interface Meta {
  status: number;
  message?: string;
  perPage?: number;
  page?: number;
  totalCount?: number;
  requestUserID?: number;
  requestUsername?: string;
  usergroupName?: string;
  requestAppID?: number | string;
  requestIntegration?: string;
  insertID?: number | string;
  apiLimitRemaining?: number;
  apiLimitReset?: number;
}

export type Rec = Record<string, unknown>;

export interface Answer<D = Rec[]> {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  meta: Meta;
  data: D;
}

/** GET (or another method) under /api/v1 with these headers; parses the envelope when the body is JSON. */
export async function api<D = Rec[]>(
  sim: RunningProsonataSim,
  path: string,
  headers: Record<string, string> = sim.headers.app,
  init: { method?: string; body?: unknown } = {},
): Promise<Answer<D>> {
  const res = await fetch(sim.apiUrl + path, {
    method: init.method ?? 'GET',
    headers: { ...headers, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let meta = {} as Meta;
  let data = undefined as D;
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(text) as { meta: Meta; data: D };
    meta = parsed.meta;
    data = parsed.data;
  }
  return { status: res.status, contentType, headers: res.headers, text, meta, data };
}

export async function control<T = unknown>(sim: RunningProsonataSim, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(sim.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/** Walks a whole list with offset paging, as a naive client does; returns every row and each page's totalCount. */
export async function walk(sim: RunningProsonataSim, resource: string, perPage: number, query = ''): Promise<{ rows: Rec[]; totals: number[] }> {
  const rows: Rec[] = [];
  const totals: number[] = [];
  for (let page = 1; ; page++) {
    const a = await api(sim, `/${resource}?perPage=${perPage}&page=${page}${query}`);
    if (a.status !== 200) throw new Error(`${resource} page ${page}: ${a.status} ${a.text}`);
    totals.push(a.meta.totalCount as number);
    rows.push(...a.data);
    if (page * perPage >= (a.meta.totalCount as number)) break;
  }
  return { rows, totals };
}
