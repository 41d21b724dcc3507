// A small client for a simulator's control API (/__sim/*): scripted changes, faults, triggers, switches, the clock,
// the request log, and the hashes of every version a document ever had.

import { Agent, fetch } from 'undici';

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  auth: string;
  bytes: number;
}

/**
 * Control calls never reuse a connection. A test's control call after a run of about five seconds met the simulator
 * closing the idle keep-alive socket just as the call reused it (ECONNRESET): a race, not an answer of the simulator.
 */
const oneRequestPerConnection = new Agent({ maxRequestsPerClient: 1 });

export class SimControl {
  readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url + path, {
      dispatcher: oneRequestPerConnection,
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator ${method} ${path} answered ${res.status}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** Applies one scripted change; returns the id it created or touched. */
  async mutate(op: Record<string, unknown>): Promise<number> {
    const r = (await this.#call('POST', '/__sim/mutate', op)) as { id?: number };
    return r.id ?? 0;
  }

  async faults(rules: Array<Record<string, unknown>>): Promise<void> {
    await this.#call('POST', '/__sim/faults', { rules });
  }

  /** The fault rules and how often each fired. */
  async faultStatus(): Promise<{ rules: Array<Record<string, unknown>>; fired: number[] }> {
    return (await this.#call('GET', '/__sim/faults')) as { rules: Array<Record<string, unknown>>; fired: number[] };
  }

  async clearFaults(): Promise<void> {
    await this.#call('DELETE', '/__sim/faults');
  }

  /** Replaces the triggers: changes applied when the n-th request matching a path arrives (see TriggerRule). */
  async triggers(triggers: Array<Record<string, unknown>>): Promise<void> {
    await this.#call('POST', '/__sim/triggers', { triggers });
  }

  async clearTriggers(): Promise<void> {
    await this.#call('DELETE', '/__sim/triggers');
  }

  /** Each trigger with how many matching requests it saw and what it did when it fired (null: not yet). */
  async triggerStatus(): Promise<TriggerStatus> {
    return (await this.#call('GET', '/__sim/triggers')) as TriggerStatus;
  }

  /** Moves the simulator's clock forward (token expiry, OAuth1 timestamp checks). */
  async advanceClock(seconds: number): Promise<void> {
    await this.#call('POST', '/__sim/clock', { advanceSeconds: seconds });
  }

  async switches(partial: Record<string, unknown>): Promise<void> {
    await this.#call('POST', '/__sim/switches', partial);
  }

  async requests(): Promise<LoggedRequest[]> {
    return (await this.#call('GET', '/__sim/requests')) as LoggedRequest[];
  }

  async clearRequests(): Promise<void> {
    await this.#call('DELETE', '/__sim/requests');
  }

  async state(): Promise<SimDump> {
    return (await this.#call('GET', '/__sim/state')) as SimDump;
  }

  async sha256(id: number | string): Promise<{ sha256: string; size: number }> {
    return (await this.#call('GET', `/__sim/documents/${id}/sha256`)) as { sha256: string; size: number };
  }

  /** Every version a document ever had (also once deleted), with the sha256 of its bytes; undefined for an unknown id. */
  async versions(id: number | string): Promise<DocumentVersions | undefined> {
    const res = await fetch(`${this.url}/__sim/documents/${encodeURIComponent(String(id))}/versions`);
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`simulator GET /__sim/documents/${id}/versions answered ${res.status}: ${text}`);
    return JSON.parse(text) as DocumentVersions;
  }
}

export interface DocumentVersions {
  id: number;
  deleted: boolean;
  versions: Array<{ verNr: number; size: number; modifiedTime: number; modifier: number; sha256: string }>;
}

export interface TriggerStatus {
  triggers: Array<{ path: string; method?: string; nth: number; when: 'before' | 'after' }>;
  seen: number[];
  fired: Array<{ request: string; ids: number[]; errors: string[] } | null>;
}

export interface SimDump {
  workspaces: Array<{ id: number; name: string; archived: boolean }>;
  items: Array<{ id: number; kind: string; name: string; workspaceId: number; parentId: number | null; lastModifier?: number; deleted?: boolean; url?: string }>;
  /** Items deleted since the account was generated (kept so their served versions can still be checked). */
  deletedItems?: Array<{ id: number; kind: string; name: string; workspaceId: number; parentId: number | null }>;
  users: Array<{ id: number; name: string; email: string; external: boolean }>;
}
