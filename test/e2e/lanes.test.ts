// Lanes (issue 7): a container that gains many documents in one run has them committed on a side branch of its own,
// one commit each, merged in one commit; each document's history reads as if they had been committed on the branch.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { laneMin, laneSegment } from '../../src/engine/sync.ts';
import { readHistory } from '../../src/engine/render/load.ts';
import { listVersions } from '../../src/engine/restore.ts';
import { Git } from '../../src/engine/store/git.ts';
import { verifyBackup } from '../../src/engine/verify.ts';
import { blobSha256, git, manifest, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';

describe('lanes: many new documents in a workspace', () => {
  let fx: SimFixture;
  let repo: string;
  let firstCommits = 0;
  before(async () => {
    fx = await startSim({ seed: 23, documents: 320 });
    repo = await tempDir('wb-lanes-');
  });
  after(() => fx.close());

  test('the first backup merges one lane per busy workspace; every document keeps its own commit, author and date', async () => {
    await fx.control.faults([]);
    const dump = await fx.control.state();
    const victim = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    // One download fails for good: its lane is still merged, without it.
    await fx.control.faults([{ path: `^/1/documents/${victim.id}$`, kind: 'short', rate: 1 }]);
    const report = await runSync(fx.sim, repo);
    await fx.control.clearFaults();
    assert.equal(report.failures.length, 1, JSON.stringify(report.failures));
    firstCommits = report.commits;

    const m = manifest(repo);
    const docs = [...m.values()].filter((e) => e.kind === 'document');
    assert.ok(!m.has(String(victim.id)), 'the failed document has no entry, so the next run retries it');
    const perWorkspace = new Map<string, number>();
    for (const d of docs) perWorkspace.set(d.container, (perWorkspace.get(d.container) ?? 0) + 1);
    const busy = [...perWorkspace].filter(([, n]) => n >= laneMin);
    assert.ok(busy.length >= 2, `at least two workspaces gain ${laneMin}+ documents (${JSON.stringify([...perWorkspace])})`);

    // One merge per busy workspace, named for it, on the branch's first-parent line.
    const merges = git(repo, 'log', '-z', '--merges', '--format=%s%x1f%(trailers:key=Documents-Added,valueonly=true)').split('\0').map((s) => s.trim()).filter(Boolean);
    assert.equal(merges.length, busy.length, merges.join('\n'));
    for (const line of merges) assert.match(line, /^Add \d+ documents to .+\x1f\d+$/);
    const added = merges.reduce((n, line) => n + Number(line.split('\x1f')[1]), 0);
    // A lane is cut in segments of laneSegment documents, each merged as a parent of the container's one merge.
    const parentCounts = git(repo, 'log', '-z', '--merges', '--format=%P%x1f%(trailers:key=Documents-Added,valueonly=true)').split('\0').filter((l) => l.trim()).map((l) => {
      const [ps, n] = l.split('\x1f');
      return { parents: ps!.trim().split(' ').length, added: Number(n) };
    });
    for (const m of parentCounts) assert.equal(m.parents, 1 + Math.ceil(m.added / laneSegment), JSON.stringify(m));
    assert.ok(parentCounts.some((m) => m.parents > 2), `a lane of more than ${laneSegment} documents, merged in segments (${JSON.stringify(parentCounts)})`);
    const laneDocs = busy.reduce((n, [, c]) => n + c, 0);
    assert.equal(added, laneDocs - docs.filter((d) => busy.some(([w]) => w === d.container) && d.lfs).length, 'every non-LFS new document of a busy workspace came through its lane');
    const firstParent = git(repo, 'log', '--first-parent', '--format=%H').trim().split('\n').length;
    assert.ok(firstParent < report.commits / 2, `the branch's own line has ${firstParent} of ${report.commits} commits`);

    // Every document: its file holds its bytes, and `git log -- <file>` shows one commit, by its modifier at its time.
    for (const d of docs) {
      if (!d.lfs) assert.equal(blobSha256(repo, d.path), d.sha256, d.path);
      const log = git(repo, 'log', '-z', '--format=%an|%aI|%(trailers:key=Document-Id,valueonly=true)', '--', d.path).split('\0').filter(Boolean);
      assert.equal(log.length, 1, `${d.path}: ${log.join(' / ')}`);
      const [name, date, id] = log[0]!.split('|');
      if (d.modifier) assert.equal(name, d.modifier.name, d.path);
      if (d.modifiedAt) assert.equal(Date.parse(date!), Date.parse(d.modifiedAt), d.path);
      assert.equal(id!.trim(), d.id, d.path);
    }
    assert.equal(git(repo, 'for-each-ref', 'refs/workspace-backup/').trim(), '', 'no lane ref is left behind');
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
  });

  test('the site history and restore find a lane document', async () => {
    const branchLine = new Set(git(repo, 'rev-list', '--first-parent', 'HEAD').trim().split('\n'));
    const doc = [...manifest(repo).values()].find((e) => e.kind === 'document' && !branchLine.has(git(repo, 'log', '-1', '--format=%H', '--', e.path).trim()))!;
    assert.ok(doc, 'a document that came through a lane');
    const g = await Git.init(repo, 'main');
    const history = await readHistory(g, 'HEAD');
    const versions = history.get(doc.id);
    assert.equal(versions?.length, 1, JSON.stringify(versions));
    assert.equal(versions![0]!.path, doc.path);
    if (doc.modifier) assert.equal(versions![0]!.author, doc.modifier.name);
    const listed = await listVersions({ repoDir: repo, id: doc.id });
    assert.equal(listed.versions.length, 1);
    assert.equal(listed.versions[0]!.path, doc.path);
  });

  test('the next run retries the failed document and commits an edit on the branch itself', async () => {
    const dump = await fx.control.state();
    const m = manifest(repo);
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted && m.get(String(i.id)) && !m.get(String(i.id))!.lfs)!;
    const path = m.get(String(doc.id))!.path;
    const editor = dump.users.find((u) => u.id !== doc.lastModifier && !u.external)!;
    await fx.control.mutate({ op: 'edit', id: doc.id, by: editor.id, at: 1_760_000_000 });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    assert.equal(report.documents.added, 1, 'the document that failed before');
    assert.equal(report.documents.changed, 1);
    assert.equal(git(repo, 'log', '--merges', '--format=%H', `HEAD~${report.commits}..HEAD`).trim(), '', 'one new document is no lane');
    const log = git(repo, 'log', '--format=%an', '--', path).trim().split('\n');
    assert.deepEqual(log.length, 2);
    assert.equal(log[0], editor.name);
    assert.ok(firstCommits > 0);
    assert.equal((await verifyBackup({ repoDir: repo })).ok, true);
  });

  test('the site history of lane documents renamed or moved later: each version at the path and blob it had', async () => {
    const branchLine = new Set(git(repo, 'rev-list', '--first-parent', 'HEAD').trim().split('\n'));
    const viaLane = (id: string) => !branchLine.has(git(repo, 'log', '-1', '--format=%H', '--reverse', `--grep=^Document-Id: ${id}$`, 'HEAD').trim());
    const dump = await fx.control.state();
    const m = manifest(repo);
    const laneDocs = [...m.values()].filter((e) => e.kind === 'document' && !e.lfs && !e.deletedAt && viaLane(e.id));
    assert.ok(laneDocs.length >= 2, 'two documents that came through a lane');
    const [renamed, moved] = laneDocs as [(typeof laneDocs)[0], (typeof laneDocs)[0]];
    await fx.control.mutate({ op: 'rename', id: Number(renamed.id), name: `renamed ${renamed.name}` });
    const item = dump.items.find((i) => String(i.id) === moved.id)!;
    const target = dump.items.find((i) => i.kind === 'folder' && i.workspaceId === item.workspaceId && i.id !== item.parentId && !i.deleted);
    await fx.control.mutate({ op: 'move', id: Number(moved.id), parentId: target ? target.id : null });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, true, JSON.stringify(report.failures));

    const g = await Git.init(repo, 'main');
    const after = manifest(repo);
    const idAtPath = new Map([...after.values()].filter((e) => e.kind === 'document').map((e) => [e.path, e.id]));
    const history = await readHistory(g, 'HEAD', idAtPath);
    for (const doc of [renamed, moved]) {
      const now = after.get(doc.id)!;
      assert.notEqual(now.path, doc.path, `${doc.id} has a new path`);
      const versions = history.get(doc.id)!;
      const first = versions.at(-1)!;
      assert.equal(first.path, doc.path, `${doc.id}: its lane version is at the path it was added at, not where it is now`);
      assert.ok(versions.some((v) => v.path === now.path), `${doc.id}: a version at its new path (${JSON.stringify(versions)})`);
    }
    // Every version of every document names a blob that is at its path in its commit.
    let checked = 0;
    for (const [id, versions] of history) {
      for (const v of versions) {
        if (!v.blob || !v.path) continue;
        assert.equal(git(repo, 'rev-parse', `${v.commit}:${v.path}`).trim(), v.blob, `${id} at ${v.commit}`);
        checked++;
      }
    }
    assert.ok(checked >= after.size / 2, `${checked} versions checked`);
  });

  test('a lane document moved later onto the path another document of its lane was added at keeps its own first version', async () => {
    const branchLine = new Set(git(repo, 'rev-list', '--first-parent', 'HEAD').trim().split('\n'));
    const laneCommitOf = (id: string) => git(repo, 'log', '-1', '--format=%H', `--grep=^Document-Id: ${id}$`, 'HEAD').trim();
    const before = manifest(repo);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    // Two documents that came in by the same merge and still sit where they were added.
    const firstPath = new Map<string, string>();
    for (const e of before.values()) {
      if (e.kind !== 'document' || e.lfs || e.deletedAt) continue;
      const c = laneCommitOf(e.id);
      if (c && !branchLine.has(c) && git(repo, 'log', '--format=%H', '--', e.path).trim().split('\n').length === 1) firstPath.set(e.id, e.path);
    }
    const byContainer = new Map<string, string[]>();
    for (const id of firstPath.keys()) {
      const c = before.get(id)!.container;
      byContainer.set(c, [...(byContainer.get(c) ?? []), id]);
    }
    const pair = [...byContainer.values()].find((ids) => ids.length >= 2);
    assert.ok(pair, 'two untouched lane documents of one workspace');
    const [xId, yId] = pair as [string, string];
    const x = before.get(xId)!;
    const y = before.get(yId)!;
    const xBlob = git(repo, 'rev-parse', `${head}:${x.path}`).trim();
    // Y leaves its path; X takes it (Y's folder and Y's name).
    const dump = await fx.control.state();
    const yItem = dump.items.find((i) => String(i.id) === yId)!;
    await fx.control.mutate({ op: 'rename', id: Number(yId), name: `moved away ${y.name}` });
    await fx.control.mutate({ op: 'move', id: Number(xId), parentId: yItem.parentId ?? null });
    await fx.control.mutate({ op: 'rename', id: Number(xId), name: y.name });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const after = manifest(repo);
    assert.equal(after.get(xId)!.path, y.path, 'X is now at the path Y was added at');

    const idAtPath = new Map([...after.values()].filter((e) => e.kind === 'document').map((e) => [e.path, e.id]));
    const history = await readHistory(await Git.init(repo, 'main'), 'HEAD', idAtPath);
    const xFirst = history.get(xId)!.at(-1)!;
    assert.equal(xFirst.path, x.path, `X's first version is at the path X was added at (${JSON.stringify(history.get(xId))})`);
    assert.equal(xFirst.blob, xBlob, "X's first version is X's own content, not Y's");
    const yFirst = history.get(yId)!.at(-1)!;
    assert.equal(yFirst.path, y.path);
  });
});
