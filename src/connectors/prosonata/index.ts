// The ProSonata connector: each configured resource (projecttimes, users, …) is a container, each record a document
// whose content is its canonical JSON. The service has no modification stamps, so an item's version is a hash of
// that JSON and the engine sees a changed hash as a modification (DESIGN §4).

import { AuthError, ServiceError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Capabilities, Connector, Container, Download, Item } from '../../engine/model.ts';
import { canonicalJson, numberOf, versionOf } from './canonical.ts';
import { ProsonataClient, ProsonataError, type ClientOptions } from './client.ts';
import { coversDefaultResources, type ProsonataResource, type ProsonataSettings } from './settings.ts';
import { walkResource } from './walk.ts';

export type { ProsonataResource, ProsonataSettings } from './settings.ts';
export { DEFAULT_RESOURCES, DEFAULT_RESERVE, PRIMARY_KEYS, parseProsonataSettings, prosonataSecretKeys, prosonataSettingsKeys } from './settings.ts';
export { canonicalJson, versionOf } from './canonical.ts';

export interface ConnectorOptions extends ClientOptions {
  /** Records per page: 1000, the API's maximum (smaller only in tests). */
  perPage?: number;
  /** Walks of a resource that keeps changing before its listing fails; default 3. */
  maxWalks?: number;
}

/** Whom the credentials act as, from the first answer's meta. */
export interface ProsonataIdentity {
  kind: 'app' | 'user';
  /** "App-Integration workspace-backup" or "Admin1 (Administrator)", for messages. */
  label: string;
  /** A personal key's user group (meta.usergroupName). */
  usergroup?: string;
}

/** The resource every user group may read, used to check the credentials with one small call (perPage=1). */
const PROBE_RESOURCE = 'projecttimecategories';

/**
 * The engine keys items by id across all containers of a source, so a record's id carries its resource:
 * "projecttimes-4711". The file name is just the primary key ("4711.json", at ProSonata/projecttimes/4711.json).
 */
export function itemId(resource: string, recordId: string): string {
  return `${resource}-${recordId}`;
}

export class ProsonataConnector implements Connector {
  readonly source = 'prosonata';
  readonly displayName = 'ProSonata';
  readonly capabilities: Capabilities = { content: true, modificationStamps: false, bulkAdd: true };
  readonly client: ProsonataClient;
  #settings: ProsonataSettings;
  #perPage: number;
  #maxWalks: number;
  #log: Logger;
  #identity: Promise<ProsonataIdentity> | undefined;
  /**
   * Per container, record id → the canonical JSON bytes of that record from the latest listing; open() serves them, so
   * no record is fetched twice (single GETs would cost one API call each against a budget of 50–500 per 15 minutes).
   * Memory: every listed record stays here until the connector is dropped, because the engine lists every container
   * before it downloads anything. That is the size of the canonical JSON (~0.6 KB for a time entry; 30,000 entries
   * ≈ 20 MB, 100,000 ≈ 70 MB) plus ~100 bytes of Map and Buffer overhead per record. A listing replaces the previous
   * one of its container.
   */
  #records = new Map<string, Map<string, Buffer>>();

  constructor(settings: ProsonataSettings, opts: ConnectorOptions = {}) {
    this.#settings = settings;
    this.#perPage = Math.min(1000, Math.max(1, opts.perPage ?? 1000));
    this.#maxWalks = Math.max(1, opts.maxWalks ?? 3);
    this.#log = opts.logger ?? silentLogger;
    this.client = new ProsonataClient(settings, opts);
  }

