// The Projectplace connector: workspaces, their document archives and document content, in the common model.

import { ConfigError, ServiceError } from '../../lib/errors.ts';
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

  /**
   * Every workspace, active then archived, by offset paging. Paging that repeats a page or never ends is a
   * ServiceError (the run stops before anything is planned), never a loop and never a partial list.
   *
   * Each page after the first starts a few rows before the previous one ended (`pageOverlap`). The list is sorted by
   * creation date, so a workspace archived or deleted while it is being paged moves every later one a row up: with
   * pages that only meet, the workspace that moved from the top of a page to the bottom of the one before it would
   * not be listed in this run, and the run would take its documents for deleted. New workspaces come last and move
   * nothing; a workspace seen twice is listed once.
   */
  async listContainers(): Promise<Container[]> {
    const limit = this.#settings.pageSize ?? 100;
    const maxPages = this.#settings.maxWorkspacePages ?? 1000;
    const step = limit - pageOverlap(limit);
    const endpoint = 'POST /2/account/projects';
    const all: Container[] = [];
    for (const archived of [false, true]) {
      const seen = new Set<string>();
      for (let row = 0, pages = 0; ; row += step, pages++) {
        const which = archived ? 'archived' : 'active';
        if (pages >= maxPages) {
          throw new ServiceError(
            `Projectplace's list of ${which} workspaces (${endpoint}) did not end after ${maxPages} pages of ${limit} (${seen.size} workspaces): its paging looks broken; stopping rather than paging forever`,
          );
        }
        const body: Record<string, unknown> = { sort_by: '+creation_date', filter: { archive_status: [archived ? 1 : 0] }, limit };
        if (row > 0) body.row_number = row;
        const page = parseWorkspacePage(await this.client.json('POST', '/2/account/projects', body), archived, endpoint);
        if (page.length > limit) throw new ServiceError(`Projectplace's answer to ${endpoint} is unusable: ${page.length} workspaces on a page of ${limit}`);
        // The rows shared with the page before are no sign of a repeat; a page whose other rows are all known is.
        const fresh = pages > 0 ? page.slice(limit - step) : page;
        if (fresh.length > 0 && fresh.every((c) => seen.has(c.id))) {
          throw new ServiceError(
            `Projectplace's list of ${which} workspaces (${endpoint}) gave the same workspaces again at row_number ${row}: its paging is broken; stopping rather than paging forever`,
          );
        }
        for (const c of page) seen.add(c.id);
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

  /** The whole tree of one workspace, checked whole before the first item is yielded: it is complete or it throws. */
  async *listItems(container: Container): AsyncIterable<Item> {
    const people = await this.#members();
    const path = `/1/projects/${encodeURIComponent(container.id)}/documents`;
    const tree = await this.client.json('GET', `${path}?recursive=true&include_urls=true`);
    const items = [...itemsFromTree(tree, container, people, `GET ${path}`)];
    yield* items;
  }

  async open(item: Item, signal?: AbortSignal): Promise<Download> {
    const opened = await this.client.open(`/1/documents/${encodeURIComponent(item.id)}`, signal);
    return { body: opened.body, size: opened.size, cancel: () => opened.body.destroy() };
  }

  /** Account members (names and emails for commit authors), fetched once per run; a failure is not remembered. */
  #members(): Promise<Map<string, Person>> {
    this.#people ??= this.client
      .json('GET', '/1/account/members?include_external_users=1')
      .then((body) => parseMembers(body, 'GET /1/account/members'))
      .catch((e: unknown) => {
        this.#people = undefined;
        throw e;
      });
    return this.#people;
  }
}

/**
 * Rows each page of the workspace list shares with the one before: a tenth of the page, at least 1 and at most 10
 * (about 10 % more calls; it covers up to that many workspaces leaving the list between two page requests). None on
 * pages of fewer than 4 rows, where it would be most of the page.
 */
export function pageOverlap(limit: number): number {
  if (limit < 4) return 0;
  return Math.min(10, Math.max(1, Math.floor(limit / 10)));
}
