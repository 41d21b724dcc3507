// The import of pellepim/projectplace_workspace_sync's data: its schema (migrations included), the items it lists
// (as the live connector lists the same documents), its errors, and hostile names and files.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createProjectplaceSyncImport,
  OldSyncDataError,
  OldSyncFileError,
  oldSyncMigrationColumns,
  readOldSyncData,
  referenceFromConnector,
  type ProjectplaceSyncImportConnector,
} from '../../src/connectors/projectplace-sync-import/index.ts';
import type { Item } from '../../src/engine/model.ts';
import { sync } from '../../src/engine/sync.ts';
import { isSafeSegment } from '../../src/lib/safe-path.ts';
import { connectorFor, git, gitFiles, manifest, startSim, tempDir, type SimFixture } from '../helpers/env.ts';
import { connectorConformance } from './conformance.ts';
import {
  addGoneDocument,
  MIGRATIONS,
  nullRow,
  oldSyncSpecFromSim,
  spoil,
  writeOldSyncData,
  type OldSyncSpec,
} from '../helpers/projectplace-sync-data.ts';

async function listAll(c: ProjectplaceSyncImportConnector): Promise<Item[]> {
  const out: Item[] = [];
  for (const ws of await c.listContainers()) for await (const i of c.listItems(ws)) out.push(i);
  return out;
}

async function readAll(c: ProjectplaceSyncImportConnector, item: Item): Promise<Buffer> {
  const d = await c.open(item);
  const chunks: Buffer[] = [];
  for await (const chunk of d.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A small hand-made old-tool account: one workspace, a folder, four documents, a link, two users. */
function handSpec(): OldSyncSpec {
  return {
    schema: 'migrated',
    workspaces: [{ id: 100, name: 'Projects' }],
    containers: [{ id: 200, name: 'Specs', containerId: 100, workspaceId: 100 }],
    documents: [
      { id: 300, name: 'Plan.docx', containerId: 200, workspaceId: 100, modifiedTime: 1_546_300_800, modifiedById: 10, downloaded: 1, content: { bytes: Buffer.from('plan v3') }, file: 'ok' },
      { id: 301, name: 'notes', containerId: 100, workspaceId: 100, modifiedTime: 1_546_300_900, modifiedById: 11, downloaded: 1, content: { bytes: Buffer.from('no extension') }, file: 'ok' },
      { id: 302, name: 'Budget.xlsx', containerId: 100, workspaceId: 100, modifiedTime: 1_546_301_000, modifiedById: 99, downloaded: 1, content: { bytes: Buffer.from('budget') }, file: 'ok' },
      { id: 303, name: 'Empty.txt', containerId: 100, workspaceId: 100, modifiedTime: 1_546_301_100, modifiedById: 10, downloaded: 1, content: { bytes: Buffer.alloc(0) }, file: 'ok' },
    ],
    urls: [{ id: 400, name: 'Wiki', url: 'https://wiki.example.org/', modifiedTime: 1_546_301_200, containerId: 200, workspaceId: 100 }],
    users: [
      { id: 10, name: 'Ann Admin', email: 'ann@example.com' },
      { id: 11, name: 'Bo Berg', email: null },
    ],
  };
}

describe('the old tool\'s .data: schema and rows', () => {
  test('the helper writes db.py\'s tables, its five migrations\' columns and changelog; the import reads them all', async () => {
    const dir = await tempDir('wb-oldsync-');
    const files = await writeOldSyncData(dir, handSpec());
    const db = new DatabaseSync(files.dataPath, { readOnly: true });
    const cols = (t: string) => (db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name);
    assert.deepEqual(cols('workspaces'), ['id', 'name']);
    assert.deepEqual(cols('containers'), ['id', 'name', 'container_id', 'workspace_id']);
    assert.deepEqual(cols('documents'), ['id', 'name', 'container_id', 'modified_time', 'workspace_id', 'downloaded', 'modified_by_id']);
    assert.deepEqual(cols('urls'), ['id', 'name', 'urllink', 'modified_time', 'container_id', 'workspace_id']);
    assert.deepEqual(cols('users'), ['id', 'name', 'email']);
    assert.deepEqual(cols('changelog'), ['id', 'statement']);
    const applied = (db.prepare('SELECT statement FROM changelog ORDER BY id').all() as Array<{ statement: string }>).map((r) => r.statement);
    assert.deepEqual(applied, MIGRATIONS);
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
    assert.deepEqual(indexes, ['container_container_id', 'container_workspace_id', 'documents_container_id', 'documents_workspace_id', 'url_container_id', 'url_workspace_id']);
    db.close();

    const data = readOldSyncData(files.dataPath);
    assert.deepEqual(data.migrationColumns, [...oldSyncMigrationColumns]);
    assert.equal(data.documents.length, 4);
    assert.deepEqual(data.documents[0], { id: '300', name: 'Plan.docx', containerId: '200', modifiedTime: 1_546_300_800, workspaceId: '100', downloaded: 1, modifiedById: '10' });
    assert.deepEqual(data.users[1], { id: '11', name: 'Bo Berg', email: undefined });
    assert.deepEqual(data.problems, []);
  });

  test('items: folders, documents and links in their workspace, with modifier, time (ISO UTC) and the local file\'s size and bytes', async () => {
    const dir = await tempDir('wb-oldsync-');
    const files = await writeOldSyncData(dir, handSpec());
    const c = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir });
    assert.equal(c.source, 'projectplace');
    assert.equal(c.displayName, 'Projectplace');
    assert.equal(c.listsWholeAccount, false);
    assert.deepEqual(await c.listContainers(), [{ id: '100', name: 'Projects', archived: false }]);
    const items = await listAll(c);
    const byId = new Map(items.map((i) => [i.id, i]));
    assert.deepEqual(byId.get('200'), { id: '200', kind: 'folder', name: 'Specs', parentId: null, containerId: '100' });
    assert.deepEqual(byId.get('300'), {
      id: '300', kind: 'document', name: 'Plan.docx', parentId: '200', containerId: '100', modifiedAt: '2019-01-01T00:00:00Z',
      modifier: { id: '10', name: 'Ann Admin', email: 'ann@example.com' }, size: 7,
    });
    assert.deepEqual(byId.get('301')!.modifier, { id: '11', name: 'Bo Berg' });
    assert.equal(byId.get('301')!.parentId, null, 'container_id = workspace id is the root');
    // A modifier not in users gets the live connector's stand-in name.
    assert.deepEqual(byId.get('302')!.modifier, { id: '99', name: 'Projectplace user 99' });
    assert.deepEqual(byId.get('400'), { id: '400', kind: 'link', name: 'Wiki', parentId: '200', containerId: '100', url: 'https://wiki.example.org/', modifiedAt: '2019-01-01T00:06:40Z' });
    assert.equal((await readAll(c, byId.get('300')!)).toString(), 'plan v3');
    assert.equal((await readAll(c, byId.get('301')!)).toString(), 'no extension', 'a name without a dot is stored as <id>');
    assert.equal((await readAll(c, byId.get('303')!)).length, 0);
    assert.deepEqual(c.problems, []);
  });

  test('an early .data (first two migrations: no downloaded, modified_by_id, email) is imported; every row counts as stored', async () => {
    const dir = await tempDir('wb-oldsync-');
    const files = await writeOldSyncData(dir, { ...handSpec(), schema: 'early' });
    const data = readOldSyncData(files.dataPath);
    assert.deepEqual(data.migrationColumns, ['containers.workspace_id', 'documents.workspace_id']);
    const c = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir });
    const doc = (await listAll(c)).find((i) => i.id === '300')!;
    assert.equal(doc.modifier, undefined);
    assert.equal((await readAll(c, doc)).toString(), 'plan v3');
  });
});

