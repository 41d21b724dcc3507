// Issue 9: a team that ran pellepim/projectplace_workspace_sync a year ago imports what it kept, then switches to
// live backups. The simulator plays the account; the old tool's data is built from it, then the account moves on.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProjectplaceSyncImport, referenceFromConnector, type ImportReference } from '../../src/connectors/projectplace-sync-import/index.ts';
import { sync, type SyncReport } from '../../src/engine/sync.ts';
import { verifyBackup } from '../../src/engine/verify.ts';
import { isSafeSegment } from '../../src/lib/safe-path.ts';
import type { SimOptions } from '../../src/sim/projectplace/index.ts';
import { blobSha256, commitCount, connectorFor, git, gitFiles, manifest, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';
import { addGoneDocument, addTerminatedWorkspace, oldSyncSpecFromSim, spoil, writeOldSyncData, type OldSyncFiles, type OldSyncSpec } from '../helpers/projectplace-sync-data.ts';

const fastRetry = { baseDelayMs: 20, maxDelayMs: 200, attempts: 3 };

interface Scenario {
  fx: SimFixture;
  repo: string;
  spec: OldSyncSpec;
  files: OldSyncFiles;
  /** Documents whose old bytes are good: the import commits them, and no live sync may download them again. */
  kept: string[];
  /** Documents the import refuses (damaged or never stored by the old tool). */
  refused: string[];
  /** Deleted in the account since the old tool ran (simulator deletions and rows the simulator never had). */
  deleted: string[];
  terminated: { workspaceId: string; documents: string[] };
  edited: string;
  renamed: string;
}

/** The old tool synced this account; then documents were deleted, one edited, one renamed, two added. */
async function scenario(sim: SimOptions): Promise<Scenario> {
  const fx = await startSim({ seed: 41, workspaces: 3, documents: 36, ...sim });
  const state = fx.sim.state;
  const spec = oldSyncSpecFromSim(state);
  const firstWs = [...state.workspaces.keys()].sort((a, b) => a - b)[0]!;
  const someUser = [...state.users.keys()][2]!;
  // Documents the old tool kept that Projectplace deleted long ago (the simulator never had them).
  addGoneDocument(spec, { id: 9_100_001, name: 'Old budget.xlsx', workspaceId: firstWs, modifiedTime: 1_530_000_000, modifiedById: someUser, size: 2_000 });
  addGoneDocument(spec, { id: 9_100_002, name: 'Minutes 2018.docx', workspaceId: firstWs, modifiedTime: 1_531_000_000, modifiedById: someUser, size: 3_000 });
  const terminatedDocs = addTerminatedWorkspace(spec, { id: 9_200_000, name: 'Closed: "Project X"', firstId: 9_200_001, documents: 3, modifiedById: someUser });
  const ordinary = spec.documents.filter((d) => d.file === 'ok' && 'sim' in d.content && d.name !== null && /^[A-Z][a-z]+ [a-z]+ \d+\.\w+$/.test(d.name));
  const [truncated, stale, toDelete1, toDelete2, toEdit, toRename] = ordinary.map((d) => d.id);
  spoil(spec, truncated!, 'truncated');
  spoil(spec, stale!, 'stale');
  const files = await writeOldSyncData(await tempDir('wb-oldsync-e2e-'), spec);

  // A year later.
  await fx.control.mutate({ op: 'delete', id: toDelete1! });
  await fx.control.mutate({ op: 'delete', id: toDelete2! });
  await fx.control.mutate({ op: 'edit', id: toEdit!, at: 1_760_000_000, size: 5_000 });
  await fx.control.mutate({ op: 'rename', id: toRename!, name: 'Renamed since the old tool.txt' });
  await fx.control.mutate({ op: 'add', workspaceId: firstWs, parentId: null, kind: 'document', name: 'New this year.docx', size: 4_096, at: 1_761_000_000 });
  await fx.control.mutate({ op: 'add', workspaceId: firstWs, parentId: null, kind: 'document', name: 'Also new.pdf', size: 1_234, at: 1_761_000_100 });

  const refused = spec.documents.filter((d) => d.file !== 'ok' || d.downloaded !== 1).map((d) => String(d.id));
  const kept = spec.documents.filter((d) => d.file === 'ok' && d.downloaded === 1).map((d) => String(d.id));
  return {
    fx,
    repo: await tempDir('wb-oldsync-repo-'),
    spec,
    files,
    kept,
    refused,
    deleted: ['9100001', '9100002', String(toDelete1), String(toDelete2)],
    terminated: { workspaceId: '9200000', documents: terminatedDocs.map(String) },
    edited: String(toEdit),
    renamed: String(toRename),
  };
}

async function importOld(s: Scenario, reference?: ImportReference): Promise<SyncReport> {
  const connector = createProjectplaceSyncImport({ dataPath: s.files.dataPath, filesDir: s.files.filesDir, ...(reference ? { reference } : {}) });
  return sync({ connector, repoDir: s.repo, retry: fastRetry });
}

/** Ids of the documents the simulator served since its request log was cleared. */
async function downloadedIds(fx: SimFixture): Promise<string[]> {
  const reqs = await fx.control.requests();
  return reqs.filter((r) => r.method === 'GET' && /^\/1\/documents\/\d+$/.test(r.path) && r.status === 200).map((r) => r.path.split('/').pop()!);
}

describe('import of the old sync tool, then live backups (the account lists ver_nr; the import takes a live reference)', () => {
  let s: Scenario;
  let imported: SyncReport;
  before(async () => {
    s = await scenario({});
    const reference = await referenceFromConnector(connectorFor(s.fx.sim));
    imported = await importOld(s, reference);
  });
  after(() => s.fx.close());

  test('every document the old tool kept is in the repo under a readable path, authored by its modifier at its time', async () => {
    const m = manifest(s.repo);
    const refusedNow = imported.failures.map((f) => f.id).sort();
    // Refused: the truncated file (the live size disagrees), the stale one (downloaded = 0), names the old tool could not store.
    assert.deepEqual(refusedNow, [...s.refused].sort());
    assert.equal(imported.complete, false);
    assert.equal(imported.documentsDownloaded, s.kept.length, 'every kept file read once');
    for (const id of s.kept) {
      const e = m.get(id);
      assert.ok(e, `document ${id} imported`);
      assert.equal(e.sha256, s.files.content.get(id)!.sha256, `bytes of ${id}`);
      assert.equal(blobSha256(s.repo, e.path), s.files.content.get(id)!.sha256);
      const row = s.spec.documents.find((d) => String(d.id) === id)!;
      const user = s.spec.users.find((u) => u.id === row.modifiedById)!;
      assert.equal(git(s.repo, 'log', '-1', '--format=%an|%ae|%at', '--', e.path).trim(), `${user.name}|${user.email}|${row.modifiedTime}`, `author of ${e.path}`);
      assert.ok(e.path.startsWith('Projectplace/'), e.path);
      for (const seg of e.path.split('/')) assert.ok(isSafeSegment(seg), `unsafe ${JSON.stringify(seg)} in ${e.path}`);
    }
    for (const id of s.refused) assert.equal(m.get(id), undefined, `refused document ${id} has no entry (no wrong bytes)`);
    // Readable: the workspace's and the folder's names, and the document's own name.
    assert.match(m.get(s.terminated.documents[0]!)!.path, /^Projectplace\/[^/]*Project X[^/]*\/Closed project files\/Final report 1\.docx$/);
    assert.equal(imported.counts.deleted, 0, 'an import never deletes');
  });

  test('importing again makes no commit and reads no file', async () => {
    const commits = commitCount(s.repo);
    const again = await importOld(s, await referenceFromConnector(connectorFor(s.fx.sim)));
    assert.equal(again.commits, 0);
    assert.equal(commitCount(s.repo), commits);
    assert.equal(again.documentsDownloaded, 0);
    assert.equal(again.counts.new, s.refused.length, 'only the refused documents are tried again');
    assert.equal(again.counts.deleted + again.counts.modified + again.counts.metadata, 0);
  });

  test('the first live sync downloads only what the old tool lacked, marks what Projectplace no longer lists as deleted, and keeps it', async () => {
    await s.fx.control.clearRequests();
    const report = await runSync(s.fx.sim, s.repo, { retry: fastRetry });
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const downloaded = await downloadedIds(s.fx);
    const oldAndGood = new Set(s.kept.filter((id) => id !== s.edited));
    assert.deepEqual(downloaded.filter((id) => oldAndGood.has(id)), [], 'no document the old tool already had is downloaded again');
    const live = (await s.fx.control.state()).items.filter((i) => i.kind === 'document');
    const added = live.filter((i) => i.name === 'New this year.docx' || i.name === 'Also new.pdf').map((i) => String(i.id));
    const liveIds = new Set(live.map((i) => String(i.id)));
    const expected = [...added, s.edited, ...s.refused.filter((id) => liveIds.has(id))].sort();
    assert.deepEqual([...downloaded].sort(), expected);
    assert.equal(report.documentsDownloaded, expected.length);

    const m = manifest(s.repo);
    // Every live document now has the simulator's bytes.
    for (const item of live) assert.equal(m.get(String(item.id))?.sha256, (await s.fx.control.sha256(item.id)).sha256, `bytes of ${item.id}`);
    assert.match(m.get(s.renamed)!.path, /Renamed since the old tool\.txt$/);
    // Gone from Projectplace: marked deleted, file kept.
    const tree = new Set(gitFiles(s.repo));
    for (const id of [...s.deleted, ...s.terminated.documents]) {
      const e = m.get(id)!;
      assert.ok(e.deletedAt, `document ${id} marked deleted`);
      assert.ok(tree.has(e.path), `document ${id} still at ${e.path}`);
      assert.equal(blobSha256(s.repo, e.path), s.files.content.get(id)!.sha256);
    }
    assert.ok(m.get(s.terminated.workspaceId)!.deletedAt, 'the terminated workspace is marked gone, its files kept');
    assert.equal(report.counts.deleted, s.deleted.length + s.terminated.documents.length + 2, 'documents, the terminated workspace and its folder');
    const archived = (await s.fx.control.state()).workspaces.find((w) => w.archived)!;
    assert.ok(m.get(String(archived.id))!.archivedAt, 'the workspace archived since is marked archived');

    const v = await verifyBackup({ repoDir: s.repo, readData: true });
    assert.equal(v.ok, true, JSON.stringify(v.problems));
  });

  test('the next live sync downloads nothing and makes no commit', async () => {
    await s.fx.control.clearRequests();
    const commits = commitCount(s.repo);
    const report = await runSync(s.fx.sim, s.repo, { retry: fastRetry });
    assert.deepEqual(await downloadedIds(s.fx), []);
    assert.equal(report.commits, 0);
    assert.equal(commitCount(s.repo), commits);
  });
});

describe('offline import (no reference) into an account that does not list ver_nr', () => {
  let s: Scenario;
  before(async () => {
    s = await scenario({ switches: { documentVerNr: false } });
  });
  after(() => s.fx.close());

  test('the first live sync downloads no document the old tool had; the truncated one is repaired by its size', async () => {
    const imported = await importOld(s);
    // Without a reference the truncated file cannot be told from a good one: it is imported, and the live sync's size
    // stamp disagrees with it, so that document is downloaded again (history keeps the cut bytes as an older commit).
    const truncated = s.spec.documents.find((d) => d.file === 'truncated')!;
    assert.ok(manifest(s.repo).get(String(truncated.id)), 'imported without a reference');
    assert.deepEqual(imported.failures.map((f) => f.id).sort(), s.refused.filter((id) => id !== String(truncated.id)).sort());
    await s.fx.control.clearRequests();
    const report = await runSync(s.fx.sim, s.repo, { retry: fastRetry });
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const downloaded = await downloadedIds(s.fx);
    const oldAndGood = s.kept.filter((id) => id !== s.edited);
    assert.deepEqual(downloaded.filter((id) => oldAndGood.includes(id)), []);
    assert.ok(downloaded.includes(String(truncated.id)), 'the truncated document is downloaded again');
    assert.equal(manifest(s.repo).get(String(truncated.id))!.sha256, (await s.fx.control.sha256(truncated.id)).sha256);
    const v = await verifyBackup({ repoDir: s.repo, readData: true });
    assert.equal(v.ok, true, JSON.stringify(v.problems));
  });
});

describe('offline import (no reference) into an account that lists ver_nr', () => {
  let s: Scenario;
  before(async () => {
    s = await scenario({});
  });
  after(() => s.fx.close());

  test(
    'the first live sync downloads no document the old tool had',
    async () => {
      await importOld(s);
      await s.fx.control.clearRequests();
      await runSync(s.fx.sim, s.repo, { retry: fastRetry });
      const downloaded = await downloadedIds(s.fx);
      const oldAndGood = s.kept.filter((id) => id !== s.edited);
      assert.deepEqual(downloaded.filter((id) => oldAndGood.includes(id)), []);
      // The versions are adopted once: the next run changes nothing.
      const again = await runSync(s.fx.sim, s.repo, { retry: fastRetry });
      assert.equal(again.commits, 0);
      assert.equal(again.counts.metadata + again.counts.modified, 0);
      const v = await verifyBackup({ repoDir: s.repo, readData: true });
      assert.equal(v.ok, true, JSON.stringify(v.problems));
    },
  );
});

describe('import into a repo that already holds a live backup', () => {
  let s: Scenario;
  before(async () => {
    s = await scenario({});
  });
  after(() => s.fx.close());

  test(
    'deletes nothing and puts no older content over newer',
    async () => {
      const live = await runSync(s.fx.sim, s.repo, { retry: fastRetry });
      assert.equal(live.complete, true, JSON.stringify(live.failures));
      const before = manifest(s.repo);
      const report = await importOld(s);
      assert.equal(report.counts.deleted, 0);
      assert.equal(report.counts.modified, 0);
      assert.equal(report.counts.moved + report.counts.renamed + report.counts.metadata + report.counts.archived, 0);
      // Every entry the live backup had is exactly as it was: the edited document keeps its newer bytes and time, the
      // renamed one its new name.
      const after = manifest(s.repo);
      for (const [id, e] of before) assert.deepEqual(after.get(id), e, `entry ${id} (${e.path})`);
      assert.equal(after.get(s.edited)!.sha256, before.get(s.edited)!.sha256);
      // What only the old tool kept (deleted in the service long ago, a terminated workspace) is added.
      for (const id of [...s.deleted.filter((d) => !before.has(d)), ...s.terminated.documents]) assert.ok(after.get(id)?.sha256, `old-only document ${id} imported`);
      assert.equal((await verifyBackup({ repoDir: s.repo, readData: true })).ok, true);
    },
  );
});
