// Builds what pellepim/projectplace_workspace_sync leaves behind: its SQLite file `.data` (its db.py schema, migrations
// and changelog included) and `localdata/<workspace_id>/<document_id>.<ext>`, from a simulator account or by hand,
// with the hostile cases an import must survive. Deterministic: the same spec writes the same bytes.

import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { versionStream, type SimState } from '../../src/sim/projectplace/index.ts';

/** db.py DB_INIT: the tables (its CREATE INDEX statements are run after the migrations, see writeOldSyncData). */
export const DB_INIT_TABLES = [
  '\n    CREATE TABLE IF NOT EXISTS [workspaces] (\n        [id] INTEGER PRIMARY KEY,\n        [name] text\n    );\n    ',
  '\n    CREATE TABLE IF NOT EXISTS [containers] (\n        [id] INTEGER PRIMARY KEY,\n        [name] text,\n        [container_id] INTEGER\n    );\n    ',
  '\n    CREATE TABLE IF NOT EXISTS [documents] (\n        [id] INTEGER PRIMARY KEY,\n        [name] text,\n        [container_id] INTEGER,\n        [modified_time] INTEGER\n    );\n    ',
  '\n    CREATE TABLE IF NOT EXISTS [changelog] (\n      [id] INTEGER PRIMARY KEY,\n      [statement] text\n    );\n    ',
  '\n    CREATE TABLE IF NOT EXISTS [urls] (\n      [id] INTEGER PRIMARY KEY,\n      [name] text,\n      [urllink] text,\n      [modified_time] INTEGER,\n      [container_id] INTEGER,\n      [workspace_id] INTEGER\n    );\n    ',
  '\n    CREATE TABLE IF NOT EXISTS [users] (\n      [id] INTEGER PRIMARY KEY,\n      [name] text\n    );\n    ',
];

/** db.py DB_INIT: the indexes (on columns the first two migrations add). */
export const DB_INIT_INDEXES = [
  '\n    CREATE INDEX IF NOT EXISTS documents_workspace_id ON documents(workspace_id) \n    ',
  '\n    CREATE INDEX IF NOT EXISTS documents_container_id ON documents(container_id) \n    ',
  '\n    CREATE INDEX IF NOT EXISTS container_workspace_id ON containers(workspace_id)\n    ',
  '\n    CREATE INDEX IF NOT EXISTS container_container_id ON containers(container_id)\n    ',
  '\n    CREATE INDEX IF NOT EXISTS url_workspace_id ON urls(workspace_id)\n    ',
  '\n    CREATE INDEX IF NOT EXISTS url_container_id ON urls(container_id)\n    ',
];

/** db.py MIGRATIONS, in order; each applied one is recorded in changelog by its full text. */
export const MIGRATIONS = [
  '\n    ALTER TABLE [containers] ADD COLUMN [workspace_id] INTEGER;\n    ',
  '\n    ALTER TABLE [documents] ADD COLUMN [workspace_id] INTEGER;\n    ',
  '\n    ALTER TABLE [documents] ADD COLUMN [downloaded] BIT DEFAULT 0;\n    ',
  '\n    ALTER TABLE [documents] ADD COLUMN [modified_by_id] INTEGER;\n    ',
  '\n    ALTER TABLE [users] ADD COLUMN [email] TEXT;\n    ',
];

/** Where a document's bytes come from: a simulator version (the bytes the simulator serves), or fixed bytes. */
export type OldContent = { sim: { seed: number; id: number; verNr: number; size: number } } | { bytes: Buffer };

/**
 * What happened to a document's local file. `ok`: the bytes, as stored. `none`: no file (with downloaded = 0, what
 * the old tool leaves when it could not write one). `missing`: downloaded = 1 but the file is gone. `truncated`: the
 * first half only. `flipped`: same size, one byte changed. `symlink`: a symbolic link to a file outside. `stale`:
 * downloaded = 0 and an older version's bytes in the file (a modification the old tool had not fetched yet).
 */
