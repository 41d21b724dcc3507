// Reads the old tool's SQLite file (`.data` of pellepim/projectplace_workspace_sync), read-only, into plain rows:
// checks that its schema is that tool's (base tables plus the columns its migrations add) and normalises every value.

import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../../lib/errors.ts';

/** The `.data` file is missing, is not SQLite, or is not the old tool's schema. The message says what to check. */
export class OldSyncDataError extends ConfigError {
  override name = 'OldSyncDataError';
}

/**
 * The old tool's tables and columns (its db.py: DB_INIT, then MIGRATIONS). `required` columns are what an import
 * cannot do without; the others were added by migrations or are optional, and are read when present.
 */
export const oldSyncSchema = {
  workspaces: { required: ['id', 'name'], optional: [] },
  containers: { required: ['id', 'name', 'container_id'], optional: ['workspace_id'] },
  documents: { required: ['id', 'name', 'container_id', 'modified_time', 'workspace_id'], optional: ['downloaded', 'modified_by_id'] },
  urls: { required: ['id', 'name', 'urllink', 'modified_time', 'container_id', 'workspace_id'], optional: [] },
  users: { required: ['id', 'name'], optional: ['email'] },
  changelog: { required: ['id', 'statement'], optional: [] },
} as const;

/** The columns the old tool's MIGRATIONS add (in its order), as "table.column". */
export const oldSyncMigrationColumns = ['containers.workspace_id', 'documents.workspace_id', 'documents.downloaded', 'documents.modified_by_id', 'users.email'] as const;

/** Tables the import needs; the others (urls, users, changelog) may be absent in a file from an early version. */
const requiredTables = ['workspaces', 'containers', 'documents'] as const;

type Table = keyof typeof oldSyncSchema;

export interface OldWorkspace {
  id: string;
  name: string | undefined;
}

export interface OldContainer {
  id: string;
  name: string | undefined;
  /** The enclosing container: a folder id, or the workspace id at the root (the old tool's convention). */
  containerId: string | undefined;
  workspaceId: string | undefined;
}

export interface OldDocument {
  id: string;
  name: string | undefined;
  containerId: string | undefined;
  /** Epoch seconds. */
  modifiedTime: number | undefined;
  workspaceId: string | undefined;
  /** 1: the old tool stored this version; 0: it had not (yet); undefined: NULL or not a number. 1 when the file has no such column. */
  downloaded: number | undefined;
  modifiedById: string | undefined;
}

export interface OldUrl {
  id: string;
  name: string | undefined;
  url: string | undefined;
  modifiedTime: number | undefined;
  containerId: string | undefined;
  workspaceId: string | undefined;
}

export interface OldUser {
  id: string;
  name: string | undefined;
  email: string | undefined;
}

export interface OldSyncData {
  workspaces: OldWorkspace[];
  containers: OldContainer[];
  documents: OldDocument[];
  urls: OldUrl[];
  users: OldUser[];
  /** Which of the migrations' columns the file has ("documents.downloaded", …). */
  migrationColumns: string[];
  /** Does the file have a `downloaded` column (without it, every row counts as stored)? */
  hasDownloaded: boolean;
  /** Rows that cannot be read as the old tool wrote them, with why (they are left out). */
  problems: string[];
}

/** An id as the old tool stored it: a non-negative integer (any SQLite type holding one), as a string. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'bigint') return v >= 0n ? v.toString() : undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  if (typeof v === 'string' && /^\d{1,19}$/.test(v.trim())) return BigInt(v.trim()).toString();
  return undefined;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
}

function secondsOf(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) n = Number(v);
  else return undefined;
  // Between 1970 and 9999: anything else is not a time the service gave.
  if (!Number.isFinite(n) || n < 0 || n > 253_402_300_799) return undefined;
  return Math.floor(n);
}

function intOf(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/**
 * Opens `.data` read-only, checks its schema and reads every row. Throws OldSyncDataError when the file is missing,
 * not SQLite, or not the old tool's schema. The file is closed before this returns.
 */