  /** True when every default resource is configured: a resource missing from the list is then really gone. */
  get listsWholeAccount(): boolean {
    return coversDefaultResources(this.#settings);
  }

  /** The configured resources, after one call that checks the credentials (AuthError when they are refused). */
  async listContainers(): Promise<Container[]> {
    await this.identity();
    return this.#settings.resources.map((r) => ({ id: r.name, name: r.name, archived: false }));
  }

  /** Every record of one resource, walked whole and checked before the first item is yielded (see walk.ts). */
  async *listItems(container: Container): AsyncIterable<Item> {
    const resource = this.#settings.resources.find((r) => r.name === container.id);
    if (!resource) throw new ServiceError(`ProSonata: "${container.id}" is not among the configured resources (${this.#settings.resources.map((r) => r.name).join(', ')})`);
    const identity = await this.identity();
    let walked;
    try {
      walked = await walkResource(this.client, resource, { perPage: this.#perPage, maxWalks: this.#maxWalks, log: this.#log });
    } catch (e) {
      throw explain(e, resource, identity, new URL(this.client.base).pathname);
    }
    const bytes = new Map<string, Buffer>();
    const items: Item[] = [];
    for (const r of walked.records) {
      const content = Buffer.from(canonicalJson(r.value), 'utf8');
      bytes.set(r.id, content);
      items.push({
        id: itemId(resource.name, r.id),
        kind: 'document',
        name: `${r.id}.json`,
        parentId: null,
        containerId: resource.name,
        version: versionOf(content),
        size: content.length,
      });
    }
    this.#records.set(resource.name, bytes);
    this.#log.debug(`ProSonata ${resource.name}: ${items.length} records in ${walked.pages} page(s)${walked.walks > 1 ? `, ${walked.walks} walks` : ''}`);
    yield* items;
  }

  /** The record's canonical JSON from the listing just done; never a new request. */
  async open(item: Item): Promise<Download> {
    const prefix = `${item.containerId}-`;
    const recordId = item.id.startsWith(prefix) ? item.id.slice(prefix.length) : item.id;
    const content = this.#records.get(item.containerId)?.get(recordId);
    if (!content) {
      throw new ServiceError(`ProSonata record ${item.id} is not in this run's listing of ${item.containerId}: records are served from the listing, list the resource first`);
    }
    if (item.version !== undefined && versionOf(content) !== item.version) {
      throw new ServiceError(`ProSonata record ${item.id} was listed again since this item was made (version ${item.version}, now ${versionOf(content)}); it is backed up next run`);
    }
    return {
      body: (async function* () {
        yield content;
      })(),
      size: content.length,
      cancel: () => {},
    };
  }

  /**
   * Whom the credentials act as, learnt once per run from one small call; refused credentials are an AuthError. A
   * personal key below Administrator gets a warning: ProSonata shows it only what its group may see.
   */
  identity(): Promise<ProsonataIdentity> {
    this.#identity ??= this.#probe().catch((e: unknown) => {
      this.#identity = undefined;
      throw e;
    });
    return this.#identity;
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.client.close();
  }

  async #probe(): Promise<ProsonataIdentity> {
    let meta: Record<string, unknown>;
    try {
      meta = (await this.client.get(PROBE_RESOURCE, { page: '1', perPage: '1' })).meta;
    } catch (e) {
      if (e instanceof ProsonataError && (e.status === 401 || e.status === 403)) {
        const check =
          this.#settings.appId !== undefined
            ? 'check app-id and api-key (the App-ID and key of an App-Integration, System > Integrationen)'
            : 'check api-key (a personal API key; for an App-Integration give its app-id too)';
        throw new AuthError(`ProSonata refused the credentials (${e.status}${e.serverMessage ? ` "${e.serverMessage}"` : ''} at ${this.client.base}): ${check}`);
      }
      throw e;
    }
    let identity: ProsonataIdentity;
    if (meta.requestAppID !== undefined || meta.requestIntegration !== undefined) {
      identity = { kind: 'app', label: `App-Integration ${typeof meta.requestIntegration === 'string' ? meta.requestIntegration : this.#settings.appId ?? ''}`.trim() };
    } else {
      const group = typeof meta.usergroupName === 'string' ? meta.usergroupName : undefined;
      const name = typeof meta.requestUsername === 'string' ? meta.requestUsername : `user ${numberOf(meta.requestUserID) ?? '?'}`;
      identity = { kind: 'user', label: `${name}${group ? ` (${group})` : ''}`, ...(group !== undefined && { usergroup: group }) };
      if (group !== 'Administrator') {
        this.#log.warn(
          `ProSonata: the API key is the personal key of ${identity.label}. ProSonata shows a key only what its user group may see ` +
            '(users only to administrators; to the lowest groups only their own time entries and projects), so records it does not show are not backed up. ' +
            'Use an App-Integration (app-id and api-key, System > Integrationen) for a complete backup',
        );
      }
    }
    this.#log.debug(`ProSonata at ${this.client.base}: signed in as ${identity.label}`);
    return identity;
  }
}

/** The API's refusals for one resource, in words that say what to do; everything else unchanged. */
function explain(e: unknown, resource: ProsonataResource, identity: ProsonataIdentity, basePath: string): unknown {
  if (!(e instanceof ProsonataError)) return e;
  const said = `${e.status}${e.serverMessage ? ` "${e.serverMessage}"` : ''}`;
  const keep = `Nothing in ${resource.name} is treated as deleted this run`;
  if (e.status === 401 || e.status === 403) {
    if (identity.kind === 'user' && resource.name === 'users') {
      return new ServiceError(
        `ProSonata refused users (${said}): the API key lacks admin rights for users; it is the personal key of ${identity.label}, and only administrators may read users. ` +
          `Use an App-Integration or an administrator's key, or remove users from resources. ${keep}`,
        { status: e.status, cause: e },
      );
    }
    const why =
      identity.kind === 'user'
        ? `the API key lacks the rights for ${resource.name}: it is the personal key of ${identity.label}, whose user group may not read it. Use an App-Integration or a key of a group that may, or remove ${resource.name} from resources`
        : `the ${identity.label} was accepted at the start of this run but may not read ${resource.name}; check its rights in ProSonata`;
    return new ServiceError(`ProSonata refused ${resource.name} (${said}): ${why}. ${keep}`, { status: e.status, cause: e });
  }
  if (e.status === 404) {
    return new ServiceError(
      `ProSonata has no list of ${resource.name} (GET ${basePath}/${resource.name} answered ${said}): remove it from resources` +
        (resource.name === 'invoices' ? ' (the docs describe only single invoices; not every account has the list form)' : '') +
        `. ${keep}`,
      { status: 404, cause: e },
    );
  }
  return e;
}