export type OldFileState = 'ok' | 'none' | 'missing' | 'truncated' | 'flipped' | 'symlink' | 'stale';

export interface OldDocumentSpec {
  id: number;
  name: string | null;
  /** The enclosing folder's id, or the workspace id at the root (the old tool's convention). */
  containerId: number | null;
  workspaceId: number | null;
  /** Epoch seconds. */
  modifiedTime: number | null;
  modifiedById: number | null;
  /** 1 stored, 0 pending; null for a hostile NULL. */
  downloaded: 0 | 1 | null;
  content: OldContent;
  file: OldFileState;
  /** The local file's name when it is not what the row's name gives (a row whose name became NULL). */
  fileName?: string;
}

export interface OldSyncSpec {
  /** `migrated`: every migration (the newest tool). `early`: only the first two (no downloaded, modified_by_id, email). `none`: no migration at all. */
  schema: 'migrated' | 'early' | 'none';
  workspaces: Array<{ id: number; name: string | null }>;
  containers: Array<{ id: number; name: string | null; containerId: number | null; workspaceId: number | null }>;
  documents: OldDocumentSpec[];
  urls: Array<{ id: number; name: string | null; url: string | null; modifiedTime: number | null; containerId: number | null; workspaceId: number | null }>;
  users: Array<{ id: number; name: string | null; email: string | null }>;
}

export interface OldSyncFiles {
  dir: string;
  /** <dir>/.data */
  dataPath: string;
  /** <dir>/localdata */
  filesDir: string;
  /** Document id → the sha256 and size of its true bytes (what a correct import commits). */
  content: Map<string, { sha256: string; size: number }>;
}

/** The file name the old tool gives a document (models/document.py local_filename). */
export function oldFileName(id: number, name: string | null): string {
  if (name === null || !name.includes('.')) return String(id);
  return `${id}.${name.split('.').pop()}`;
}

/** Could the old tool write that file? An extension holding "/" (a name like "../x") made its open() fail. */
export function oldToolCouldStore(id: number, name: string | null): boolean {
  return !oldFileName(id, name).includes('/');
}

/**
 * The old tool's view of a simulator account, as if it synced and downloaded everything now (tests then change the
 * simulator: "a year later"). Every workspace is included (an archived one was active when the old tool ran); users
 * who left too. Documents whose names the old tool could not store as files are rows with downloaded = 0, as it left them.
 */
export function oldSyncSpecFromSim(state: SimState): OldSyncSpec {
  const spec: OldSyncSpec = { schema: 'migrated', workspaces: [], containers: [], documents: [], urls: [], users: [] };
  for (const w of [...state.workspaces.values()].sort((a, b) => a.id - b.id)) spec.workspaces.push({ id: w.id, name: w.name });
  for (const u of [...state.users.values()].sort((a, b) => a.id - b.id)) spec.users.push({ id: u.id, name: u.name, email: u.email });
  for (const item of [...state.items.values()].sort((a, b) => a.id - b.id)) {
    const containerId = item.parentId ?? item.workspaceId;
    if (item.kind === 'folder') spec.containers.push({ id: item.id, name: item.name, containerId, workspaceId: item.workspaceId });
    else if (item.kind === 'link') {
      spec.urls.push({ id: item.id, name: item.name, url: item.url ?? '', modifiedTime: item.modifiedTime, containerId, workspaceId: item.workspaceId });
    } else {
      const v = item.versions[item.versions.length - 1]!;
      const storable = oldToolCouldStore(item.id, item.name);
      spec.documents.push({
        id: item.id,
        name: item.name,
        containerId,
        workspaceId: item.workspaceId,
        modifiedTime: item.modifiedTime,
        modifiedById: item.lastModifier,
        downloaded: storable ? 1 : 0,
        content: { sim: { seed: state.seed, id: item.id, verNr: v.verNr, size: v.size } },
        file: storable ? 'ok' : 'none',
      });
    }
  }
  return spec;
}

