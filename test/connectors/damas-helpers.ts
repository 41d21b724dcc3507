// Helpers for the damas connector tests: connectors for each simulated user, listings, and the simulator's own view
// of a node (GET /__sim/node) in the stored form, computed independently of src/connectors/damas/canonical.ts.

import { createHash } from 'node:crypto';
import { DamasConnector, parseDamasSettings, type ConnectorOptions } from '../../src/connectors/damas/index.ts';
import type { Container, Item } from '../../src/engine/model.ts';
import type { RunningDamasSim } from '../../src/sim/damas/index.ts';

export type Rec = Record<string, unknown>;

/** Fast retries, so fault tests take milliseconds. */
export const fastRetry = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } };

export function rawSettings(sim: RunningDamasSim, username = 'backup', extra: Rec = {}): Rec {
  return { url: sim.url, username, password: sim.user(username).password, ...extra };
}

export function connectorFor(sim: RunningDamasSim, username = 'backup', extra: Rec = {}, opts: ConnectorOptions = {}): DamasConnector {
  return new DamasConnector(parseDamasSettings(rawSettings(sim, username, extra)), { ...fastRetry, ...opts });
}

export async function listAll(connector: DamasConnector): Promise<{ containers: Container[]; items: Item[] }> {
  const containers = await connector.listContainers();
  const items: Item[] = [];
  for (const c of containers) for await (const i of connector.listItems(c)) items.push(i);
  return { containers, items };
}

export async function contentOf(connector: DamasConnector, item: Item): Promise<string> {
  const d = await connector.open(item);
  const parts: Buffer[] = [];
  for await (const chunk of d.body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/** The stored form, written independently: keys sorted by code unit at every depth, 2 spaces, newline; lastlogin and lastActivity dropped, a password replaced. */
export function expectedText(node: Rec): string {
  const { lastlogin: _a, lastActivity: _b, ...rest } = node;
  if (typeof rest.password === 'string') rest.password = '(password hash not backed up)';
  const lines: string[] = [];
  const emit = (v: unknown, indent: string, prefix: string, comma: string): void => {
    if (Array.isArray(v) && v.length > 0) {
      lines.push(`${indent}${prefix}[`);
      v.forEach((x, i) => emit(x, indent + '  ', '', i < v.length - 1 ? ',' : ''));
      lines.push(`${indent}]${comma}`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      lines.push(`${indent}${prefix}{`);
      const keys = Object.keys(v).sort();
      keys.forEach((k, i) => emit((v as Rec)[k], indent + '  ', `${JSON.stringify(k)}: `, i < keys.length - 1 ? ',' : ''));
      lines.push(`${indent}}${comma}`);
    } else {
      lines.push(`${indent}${prefix}${JSON.stringify(v)}${comma}`);
    }
  };
  emit(rest, '', '', '');
  return lines.join('\n') + '\n';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function simNode(sim: RunningDamasSim, id: string): Promise<Rec> {
  const res = await fetch(`${sim.url}/__sim/node?id=${encodeURIComponent(id)}`);
  if (!res.ok) throw new Error(`no node ${id}: ${res.status}`);
  return (await res.json()) as Rec;
}

export async function control(sim: RunningDamasSim, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