describe('errors', () => {
  test('a missing .data names the file and what to pass', async () => {
    const dir = await tempDir('wb-oldsync-');
    const c = createProjectplaceSyncImport({ dataPath: join(dir, '.data'), filesDir: join(dir, 'localdata') });
    await assert.rejects(c.listContainers(), (e: Error) => e instanceof OldSyncDataError && e.message.includes(join(dir, '.data')) && /does not exist/.test(e.message));
  });

  test('a file that is not SQLite, SQLite without the tables, and a .data from before the migrations are refused, each saying why', async () => {
    const dir = await tempDir('wb-oldsync-');
    const text = join(dir, 'not-sqlite');
    writeFileSync(text, 'this is not a database, just text that is long enough to have a header '.repeat(20));
    assert.throws(() => readOldSyncData(text), (e: Error) => e instanceof OldSyncDataError && /not an SQLite database|could not open/.test(e.message));

    const other = join(dir, 'other.sqlite');
    const db = new DatabaseSync(other);
    db.exec('CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT)');
    db.close();
    assert.throws(() => readOldSyncData(other), (e: Error) => e instanceof OldSyncDataError && /no table workspaces, containers/.test(e.message));

    const wrongCols = join(dir, 'wrong-cols.sqlite');
    const db2 = new DatabaseSync(wrongCols);
    db2.exec('CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name text); CREATE TABLE containers (id INTEGER PRIMARY KEY, name text, container_id INTEGER);');
    db2.exec('CREATE TABLE documents (id INTEGER PRIMARY KEY, title text, container_id INTEGER, modified_time INTEGER, workspace_id INTEGER)');
    db2.close();
    assert.throws(() => readOldSyncData(wrongCols), (e: Error) => e instanceof OldSyncDataError && /table documents has no column name/.test(e.message));

    const premig = await writeOldSyncData(await tempDir('wb-oldsync-'), { ...handSpec(), schema: 'none' });
    assert.throws(() => readOldSyncData(premig.dataPath), (e: Error) => e instanceof OldSyncDataError && /documents has no column workspace_id/.test(e.message) && /migration/.test(e.message));
  });

  test('the .data is opened read-only: the import never changes it', async () => {
    const dir = await tempDir('wb-oldsync-');
    const files = await writeOldSyncData(dir, handSpec());
    const before = sha(Buffer.from(process.getBuiltinModule('node:fs').readFileSync(files.dataPath)));
    const c = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir });
    for (const i of await listAll(c)) if (i.kind === 'document') await readAll(c, i);
    assert.equal(sha(process.getBuiltinModule('node:fs').readFileSync(files.dataPath)), before);
  });
});

