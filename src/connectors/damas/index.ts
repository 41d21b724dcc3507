// The damas-core connector: every node is a document whose content is its canonical JSON, placed by its `_id` read
// as a path (layout.ts). damas has no modification stamps, so an item's version is a hash of that JSON and the
// engine sees a changed hash as a modification (DESIGN §4). The account must be an admin: with authorMode, damas
// answers `null` for other users' nodes to anyone else, which would look like deletions.

import { ServiceError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Capabilities, Connector, Container, Download, Item } from '../../engine/model.ts';
import { nodeContent, versionOf } from './canonical.ts';
import { DamasClient, type ClientOptions, type DamasAccount } from './client.ts';
import { folderIdOf, OBJECTS_CONTAINER, placeOf, TOP_CONTAINER } from './layout.ts';
import type { DamasSettings } from './settings.ts';
import { walkIds } from './walk.ts';

export type { DamasSettings } from './settings.ts';
export { DAMAS_ENV, damasSecretKeys, damasSettingsKeys, parseDamasSettings } from './settings.ts';
export { canonicalJson, nodeContent, PASSWORD_PLACEHOLDER, VOLATILE_KEYS, versionOf } from './canonical.ts';
export { placeOf } from './layout.ts';

export interface ConnectorOptions extends ClientOptions {
  /** Ids per search_mongo page: 500 (smaller in tests; at least 2). */
  pageSize?: number;
  /** Ids per POST /api/read/: 500 (the body limit is 50 MB; nodes are small). */
  readBatch?: number;
}

export class DamasConnector implements Connector {
  readonly source = 'damas';
  readonly displayName = 'damas';
  /** Nodes have no author or time of their own that says when they changed: new ones come in one commit per container. */
  readonly capabilities: Capabilities = { content: true, modificationStamps: false, bulkAdd: true };
  readonly listsWholeAccount = true;
  readonly client: DamasClient;
  #pageSize: number;
  #readBatch: number;
  #log: Logger;
  #account: Promise<DamasAccount> | undefined;
  /** From the latest walk: ids per container, and every id (to keep folder ids apart from node ids). */
  #ids = new Map<string, string[]>();
  #allIds = new Set<string>();
  /**
   * Per container, node id → the stored bytes from its latest listing; open() serves them, so no node is read twice.
   * Memory: the canonical JSON of every node listed this run (the engine lists every container before it downloads).
   */
  #content = new Map<string, Map<string, Buffer>>();
  /** Nodes listed by id but gone when read, this run (deleted between the walk and the read). */
  vanished = 0;

  constructor(settings: DamasSettings, opts: ConnectorOptions = {}) {
    this.#pageSize = Math.max(2, opts.pageSize ?? 500);
    this.#readBatch = Math.max(1, opts.readBatch ?? 500);
    this.#log = opts.logger ?? silentLogger;
    this.client = new DamasClient(settings, opts);
  }

