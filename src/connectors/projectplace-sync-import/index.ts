// Imports what pellepim/projectplace_workspace_sync kept (its `.data` and `localdata/<workspace_id>/<document_id>.<ext>`)
// as the Projectplace source: same ids, names, folders, modifiers and times as the live connector lists, so the
// next live sync matches every imported document instead of downloading it again.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Capabilities, Connector, Container, Download, Item, Person } from '../../engine/model.ts';
import { readOldSyncData, type OldSyncData } from './data-file.ts';
import { LocalFiles } from './local-files.ts';

export { OldSyncDataError, oldSyncMigrationColumns, oldSyncSchema, readOldSyncData, type OldSyncData } from './data-file.ts';
export { oldLocalFileName } from './local-files.ts';

/** One document's content cannot be imported (missing, not stored by the old tool, or not the bytes it claims to be). */
export class OldSyncFileError extends Error {
  override name = 'OldSyncFileError';
}

/** What the live service says about a document now: used to check the old bytes and to carry its version over. */
export interface ReferenceStamp {
  modifiedAt?: string;
  size?: number;
  version?: string;
  sha256?: string;
}

/** Document id → what the live service lists for it. */
export type ImportReference = ReadonlyMap<string, ReferenceStamp>;

export interface SyncImportOptions {
  /** The old tool's SQLite file (`.data`); opened read-only. */
  dataPath: string;
  /** Its file storage folder (`localdata`), holding `<workspace_id>/<document_id>.<ext>`. */
  filesDir: string;
  /**
   * Optional: the live account's listing (referenceFromConnector). A document whose live modification time equals the
   * old tool's is the same version: its local file must then have the live size (and sha256, when given), or it is
   * skipped as damaged; and it takes the live version label, so the live sync's stamps match exactly.
   */
  reference?: ImportReference;
  logger?: Logger;
}

interface DocumentSource {
  path?: string;
  size?: number;
  /** Why its content cannot be imported; open() throws it. */
  error?: string;
  /** What the reference expects of these bytes. */
  expect?: { size?: number; sha256?: string };
}

interface Loaded {
  containers: Container[];
  items: Map<string, Item[]>;
  documents: Map<string, DocumentSource>;
}

/** ISO-8601 UTC without milliseconds, as the live connector renders Projectplace's epoch seconds. */
export function isoOfSeconds(s: number | undefined): string | undefined {
  if (s === undefined) return undefined;
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export class ProjectplaceSyncImportConnector implements Connector {
  readonly source = 'projectplace';
  readonly displayName = 'Projectplace';
  /** addOnly: the old tool's copy is older than any live backup; it fills gaps and never overrides, moves or deletes. */
  readonly capabilities: Capabilities = { content: true, modificationStamps: true, addOnly: true };
  /** An import lists what the old tool kept, never the whole account: nothing it lacks is ever read as deleted. */
  readonly listsWholeAccount = false;
  /** Rows left out or documents that cannot be imported, with why; filled by the first listContainers(). */
  readonly problems: string[] = [];
  readonly options: SyncImportOptions;
  #log: Logger;
  #loaded: Loaded | undefined;

  constructor(options: SyncImportOptions) {
    this.options = options;
    this.#log = options.logger ?? silentLogger;
  }

  async listContainers(): Promise<Container[]> {
    return this.#load().containers;
  }

  async *listItems(container: Container): AsyncIterable<Item> {
    yield* this.#load().items.get(container.id) ?? [];
  }

  async open(item: Item, signal?: AbortSignal): Promise<Download> {
    const src = this.#load().documents.get(item.id);
    const what = `document ${item.id} (${JSON.stringify(item.name)})`;
    if (!src) throw new OldSyncFileError(`${what} is not in the old sync tool's data`);
    if (src.error || !src.path) throw new OldSyncFileError(`${what} not imported: ${src.error ?? 'no file'}`);
    const st = await lstat(src.path);
    if (!st.isFile()) throw new OldSyncFileError(`${what} not imported: ${src.path} is no longer a regular file`);
    if (src.expect?.size !== undefined && st.size !== src.expect.size) {
      throw new OldSyncFileError(
        `${what} not imported: its file ${src.path} has ${st.size} bytes, but Projectplace lists ${src.expect.size} for this same version (truncated or damaged); the next live sync downloads it`,
      );
    }
    if (src.expect?.sha256 !== undefined) {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(src.path, { signal })) hash.update(chunk as Buffer);
      const got = hash.digest('hex');
      if (got !== src.expect.sha256) {
        throw new OldSyncFileError(`${what} not imported: the sha256 of ${src.path} is ${got}, not ${src.expect.sha256} as expected for this version (damaged); the next live sync downloads it`);
      }
    }
    const body = createReadStream(src.path, signal ? { signal } : {});
    return { body, size: st.size, cancel: () => body.destroy() };
  }

  /** Reads `.data` and stats the files once; throws OldSyncDataError for a missing or foreign data file. */
  #load(): Loaded {
    if (this.#loaded) return this.#loaded;
    const data = readOldSyncData(this.options.dataPath);
    const loaded = buildListing(data, new LocalFiles(this.options.filesDir), this.options.reference);
    this.problems.push(...data.problems, ...loaded.problems);
    for (const p of this.problems) this.#log.warn(`old sync data: ${p}`);
    this.#loaded = loaded;
    return loaded;
  }
}

