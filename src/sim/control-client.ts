// A small client for a simulator's control API (/__sim/*): scripted changes, faults, switches, the request log.

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  auth: string;
  bytes: number;
}

export class SimControl {
  readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url + path, {
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

  async clearFaults(): Promise<void> {
    await this.#call('DELETE', '/__sim/faults');
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
}

export interface SimDump {
  workspaces: Array<{ id: number; name: string; archived: boolean }>;
  items: Array<{ id: number; kind: string; name: string; workspaceId: number; parentId: number | null; lastModifier?: number; deleted?: boolean }>;
  users: Array<{ id: number; name: string; email: string; external: boolean }>;
}
