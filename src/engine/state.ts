// The state database (node:sqlite): the run's working copy of the manifest, keyed to the repo commit it matches.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { crashPoint } from '../lib/crash-point.ts';
import { entryFromLine, entryToLine, type Entry } from './entry.ts';

// 2: the matching commit is kept per source (meta repo_head:<source>); a version-1 file is rebuilt once.
const schemaVersion = '2';

const headKey = (source: string) => `repo_head:${source}`;

export class StateDb {
  #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating if needed) the state file. A file that is not a usable database is replaced: state is only a cache. */
  static open(file: string): { state: StateDb; discarded?: string } {
    mkdirSync(dirname(file), { recursive: true });
    try {
      const db = new DatabaseSync(file);
      const state = new StateDb(db);
      state.#init();
      return { state };
    } catch (e) {
      const reason = (e as Error).message;
      const fs = process.getBuiltinModule('node:fs');
      for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
      const db = new DatabaseSync(file);
      const state = new StateDb(db);
      state.#init();
      return { state, discarded: reason };
    }
  }

  #init(): void {
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (
        source TEXT NOT NULL, id TEXT NOT NULL, container TEXT NOT NULL, line TEXT NOT NULL,
        PRIMARY KEY (source, id)
      );
      CREATE INDEX IF NOT EXISTS entries_container ON entries (source, container);
    `);
    // Fails loudly on a corrupt file, so open() can replace it.
    this.#db.prepare('SELECT count(*) AS n FROM entries').get();
    const v = this.getMeta('schema');
    if (v !== undefined && v !== schemaVersion) {
      this.#db.exec('DELETE FROM entries; DELETE FROM meta;');
    }
    this.setMeta('schema', schemaVersion);
  }

  getMeta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * The backup repo commit this source's entries describe, or undefined (new state, or rebuilt but uncommitted).
   * Kept per source: several sources share one repo, and each one's run moves the branch.
   */
  headOf(source: string): string | undefined {
    return this.getMeta(headKey(source));
  }

  entries(source: string): Entry[] {
    const rows = this.#db.prepare('SELECT line FROM entries WHERE source = ?').all(source) as Array<{ line: string }>;
    return rows.map((r, i) => entryFromLine(r.line, source, `state entry ${i}`));
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  }

  /** Replaces one source's entries with these and records the commit they match, in one transaction. */
  replaceAll(source: string, entries: Iterable<Entry>, repoHead: string | undefined): void {
    this.#transaction(() => {
      this.#db.prepare('DELETE FROM entries WHERE source = ?').run(source);
      crashPoint('state.rebuild.deleted');
      this.#insert(entries);
      this.#setHead(source, repoHead);
    });
    crashPoint('state.rebuild.committed');
  }

  /**
   * Writes one source's changed entries and records the run's new commit, in one transaction. The run changed only
   * this source's files and manifests, so another source whose entries matched the run's starting commit matches
   * its new one too (and is not rebuilt next time).
   */
  apply(source: string, changed: Iterable<Entry>, fromHead: string | undefined, repoHead: string | undefined): void {
    this.#transaction(() => {
      this.#insert(changed);
      if (fromHead && repoHead && fromHead !== repoHead) {
        this.#db.prepare("UPDATE meta SET value = ? WHERE key LIKE 'repo_head:%' AND key <> ? AND value = ?").run(repoHead, headKey(source), fromHead);
      }
      this.#setHead(source, repoHead);
      crashPoint('state.apply.before-commit');
    });
    crashPoint('state.apply.committed');
  }

  #setHead(source: string, head: string | undefined): void {
    if (head) this.setMeta(headKey(source), head);
    else this.#db.prepare('DELETE FROM meta WHERE key = ?').run(headKey(source));
  }

  #insert(entries: Iterable<Entry>): void {
    const stmt = this.#db.prepare(
      'INSERT INTO entries (source, id, container, line) VALUES (?, ?, ?, ?) ON CONFLICT(source, id) DO UPDATE SET container = excluded.container, line = excluded.line',
    );
    for (const e of entries) stmt.run(e.source, e.id, e.container, entryToLine(e));
  }

  #transaction(fn: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.#db.exec('COMMIT');
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    this.#db.close();
  }
}