/** The connector for `workspace-backup import projectplace-sync --data <.data> --files <localdata>`. */
export function createProjectplaceSyncImport(options: SyncImportOptions): ProjectplaceSyncImportConnector {
  return new ProjectplaceSyncImportConnector(options);
}

/** A reference from listed items (documents only). */
export function referenceFromItems(items: Iterable<Item>): Map<string, ReferenceStamp> {
  const ref = new Map<string, ReferenceStamp>();
  for (const i of items) {
    if (i.kind !== 'document') continue;
    const s: ReferenceStamp = {};
    if (i.modifiedAt !== undefined) s.modifiedAt = i.modifiedAt;
    if (i.size !== undefined) s.size = i.size;
    if (i.version !== undefined) s.version = i.version;
    ref.set(i.id, s);
  }
  return ref;
}

/** A reference from a live connector's whole listing (every workspace, active and archived). */
export async function referenceFromConnector(live: Connector): Promise<Map<string, ReferenceStamp>> {
  const items: Item[] = [];
  for (const c of await live.listContainers()) for await (const i of live.listItems(c)) items.push(i);
  return referenceFromItems(items);
}

/** Turns the old tool's rows into containers and items as the live connector would list them. */
export function buildListing(data: OldSyncData, files: LocalFiles, reference?: ImportReference): Loaded & { problems: string[] } {
  const problems: string[] = [];
  const workspaceNames = new Map<string, string | undefined>();
  for (const w of data.workspaces) workspaceNames.set(w.id, w.name);
  const containerRows = new Map(data.containers.map((c) => [c.id, c]));

  /** The workspace a container id lies in: itself when it is a workspace, else up the chain of folders. */
  const workspaceOf = (containerId: string | undefined): string | undefined => {
    const seen = new Set<string>();
    for (let id = containerId; id !== undefined && !seen.has(id); ) {
      if (workspaceNames.has(id)) return id;
      seen.add(id);
      const row = containerRows.get(id);
      if (!row) return undefined;
      if (row.workspaceId !== undefined) return row.workspaceId;
      id = row.containerId;
    }
    return undefined;
  };

  // Workspaces named by rows but missing from the workspaces table still hold what the old tool kept.
  const placeOf = (kind: string, id: string, workspaceId: string | undefined, containerId: string | undefined) => {
    const ws = workspaceId ?? workspaceOf(containerId);
    if (ws === undefined) {
      problems.push(`${kind} ${id}: no workspace_id, and its container ${containerId ?? 'NULL'} leads to no workspace; left out`);
      return undefined;
    }
    if (!workspaceNames.has(ws)) workspaceNames.set(ws, undefined);
    return ws;
  };

  const used = new Set<string>();
  const items = new Map<string, Item[]>();
  const add = (item: Item) => {
    const list = items.get(item.containerId) ?? [];
    list.push(item);
    items.set(item.containerId, list);
  };
  const folderWs = new Map<string, string>();
  for (const c of data.containers) {
    const ws = placeOf('folder', c.id, c.workspaceId, c.containerId);
    if (ws !== undefined) folderWs.set(c.id, ws);
  }
  for (const ws of workspaceNames.keys()) used.add(ws);
  /** The folder an item sits in (null at the root, or when its folder is unknown or in another workspace). */
  const parentOf = (containerId: string | undefined, ws: string): string | null =>
    containerId !== undefined && containerId !== ws && folderWs.get(containerId) === ws ? containerId : null;
  const claim = (kind: string, id: string): boolean => {
    if (used.has(id)) {
      problems.push(`${kind} ${id}: its id is also a workspace's or another item's; left out`);
      return false;
    }
    used.add(id);
    return true;
  };

  for (const c of data.containers) {
    const ws = folderWs.get(c.id);
    if (ws === undefined || !claim('folder', c.id)) continue;
    add({ id: c.id, kind: 'folder', name: c.name ?? `Folder ${c.id}`, parentId: parentOf(c.containerId, ws), containerId: ws });
  }

  const people = new Map<string, Person>();
  for (const u of data.users) {
    const name = u.name?.trim() ? u.name : `Projectplace user ${u.id}`;
    people.set(u.id, u.email?.includes('@') ? { id: u.id, name, email: u.email } : { id: u.id, name });
  }

  const documents = new Map<string, DocumentSource>();
  for (const d of data.documents) {
    const ws = placeOf('document', d.id, d.workspaceId, d.containerId);
    if (ws === undefined || !claim('document', d.id)) continue;
    const item: Item = { id: d.id, kind: 'document', name: d.name ?? `Document ${d.id}`, parentId: parentOf(d.containerId, ws), containerId: ws };
    const modifiedAt = isoOfSeconds(d.modifiedTime);
    if (modifiedAt) item.modifiedAt = modifiedAt;
    if (d.modifiedById !== undefined) item.modifier = people.get(d.modifiedById) ?? { id: d.modifiedById, name: `Projectplace user ${d.modifiedById}` };
    const src: DocumentSource = {};
    if (d.downloaded !== 1) {
      src.error =
        d.downloaded === 0
          ? 'the old tool had not downloaded this version (downloaded = 0 in .data): a file it left may be an older version or cut short'
          : `the old tool's downloaded flag is ${d.downloaded === undefined ? 'NULL' : d.downloaded}, so its file cannot be trusted`;
    } else {
      const found = files.locate(ws, d.id, d.name);
      if (!found.ok) src.error = found.error;
      else {
        src.path = found.path;
        src.size = found.size;
        item.size = found.size;
        if (found.note) problems.push(`document ${d.id}: ${found.note}`);
      }
    }
    const ref = reference?.get(d.id);
    if (ref && modifiedAt !== undefined && ref.modifiedAt === modifiedAt) {
      // The same version the service lists now: the bytes must be those, and the version label is that version's.
      src.expect = {};
      if (ref.size !== undefined) src.expect.size = ref.size;
      if (ref.sha256 !== undefined) src.expect.sha256 = ref.sha256;
      if (!src.error && ref.size !== undefined && src.size !== ref.size) {
        src.error = `its file ${src.path} has ${src.size} bytes, but Projectplace lists ${ref.size} for this same version (truncated or damaged); the next live sync downloads it`;
      }
      if (ref.version !== undefined && !src.error) item.version = ref.version;
    }
    if (src.error) problems.push(`document ${d.id} (${JSON.stringify(item.name)}): ${src.error}`);
    documents.set(d.id, src);
    add(item);
  }

  for (const u of data.urls) {
    const ws = placeOf('link', u.id, u.workspaceId, u.containerId);
    if (ws === undefined || !claim('link', u.id)) continue;
    const item: Item = { id: u.id, kind: 'link', name: u.name ?? `Link ${u.id}`, parentId: parentOf(u.containerId, ws), containerId: ws };
    if (u.url !== undefined) item.url = u.url;
    const modifiedAt = isoOfSeconds(u.modifiedTime);
    if (modifiedAt) item.modifiedAt = modifiedAt;
    add(item);
  }

  const containers: Container[] = [...workspaceNames]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([id, name]) => ({ id, name: name ?? `Workspace ${id}`, archived: false }));
  return { containers, items, documents, problems };
}