  /** Signs in once per run (AuthError when refused) and refuses accounts that are not admins. */
  account(): Promise<DamasAccount> {
    this.#account ??= this.#checkAccount().catch((e: unknown) => {
      this.#account = undefined;
      throw e;
    });
    return this.#account;
  }

  /** Walks every id (walk.ts) and answers the containers they fall into (layout.ts). */
  async listContainers(): Promise<Container[]> {
    await this.account();
    const walk = await walkIds(this.client, this.#pageSize, this.#log);
    this.#ids.clear();
    this.#allIds = new Set(walk.ids);
    const names = new Map<string, string>();
    for (const id of walk.ids) {
      const place = placeOf(id);
      names.set(place.containerId, place.containerName);
      const list = this.#ids.get(place.containerId) ?? [];
      list.push(id);
      this.#ids.set(place.containerId, list);
    }
    this.#log.debug(`damas at ${this.client.base}: ${walk.ids.length} nodes in ${names.size} containers (${walk.pages} pages)`);
    const order = (id: string): number => (id === TOP_CONTAINER.id ? 0 : id === OBJECTS_CONTAINER.id ? 2 : 1);
    return [...names]
      .map(([id, name]) => ({ id, name, archived: false }))
      .sort((a, b) => order(a.id) - order(b.id) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every node of one container, read in batches; complete or it throws. */
  async *listItems(container: Container): AsyncIterable<Item> {
    await this.account();
    const ids = this.#ids.get(container.id);
    if (!ids) throw new ServiceError(`damas: container ${container.name} (${container.id}) is not in this run's listing; list the containers first`);
    const bytes = new Map<string, Buffer>();
    const items: Item[] = [];
    const folders = new Map<string, Item>();
    for (let i = 0; i < ids.length; i += this.#readBatch) {
      const batch = ids.slice(i, i + this.#readBatch);
      const nodes = await this.#read(batch);
      nodes.forEach((node, k) => {
        const id = batch[k]!;
        if (node === null) {
          // Listed a moment ago, gone now: deleted in between. Left out, so the engine marks it deleted, as it now is.
          this.vanished++;
          this.#log.debug(`damas node ${JSON.stringify(id)} was deleted between listing and reading`);
          return;
        }
        const place = placeOf(id);
        let parentId: string | null = null;
        for (const f of place.folders) {
          const fid = folderIdOf(f.prefix, this.#allIds);
          if (!folders.has(fid)) folders.set(fid, { id: fid, kind: 'folder', name: f.name, parentId, containerId: container.id });
          parentId = fid;
        }
        const content = nodeContent(node);
        bytes.set(id, content);
        items.push({ id, kind: 'document', name: place.name, parentId, containerId: container.id, version: versionOf(content), size: content.length });
      });
    }
    this.#content.set(container.id, bytes);
    yield* folders.values();
    yield* items;
  }

  /** The node's stored bytes from the listing just done; never a new request. */
  async open(item: Item): Promise<Download> {
    const content = this.#content.get(item.containerId)?.get(item.id);
    if (!content) throw new ServiceError(`damas node ${JSON.stringify(item.id)} is not in this run's listing of ${item.containerId}: nodes are served from the listing, list the container first`);
    if (item.version !== undefined && versionOf(content) !== item.version) {
      throw new ServiceError(`damas node ${JSON.stringify(item.id)} was listed again since this item was made (version ${item.version}, now ${versionOf(content)}); it is backed up next run`);
    }
    return {
      body: (async function* () {
        yield content;
      })(),
      size: content.length,
      cancel: () => {},
    };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async #checkAccount(): Promise<DamasAccount> {
    const account = await this.client.account();
    if (account.noauth) {
      this.#log.warn(`damas at ${this.client.base} runs without authentication (noauth): every caller is an admin`);
      return account;
    }
    if (account.class !== 'admin') {
      throw new ServiceError(
        `damas account "${account.username}" is ${account.class}, not an admin: damas would answer null for other users' nodes (authorMode), ` +
          'and a backup of only this account\'s own nodes would read every other node as deleted. Use an account of class admin',
      );
    }
    this.#log.debug(`damas at ${this.client.base}: signed in as ${account.username} (admin)`);
    return account;
  }

  /** POST /api/read/ [ids]: one node or null per id, in order (404 when none exists any more). */
  async #read(ids: string[]): Promise<Array<Record<string, unknown> | null>> {
    const answer = await this.client.post('/api/read/', ids);
    if (answer.status === 404) return ids.map(() => null);
    const v = answer.value;
    if (!Array.isArray(v) || v.length !== ids.length) {
      throw new ServiceError(`damas's answer to POST /api/read/ (${ids.length} ids) is unusable: ${Array.isArray(v) ? `${v.length} entries` : 'not a list'}`);
    }
    return v.map((node: unknown, k) => {
      if (node === null) return null;
      if (typeof node !== 'object' || Array.isArray(node) || (node as { _id?: unknown })._id !== ids[k]) {
        throw new ServiceError(`damas's answer to POST /api/read/ is unusable: entry ${k + 1} is not the node ${JSON.stringify(ids[k])}`);
      }
      return node as Record<string, unknown>;
    });
  }
}
