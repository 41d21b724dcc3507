// Where the render's shards come from (model.ts Shard: a workspace, or a whole source whose items refer to each other):
// a SiteInput held in memory, or a scratch SQLite file the repo's data is loaded into (loadSiteStore, load.ts), from
// which one shard at a time is read. The render holds one shard's entries and history at a time, never the whole site's.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Entry } from '../entry.ts';
import { sharedIdsOf, type Shard } from './model.ts';
import { nodeSources } from './relations.ts';
import type { NodeRefs, SiteInput, SiteLinks, SiteVersion } from './types.ts';

export interface ShardSource {
  title: string;
  /** The coverage reports, oldest first. */
  runs: Array<Record<string, unknown>>;
  /** ISO. */
  generatedAt: string;
  links: SiteLinks;
  /** Sources with entries. */
  sources: string[];
  /** Ids that more than one source uses. */
  sharedIds: string[];
  /** About how many pages the shards make (their workspaces, folders and documents): for choosing threads. */
  pageCount: number;
  /** The shards, in the order they are rendered. */
  keys(): string[];
  /** One shard as JSON (shardFromJson reads it): what a render worker is sent. */
  json(key: string): string;
}

/** A shard's key: its source, and its container unless the source's items refer to each other across containers. */
export function shardKey(e: { source: string; container: string }): string {
  return nodeSources.has(e.source) ? `${e.source}\0` : `${e.source}\0${e.container}`;
}

export function shardToJson(shard: Shard): string {
  return JSON.stringify({ entries: shard.entries, history: [...shard.history], ...(shard.refs ? { refs: [...shard.refs] } : {}) });
}

/** A shard from JSON: entries as Entry objects, or as manifest lines (no source, parent maybe absent) with `source`. */
export function shardFromJson(json: string): Shard {
  const v = JSON.parse(json) as { source?: string; entries: Array<Omit<Entry, 'source' | 'parent'> & { source?: string; parent?: string | null }>; history: Array<[string, SiteVersion[]]>; refs?: Array<[string, NodeRefs]> };
  const entries = v.entries.map((e): Entry => ({ ...e, parent: e.parent ?? null, source: e.source ?? v.source ?? '' }));
  return { entries, history: new Map(v.history), ...(v.refs ? { refs: new Map(v.refs) } : {}) };
}

const pageKinds = new Set(['workspace', 'folder', 'document']);