export function readOldSyncData(file: string): OldSyncData {
  if (!existsSync(file)) {
    throw new OldSyncDataError(`the old sync tool's data file ${file} does not exist: pass the ".data" file from the directory where projectplace_workspace_sync ran`);
  }
  if (!statSync(file).isFile()) throw new OldSyncDataError(`${file} is not a file: pass the old sync tool's ".data" file (not its directory)`);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (e) {
    throw new OldSyncDataError(`could not open ${file} read-only as SQLite: ${(e as Error).message}`, { cause: e });
  }
  try {
    const columns = new Map<Table, Set<string>>();
    try {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: unknown }>;
      for (const t of tables) {
        const name = textOf(t.name);
        if (!name || !(name in oldSyncSchema)) continue;
        const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: unknown }>;
        columns.set(name as Table, new Set(cols.map((c) => textOf(c.name) ?? '')));
      }
    } catch (e) {
      throw new OldSyncDataError(`${file} is not an SQLite database (${(e as Error).message}): pass the old sync tool's ".data" file`, { cause: e });
    }
    const missingTables = requiredTables.filter((t) => !columns.has(t));
    if (missingTables.length > 0) {
      throw new OldSyncDataError(
        `${file} is not a projectplace_workspace_sync data file: it has no table ${missingTables.join(', ')} (expected tables workspaces, containers, documents, urls, users, changelog)`,
      );
    }
    for (const [table, cols] of columns) {
      const missing = oldSyncSchema[table].required.filter((c) => !cols.has(c));
      if (missing.length === 0) continue;
      const hint = missing.includes('workspace_id')
        ? ' (the old tool adds it in a migration on its first run; run `python run.py -s` of that version once, or import a newer .data)'
        : '';
      throw new OldSyncDataError(`${file} does not match the old sync tool's schema: table ${table} has no column ${missing.join(', ')}${hint}`);
    }
    const has = (table: Table, col: string) => columns.get(table)?.has(col) ?? false;
    const migrationColumns = oldSyncMigrationColumns.filter((tc) => {
      const [table, col] = tc.split('.') as [Table, string];
      return has(table, col);
    });
    const rows = (table: Table, cols: string[]): Array<Record<string, unknown>> => {
      if (!columns.has(table)) return [];
      const list = cols.map((c) => (has(table, c) ? `"${c}"` : `NULL AS "${c}"`)).join(', ');
      const stmt = db.prepare(`SELECT ${list} FROM "${table}" ORDER BY rowid`);
      stmt.setReadBigInts(true);
      return stmt.all() as Array<Record<string, unknown>>;
    };
    const problems: string[] = [];
    const withId = <T>(table: string, list: Array<Record<string, unknown>>, make: (id: string, r: Record<string, unknown>) => T): T[] => {
      const out: T[] = [];
      for (const r of list) {
        const id = idOf(r.id);
        if (id === undefined) {
          problems.push(`${table}: a row has an id that is not a non-negative integer (${String(r.id)}); left out`);
          continue;
        }
        out.push(make(id, r));
      }
      return out;
    };
    let data: OldSyncData;
    try {
      data = {
        workspaces: withId('workspaces', rows('workspaces', ['id', 'name']), (id, r) => ({ id, name: textOf(r.name) })),
        containers: withId('containers', rows('containers', ['id', 'name', 'container_id', 'workspace_id']), (id, r) => ({
          id,
          name: textOf(r.name),
          containerId: idOf(r.container_id),
          workspaceId: idOf(r.workspace_id),
        })),
        documents: withId('documents', rows('documents', ['id', 'name', 'container_id', 'modified_time', 'workspace_id', 'downloaded', 'modified_by_id']), (id, r) => ({
          id,
          name: textOf(r.name),
          containerId: idOf(r.container_id),
          modifiedTime: secondsOf(r.modified_time),
          workspaceId: idOf(r.workspace_id),
          downloaded: has('documents', 'downloaded') ? intOf(r.downloaded) : 1,
          modifiedById: idOf(r.modified_by_id),
        })),
        urls: withId('urls', rows('urls', ['id', 'name', 'urllink', 'modified_time', 'container_id', 'workspace_id']), (id, r) => ({
          id,
          name: textOf(r.name),
          url: textOf(r.urllink),
          modifiedTime: secondsOf(r.modified_time),
          containerId: idOf(r.container_id),
          workspaceId: idOf(r.workspace_id),
        })),
        users: withId('users', rows('users', ['id', 'name', 'email']), (id, r) => ({ id, name: textOf(r.name), email: textOf(r.email) })),
        migrationColumns,
        hasDownloaded: has('documents', 'downloaded'),
        problems,
      };
    } catch (e) {
      if (e instanceof OldSyncDataError) throw e;
      throw new OldSyncDataError(`could not read ${file} (${(e as Error).message}): is it damaged, or still being written by the old tool?`, { cause: e });
    }
    return data;
  } finally {
    db.close();
  }
}