/** Deterministic bytes for a document the simulator does not have. */
export function fixedBytes(id: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = Buffer.alloc(0);
  for (let off = 0, n = 0; off < size; off += 32, n++) {
    block = createHash('sha256').update(`old-sync|${id}|${n}`).digest();
    block.copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

/** Adds a document the old tool kept that the service no longer has (deleted since). Returns its spec. */
export function addGoneDocument(
  spec: OldSyncSpec,
  d: { id: number; name: string; workspaceId: number; containerId?: number; modifiedTime: number; modifiedById: number; size: number },
): OldDocumentSpec {
  const doc: OldDocumentSpec = {
    id: d.id,
    name: d.name,
    containerId: d.containerId ?? d.workspaceId,
    workspaceId: d.workspaceId,
    modifiedTime: d.modifiedTime,
    modifiedById: d.modifiedById,
    downloaded: 1,
    content: { bytes: fixedBytes(d.id, d.size) },
    file: 'ok',
  };
  spec.documents.push(doc);
  return doc;
}

/**
 * Adds a workspace the service no longer has (terminated), with a folder and `documents` documents in it (ids from
 * `firstId` on, the folder first). Returns the document ids.
 */
export function addTerminatedWorkspace(spec: OldSyncSpec, w: { id: number; name: string; firstId: number; documents: number; modifiedById: number }): number[] {
  spec.workspaces.push({ id: w.id, name: w.name });
  const folder = w.firstId;
  spec.containers.push({ id: folder, name: 'Closed project files', containerId: w.id, workspaceId: w.id });
  const ids: number[] = [];
  for (let i = 0; i < w.documents; i++) {
    const id = w.firstId + 1 + i;
    addGoneDocument(spec, {
      id,
      name: `Final report ${i + 1}.${['docx', 'pdf', 'xlsx'][i % 3]}`,
      workspaceId: w.id,
      containerId: i % 2 === 0 ? folder : w.id,
      modifiedTime: 1_600_000_000 + i * 86_400,
      modifiedById: w.modifiedById,
      size: 100 + i * 37,
    });
    ids.push(id);
  }
  return ids;
}

/** Sets a document's local file state (and what the old tool's downloaded flag says about it). */
export function spoil(spec: OldSyncSpec, id: number, state: OldFileState): OldDocumentSpec {
  const doc = spec.documents.find((d) => d.id === id);
  if (!doc) throw new Error(`no document ${id} in the spec`);
  doc.file = state;
  doc.downloaded = state === 'none' || state === 'stale' ? 0 : 1;
  return doc;
}

/** Makes a row hostile: name, modified_time, modified_by_id and container_id NULL (workspace_id kept, so its file is found). */
export function nullRow(spec: OldSyncSpec, id: number): OldDocumentSpec {
  const doc = spec.documents.find((d) => d.id === id);
  if (!doc) throw new Error(`no document ${id} in the spec`);
  doc.fileName = oldFileName(doc.id, doc.name);
  doc.name = null;
  doc.modifiedTime = null;
  doc.modifiedById = null;
  doc.containerId = null;
  return doc;
}

async function bytesOf(content: OldContent): Promise<Buffer> {
  if ('bytes' in content) return content.bytes;
  const { seed, id, verNr, size } = content.sim;
  const chunks: Buffer[] = [];
  for await (const chunk of versionStream(seed, id, verNr, size)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `<dir>/.data` and `<dir>/localdata/…` as the old tool would have left them for this spec. */
export async function writeOldSyncData(dir: string, spec: OldSyncSpec): Promise<OldSyncFiles> {
  const dataPath = join(dir, '.data');
  const filesDir = join(dir, 'localdata');
  mkdirSync(filesDir, { recursive: true });
  const db = new DatabaseSync(dataPath);
  const migrations = spec.schema === 'migrated' ? MIGRATIONS : spec.schema === 'early' ? MIGRATIONS.slice(0, 2) : [];
  const content = new Map<string, { sha256: string; size: number }>();
  try {
    // As db.py verify_db: tables, then each migration not yet in changelog, recorded there by its full text.
    for (const s of DB_INIT_TABLES) db.exec(s);
    for (const m of migrations) {
      db.exec(m);
      db.prepare('INSERT INTO changelog (statement) VALUES (?)').run(m);
    }
    if (migrations.length >= 2) for (const s of DB_INIT_INDEXES) db.exec(s);
    const hasWs = migrations.length >= 2;
    const hasAll = migrations.length === MIGRATIONS.length;
    db.exec('BEGIN');
    for (const w of spec.workspaces) db.prepare('INSERT INTO workspaces (id, name) VALUES (?, ?)').run(w.id, w.name);
    for (const c of spec.containers) {
      if (hasWs) db.prepare('INSERT INTO containers (id, name, container_id, workspace_id) VALUES (?, ?, ?, ?)').run(c.id, c.name, c.containerId, c.workspaceId);
      else db.prepare('INSERT INTO containers (id, name, container_id) VALUES (?, ?, ?)').run(c.id, c.name, c.containerId);
    }
    for (const d of spec.documents) {
      if (hasAll) {
        db.prepare('INSERT INTO documents (id, name, container_id, modified_time, workspace_id, modified_by_id) VALUES (?, ?, ?, ?, ?, ?)').run(
          d.id, d.name, d.containerId, d.modifiedTime, d.workspaceId, d.modifiedById,
        );
        db.prepare('UPDATE documents SET downloaded = ? WHERE id = ?').run(d.downloaded, d.id);
      } else if (hasWs) {
        db.prepare('INSERT INTO documents (id, name, container_id, modified_time, workspace_id) VALUES (?, ?, ?, ?, ?)').run(d.id, d.name, d.containerId, d.modifiedTime, d.workspaceId);
      } else {
        db.prepare('INSERT INTO documents (id, name, container_id, modified_time) VALUES (?, ?, ?, ?)').run(d.id, d.name, d.containerId, d.modifiedTime);
      }
    }
    for (const u of spec.urls) {
      db.prepare('INSERT INTO urls (id, name, urllink, modified_time, container_id, workspace_id) VALUES (?, ?, ?, ?, ?, ?)').run(
        u.id, u.name, u.url, u.modifiedTime, u.containerId, u.workspaceId,
      );
    }
    for (const u of spec.users) {
      if (hasAll) db.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)').run(u.id, u.name, u.email);
      else db.prepare('INSERT INTO users (id, name) VALUES (?, ?)').run(u.id, u.name);
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }

  const outside = join(dir, 'outside-secret.txt');
  writeFileSync(outside, 'not a document of the backup\n');
  for (const d of spec.documents) {
    const bytes = await bytesOf(d.content);
    content.set(String(d.id), { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    if (d.file === 'none' || d.file === 'missing' || d.workspaceId === null) continue;
    const wsDir = join(filesDir, String(d.workspaceId));
    mkdirSync(wsDir, { recursive: true });
    // A NULL name in the row: the file keeps the name the old tool gave it when the row had one.
    const fileName = d.fileName ?? oldFileName(d.id, d.name);
    if (fileName.includes('/')) throw new Error(`document ${d.id}: the old tool could not have stored ${JSON.stringify(d.name)}; use file: 'none'`);
    const path = join(wsDir, fileName);
    switch (d.file) {
      case 'ok':
        writeFileSync(path, bytes);
        break;
      case 'truncated':
        writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
        break;
      case 'flipped': {
        const copy = Buffer.from(bytes);
        if (copy.length > 0) copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff;
        writeFileSync(path, copy);
        break;
      }
      case 'symlink':
        symlinkSync(outside, path);
        break;
      case 'stale':
        writeFileSync(path, fixedBytes(d.id + 7, Math.max(1, bytes.length - 3)));
        break;
    }
  }
  return { dir, dataPath, filesDir, content };
}