describe('hostile rows and files', () => {
  let fx: SimFixture;
  before(async () => {
    fx = await startSim({ seed: 31, workspaces: 2, documents: 30 });
  });
  after(() => fx.close());

  test('every document is listed as the live connector lists it; with a reference the version is the live one too', async () => {
    const files = await writeOldSyncData(await tempDir('wb-oldsync-'), oldSyncSpecFromSim(fx.sim.state));
    const live = connectorFor(fx.sim);
    const liveItems = new Map<string, Item>();
    for (const ws of await live.listContainers()) for await (const i of live.listItems(ws)) liveItems.set(i.id, i);
    const reference = await referenceFromConnector(live);
    const c = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir, reference });
    const imported = await listAll(c);
    assert.equal(imported.length, liveItems.size);
    for (const i of imported) {
      const l = liveItems.get(i.id)!;
      assert.ok(l, `${i.kind} ${i.id} is listed live`);
      for (const k of ['kind', 'name', 'parentId', 'containerId', 'modifiedAt', 'url'] as const) assert.deepEqual(i[k], l[k], `${k} of ${i.kind} ${i.id}`);
      assert.equal(i.modifier?.id, l.modifier?.id, `modifier of ${i.id}`);
      if (i.kind === 'document' && i.size !== undefined) {
        assert.equal(i.size, l.size, `size of ${i.id}`);
        assert.equal(i.version, l.version, `version of ${i.id}`);
      }
    }
    // "../x" has an extension with "/": the old tool never stored it, and the import says so.
    const unstorable = imported.find((i) => i.name === '../x')!;
    assert.equal(unstorable.size, undefined);
    await assert.rejects(c.open(unstorable), (e: Error) => e instanceof OldSyncFileError && /downloaded = 0/.test(e.message));
  });

  test('missing, truncated, byte-flipped, symlinked and not-yet-downloaded files are refused with a reason; a NULL row is imported with stand-ins', async () => {
    const spec = oldSyncSpecFromSim(fx.sim.state);
    const docs = spec.documents.filter((d) => d.file === 'ok' && d.content && 'sim' in d.content && d.content.sim.size > 10);
    const [missing, truncated, flipped, symlinked, stale, nulled] = docs.map((d) => d.id);
    spoil(spec, missing!, 'missing');
    spoil(spec, truncated!, 'truncated');
    spoil(spec, flipped!, 'flipped');
    spoil(spec, symlinked!, 'symlink');
    spoil(spec, stale!, 'stale');
    nullRow(spec, nulled!);
    const files = await writeOldSyncData(await tempDir('wb-oldsync-'), spec);
    const reference = await referenceFromConnector(connectorFor(fx.sim));
    // The sha256 a reference may carry (the simulator's control API knows it; Projectplace itself does not list one).
    reference.get(String(flipped))!.sha256 = files.content.get(String(flipped))!.sha256;
    const c = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir, reference });
    const items = new Map((await listAll(c)).map((i) => [i.id, i]));
    const opens = async (id: number, pattern: RegExp) =>
      assert.rejects(c.open(items.get(String(id))!), (e: Error) => e instanceof OldSyncFileError && pattern.test(e.message) && e.message.includes(String(id)));
    await opens(missing!, /is missing/);
    await opens(truncated!, /has \d+ bytes, but Projectplace lists \d+ for this same version/);
    await opens(flipped!, /sha256 .* not [0-9a-f]{64}/);
    await opens(symlinked!, /symbolic link/);
    await opens(stale!, /had not downloaded this version/);
    assert.equal(items.get(String(truncated))!.version, undefined, 'a damaged file does not take the live version');
    // NULL name, time, modifier and folder: a stand-in name, no time, at the workspace root; its file found by id.
    const n = items.get(String(nulled))!;
    assert.equal(n.name, `Document ${nulled}`);
    assert.equal(n.modifiedAt, undefined);
    assert.equal(n.modifier, undefined);
    assert.equal(n.parentId, null);
    assert.equal(sha(await readAll(c, n)), files.content.get(String(nulled))!.sha256);
    for (const id of [missing, truncated, symlinked, stale]) assert.ok(c.problems.some((p) => p.includes(`document ${id} `)), `problem reported for ${id}`);
  });

  test('through the engine: hostile workspace and document names ("../") land on safe paths inside Projectplace/; refused files are failures, never wrong bytes', async () => {
    const spec = handSpec();
    spec.workspaces.push({ id: 500, name: '../../etc' });
    spec.containers.push({ id: 501, name: '..', containerId: 500, workspaceId: 500 });
    addGoneDocument(spec, { id: 502, name: '../../outside.txt', workspaceId: 500, containerId: 501, modifiedTime: 1_500_000_000, modifiedById: 10, size: 50 });
    addGoneDocument(spec, { id: 503, name: '..\\..\\win.txt', workspaceId: 500, modifiedTime: 1_500_000_001, modifiedById: 10, size: 60 });
    addGoneDocument(spec, { id: 504, name: 'x./../../y', workspaceId: 500, modifiedTime: 1_500_000_002, modifiedById: 10, size: 70 });
    spec.documents.find((d) => d.id === 504)!.file = 'none';
    spoil(spec, 302, 'symlink');
    const files = await writeOldSyncData(await tempDir('wb-oldsync-'), spec);
    const repo = await tempDir('wb-oldsync-repo-');
    const report = await sync({ connector: createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir }), repoDir: repo, retry: { attempts: 1 } });
    assert.equal(report.complete, false);
    assert.deepEqual(report.failures.map((f) => f.id).sort(), ['302', '504']);
    assert.match(report.failures.find((f) => f.id === '504')!.error, /could not store a file|missing/);
    const m = manifest(repo);
    assert.equal(m.get('302'), undefined, 'the symlinked file is not imported');
    for (const id of ['300', '301', '303', '502', '503']) {
      const e = m.get(id)!;
      assert.ok(e, `document ${id} imported`);
      assert.equal(e.sha256, files.content.get(id)!.sha256, `bytes of ${id}`);
      assert.ok(e.path.startsWith('Projectplace/'), e.path);
    }
    for (const f of gitFiles(repo)) {
      if (f.startsWith('.workspace-backup/') || f === '.gitattributes') continue;
      assert.ok(f.startsWith('Projectplace/'), f);
      for (const seg of f.split('/')) assert.ok(isSafeSegment(seg), `unsafe segment ${JSON.stringify(seg)} in ${f}`);
    }
    assert.ok(!gitFiles(repo).some((f) => f.includes('outside-secret')));
    assert.equal(git(repo, 'log', '-1', '--format=%an|%ae|%at', '--', m.get('300')!.path).trim(), 'Ann Admin|ann@example.com|1546300800');
  });
});