/** The shards of a SiteInput held in memory (tests, small sites). */
export function memoryShards(input: SiteInput): ShardSource {
  const groups = new Map<string, Entry[]>();
  for (const e of input.entries) {
    const key = shardKey(e);
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  return {
    title: input.title,
    runs: input.runs,
    generatedAt: input.generatedAt,
    links: input.links,
    sources: [...new Set(input.entries.map((e) => e.source))],
    sharedIds: sharedIdsOf(input.entries),
    pageCount: input.entries.filter((e) => pageKinds.has(e.kind)).length,
    keys: () => [...groups.keys()].sort(),
    json: (key) => {
      const entries = groups.get(key) ?? [];
      const history = new Map<string, SiteVersion[]>();
      for (const e of entries) {
        const v = e.kind === 'document' ? input.history.get(e.id) : undefined;
        if (v) history.set(e.id, v);
      }
      let refs: Map<string, NodeRefs> | undefined;
      if (input.refs) {
        refs = new Map();
        for (const e of entries) {
          const r = input.refs.get(e.id);
          if (r) refs.set(e.id, r);
        }
      }
      return shardToJson({ entries, history, ...(refs ? { refs } : {}) });
    },
  };
}

/**
 * The site's data in a scratch SQLite file: entries as the manifest has them, each document's versions as JSON, and
 * node references (damas). Written once while the repo is read, then read one shard at a time. close() deletes it.
 */
export class SiteStore implements ShardSource {
  title = '';
  runs: Array<Record<string, unknown>> = [];
  generatedAt = '';
  links: SiteLinks;
  sources: string[] = [];
  sharedIds: string[] = [];
  pageCount = 0;
  #dir: string;
  #db: DatabaseSync;
  #insertEntry: StatementSync;
  #insertVersions: StatementSync;
  #insertRefs: StatementSync;
  #inTransaction = false;
  #entriesOf: StatementSync | undefined;
  #versionsOf: StatementSync | undefined;
  #refsOf: StatementSync | undefined;

  constructor(links: SiteLinks) {
    this.links = links;
    this.#dir = mkdtempSync(join(tmpdir(), 'workspace-backup-site-'));
    this.#db = new DatabaseSync(join(this.#dir, 'site.db'));
    // Scratch data, rebuilt by every render: no journal, no waiting for the disk, a small page cache.
    this.#db.exec(`PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000; PRAGMA temp_store=FILE;
      CREATE TABLE entries (shard TEXT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL);
      CREATE TABLE versions (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE refs (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;`);
    this.#insertEntry = this.#db.prepare('INSERT INTO entries (shard, source, id, kind, json) VALUES (?, ?, ?, ?, ?)');
    this.#insertVersions = this.#db.prepare('INSERT OR REPLACE INTO versions (id, json) VALUES (?, ?)');
    this.#insertRefs = this.#db.prepare('INSERT OR REPLACE INTO refs (id, json) VALUES (?, ?)');
  }

  /** An entry, and the manifest line it was read from (stored as it is: a shard's entries share its source). */
  addEntry(e: Entry, line: string): void {
    this.#begin();
    this.#insertEntry.run(shardKey(e), e.source, e.id, e.kind, line);
  }

  addVersions(id: string, versions: SiteVersion[]): void {
    this.#begin();
    this.#insertVersions.run(id, JSON.stringify(versions));
  }

  addRefs(id: string, refs: NodeRefs): void {
    this.#begin();
    this.#insertRefs.run(id, JSON.stringify(refs));
  }

  /** Ends the writing: indexes the entries by shard and works out what the whole site needs (sources, shared ids). */
  seal(): void {
    if (this.#inTransaction) this.#db.exec('COMMIT');
    this.#inTransaction = false;
    this.#db.exec('CREATE INDEX entries_shard ON entries (shard)');
    this.sources = this.#db.prepare('SELECT DISTINCT source FROM entries').all().map((r) => String(r.source));
    this.sharedIds = this.#db.prepare('SELECT id FROM entries GROUP BY id HAVING COUNT(DISTINCT source) > 1').all().map((r) => String(r.id));
    this.pageCount = Number(this.#db.prepare(`SELECT COUNT(*) AS n FROM entries WHERE kind IN ('workspace', 'folder', 'document')`).get()?.n ?? 0);
    this.#entriesOf = this.#db.prepare('SELECT json FROM entries WHERE shard = ? ORDER BY rowid');
    this.#versionsOf = this.#db.prepare(`SELECT DISTINCT v.id, v.json FROM entries e JOIN versions v ON v.id = e.id WHERE e.shard = ? AND e.kind = 'document'`);
    this.#refsOf = this.#db.prepare('SELECT DISTINCT r.id, r.json FROM entries e JOIN refs r ON r.id = e.id WHERE e.shard = ?');
    // Rows as arrays: no object per row.
    for (const st of [this.#entriesOf, this.#versionsOf, this.#refsOf]) st.setReturnArrays(true);
  }

  keys(): string[] {
    return this.#db.prepare('SELECT DISTINCT shard FROM entries ORDER BY shard').all().map((r) => String(r.shard));
  }

  json(key: string): string {
    const entries: string[] = [];
    const history: string[] = [];
    const refs: string[] = [];
    // Strings as stored, joined: the worker parses the shard once.
    if (!this.#entriesOf || !this.#versionsOf || !this.#refsOf) throw new Error('SiteStore.json before seal()');
    for (const [json] of this.#entriesOf.all(key) as unknown as Array<[string]>) entries.push(json);
    for (const [id, json] of this.#versionsOf.all(key) as unknown as Array<[string, string]>) history.push(`[${JSON.stringify(id)},${json}]`);
    for (const [id, json] of this.#refsOf.all(key) as unknown as Array<[string, string]>) refs.push(`[${JSON.stringify(id)},${json}]`);
    return `{"source":${JSON.stringify(key.slice(0, key.indexOf('\0')))},"entries":[${entries.join(',')}],"history":[${history.join(',')}]${refs.length > 0 ? `,"refs":[${refs.join(',')}]` : ''}}`;
  }

  close(): void {
    try {
      this.#db.close();
    } catch {
      // already closed
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #begin(): void {
    if (this.#inTransaction) return;
    this.#db.exec('BEGIN');
    this.#inTransaction = true;
  }
}
