// The Projectplace connector: workspaces, their document archives and document content, in the common model.

import { ConfigError } from '../../lib/errors.ts';
import type { Capabilities, Connector, Container, Download, Item, Person } from '../../engine/model.ts';
import { ProjectplaceClient, type ClientOptions } from './client.ts';
import { itemsFromTree, parseMembers, parseWorkspacePage } from './mapping.ts';
import type { ProjectplaceSettings } from './settings.ts';

export type { ProjectplaceSettings } from './settings.ts';

export class ProjectplaceConnector implements Connector {
  readonly source = 'projectplace';
  readonly displayName = 'Projectplace';
  readonly capabilities: Capabilities = { content: true, modificationStamps: true };
  readonly client: ProjectplaceClient;
  #settings: ProjectplaceSettings;
  #people: Promise<Map<string, Person>> | undefined;

  get listsWholeAccount(): boolean {
    return !this.#settings.workspaceIds?.some(Boolean);
  }

  constructor(settings: ProjectplaceSettings, opts: ClientOptions = {}) {
    this.#settings = settings;
    this.client = new ProjectplaceClient(settings, opts);
  }

  async listContainers(): Promise<Container[]> {
    const limit = this.#settings.pageSize ?? 100;
    const all: Container[] = [];
    for (const archived of [false, true]) {
      for (let row = 0, guard = 0; ; row += limit, guard++) {
        if (guard > 100_000) throw new ConfigError('Projectplace workspace paging never ended');
        const body: Record<string, unknown> = { sort_by: '+creation_date', filter: { archive_status: [archived ? 1 : 0] }, limit };
        if (row > 0) body.row_number = row;
        const page = parseWorkspacePage(await this.client.json('POST', '/2/account/projects', body), archived);
        all.push(...page);
        if (page.length < limit) break;
      }
    }
    const unique = new Map(all.map((c) => [c.id, c]));
    const wanted = this.#settings.workspaceIds?.filter(Boolean) ?? [];
    if (wanted.length === 0) return [...unique.values()];
    const missing = wanted.filter((id) => !unique.has(id));
    if (missing.length > 0) {
      throw new ConfigError(`workspace-ids lists ${missing.join(', ')}, which the account does not have (or the robot cannot see); check the ids in Projectplace`);
    }
    return wanted.map((id) => unique.get(id)!);
  }

  async *listItems(container: Container): AsyncIterable<Item> {
    const people = await this.#members();
    const tree = await this.client.json('GET', `/1/projects/${encodeURIComponent(container.id)}/documents?recursive=true&include_urls=true`);
    yield* itemsFromTree(tree, container, people);
  }

  async open(item: Item, signal?: AbortSignal): Promise<Download> {
    const opened = await this.client.open(`/1/documents/${encodeURIComponent(item.id)}`, signal);
    return { body: opened.body, size: opened.size, cancel: () => opened.body.destroy() };
  }

  #members(): Promise<Map<string, Person>> {
    this.#people ??= this.client.json('GET', '/1/account/members?include_external_users=1').then(parseMembers);
    return this.#people;
  }
}