describe('projectplace-sync import conformance', () => {
  beforeEach((t) => {
    if (!('todo' in t)) return;
    if (t.name.startsWith('refused credentials')) t.todo('does not apply: the old tool\'s files are read from disk, with no credentials');
    if (t.name.startsWith('a listing that keeps failing')) t.todo('does not apply as written: .data is read whole in listContainers, and a broken .data fails there (errors, above)');
  });
  connectorConformance('projectplace-sync import (the old tool\'s copy of a simulated account, hostile names)', async () => {
    const fx = await startSim({ seed: 43, workspaces: 2, documents: 30 });
    const spec = oldSyncSpecFromSim(fx.sim.state);
    // Only what the old tool could write to disk is offered (a "../x" never got a file); the rest is refused by open().
    const stored = new Set(spec.documents.filter((d) => d.file === 'ok' && d.downloaded === 1).map((d) => String(d.id)));
    const files = await writeOldSyncData(await tempDir('wb-oldsync-conf-'), spec);
    const connector = createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir });
    const listItems = connector.listItems.bind(connector);
    // The suite opens the documents listed: offer it those the old tool stored (the refused ones are tested above).
    connector.listItems = async function* (c) {
      for await (const i of listItems(c)) if (i.kind !== 'document' || stored.has(i.id)) yield i;
    };
    return {
      connector,
      badCredentials: connector,
      async contentSha256(item) {
        const want = files.content.get(item.id);
        assert.ok(want, `the old tool's true bytes of ${item.id} are known`);
        return want;
      },
      breakListing: async () => {},
      heal: async () => {},
      close: () => fx.close(),
    };
  });
});
