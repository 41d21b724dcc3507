// Helpers for the ProSonata connector tests: connectors for each kind of key, listings, the simulator's own view of
// the records (GET /__sim/records) in canonical JSON computed independently of the connector's code.

import { createHash } from 'node:crypto';
import { ProsonataConnector, type ConnectorOptions } from '../../src/connectors/prosonata/index.ts';
import { parseProsonataSettings } from '../../src/connectors/prosonata/settings.ts';
import type { Container, Item } from '../../src/engine/model.ts';
import { Logger, type LogLevel } from '../../src/lib/log.ts';
import type { RunningProsonataSim } from '../../src/sim/prosonata/index.ts';

export type Rec = Record<string, unknown>;
export type KeyKind = 'app' | 'admin' | 'teamlead' | 'timekeeper';

/** Fast retries, so fault tests take milliseconds. */
export const fastRetry = { retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 } };

/** Raw settings as a config file would give them, for one kind of key. */
export function rawSettings(sim: RunningProsonataSim, kind: KeyKind, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = sim.credentials;
  const personal = { admin: 0, teamlead: 1, timekeeper: 2 } as const;
  const keys = kind === 'app' ? { 'app-id': c.appId, 'api-key': c.appKey } : { 'api-key': c.personalKeys[personal[kind]]!.key };
  return { url: sim.url, ...keys, ...extra };
}

export function connectorFor(sim: RunningProsonataSim, kind: KeyKind, extra: Record<string, unknown> = {}, opts: ConnectorOptions = {}): ProsonataConnector {
  return new ProsonataConnector(parseProsonataSettings(rawSettings(sim, kind, extra)), {
    ...fastRetry,
    pace: { timeScale: sim.state.clock.timeScale },
    ...opts,
  });
}

export function container(id: string): Container {
  return { id, name: id, archived: false };
}

export async function listAll(connector: ProsonataConnector, resource: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const i of connector.listItems(container(resource))) items.push(i);
  return items;
}

/** Item id → the bytes open() streams, as text. */
export async function contents(connector: ProsonataConnector, items: Item[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const item of items) {
    const d = await connector.open(item);
    const parts: Buffer[] = [];
    for await (const chunk of d.body) parts.push(Buffer.from(chunk));
    out.set(item.id, Buffer.concat(parts).toString('utf8'));
  }
  return out;
}

/** Canonical JSON written independently of src/connectors/prosonata/canonical.ts: sorted keys, 2 spaces, newline. */
export function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Rec)[k])]));
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Every record of a resource as the simulator lists it (GET /__sim/records/<resource>). */
export async function simRecords(sim: RunningProsonataSim, resource: string): Promise<Rec[]> {
  const res = await fetch(`${sim.url}/__sim/records/${resource}`);
  if (!res.ok) throw new Error(`/__sim/records/${resource}: ${res.status}`);
  return (await res.json()) as Rec[];
}

/** What a complete listing of `resource` must hold: item id → canonical JSON of the simulator's record. */
export async function expected(sim: RunningProsonataSim, resource: string, pk: string): Promise<Map<string, string>> {
  return new Map((await simRecords(sim, resource)).map((r) => [`${resource}-${Number(r[pk])}`, canonical(r)]));
}

export async function control(sim: RunningProsonataSim, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(sim.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Spends `n` API calls with another key of the account, as another integration would. */
export async function spendBudget(sim: RunningProsonataSim, n: number, headers = sim.headers.admin): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${sim.apiUrl}/projecttimecategories?perPage=1`, { headers });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

/** A logger with debug on that keeps every line. */
export function captureLogger(): { logger: Logger; lines: Array<{ level: LogLevel; line: string }> } {
  const lines: Array<{ level: LogLevel; line: string }> = [];
  return { logger: new Logger({ debug: true, sink: (level, line) => lines.push({ level, line }) }), lines };
}

/** A quarter-hour boundary: a simulator started there begins a whole rate-limit window. */
export const ALIGNED = Date.UTC(2025, 0, 6, 9, 0, 0);
