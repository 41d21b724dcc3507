// Restoring documents and workspaces from a backup that the simulator changed between runs: versions by date and by
// commit, deleted and renamed documents, LFS, a workspace as of a date, and hostile paths that must not escape.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listVersions, restoreDocument, restoreWorkspace } from '../../src/engine/restore.ts';
import { lfsObjectPath } from '../../src/engine/store/lfs.ts';
import { DamagedBackupError } from '../../src/engine/verify.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { filesUnder, git, manifest, runSync, startSim, tempDir, type ManifestLine, type SimFixture } from '../helpers/env.ts';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const fileSha = (f: string) => sha256(readFileSync(f));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Path → sha256 of the real bytes (LFS pointers resolved to their oid) of every file under `dir` at `ref`. */
function treeHashes(repo: string, ref: string, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of git(repo, 'ls-tree', '-r', '-z', ref, '--', dir + '/').split('\0').filter(Boolean)) {
    const [meta, path] = rec.split('\t') as [string, string];
    const blob = execFileSync('git', ['cat-file', 'blob', meta.split(' ')[2]!], { cwd: repo });
    const pointer = /oid sha256:([0-9a-f]{64})\nsize \d+\n$/.exec(blob.length < 1024 ? blob.toString('utf8') : '');
    out.set(path.slice(dir.length + 1), pointer && blob.toString('utf8').startsWith('version https://git-lfs') ? pointer[1]! : sha256(blob));
  }
  return out;
}

/** Relative path → sha256 of every file written under dir. */
function writtenHashes(dir: string): Map<string, string> {
  return new Map(filesUnder(dir).map((f) => [relative(dir, f).split(sep).join('/'), fileSha(f)]));
}

function byName(m: Map<string, ManifestLine>, name: string): ManifestLine {
  const e = [...m.values()].find((x) => x.name === name);
  assert.ok(e, `${name} is in the manifest`);
  return e;
}

describe('restore', () => {
  let fx: SimFixture;
  let repo: string;
  let head1: string;
  let t0: Date;
  let before1: Map<string, ManifestLine>;
  let edited: ManifestLine;
  let removed: ManifestLine;
  let renamed: ManifestLine;
  let inFolder: ManifestLine;
  let large: ManifestLine;
  const at1 = 1_780_000_000;
  const at2 = 1_790_000_000;

  before(async () => {
    fx = await startSim({ seed: 31, workspaces: 2, documents: 34, largeDocuments: [30_000] });
    repo = await tempDir('wb-restore-');
    assert.equal((await runSync(fx.sim, repo, { lfsThreshold: 20_000 })).complete, true);
    head1 = git(repo, 'rev-parse', 'HEAD').trim();
    before1 = manifest(repo);
    edited = byName(before1, 'Budget.xlsx');
    removed = byName(before1, 'Risk plan 2.txt');
    renamed = byName(before1, 'Report.docx');
    inFolder = byName(before1, 'Budget schedule 8.xlsx');
    large = byName(before1, 'Final notes 5.xlsx');
    assert.ok(inFolder.lfs && large.lfs && !edited.lfs);
    // Commit dates have one-second resolution: t0 lies strictly between the first run and the second.
    await sleep(1100);
    t0 = new Date();
    await sleep(1100);
    const archive = byName(before1, 'Archive');
    await fx.control.mutate({ op: 'edit', id: Number(edited.id), at: at1, size: 4000 });
    await fx.control.mutate({ op: 'delete', id: Number(removed.id) });
    await fx.control.mutate({ op: 'rename', id: Number(renamed.id), name: 'Renamed report.docx' });
    await fx.control.mutate({ op: 'rename', id: Number(archive.id), name: 'Old archive' });
    assert.equal((await runSync(fx.sim, repo, { lfsThreshold: 20_000 })).complete, true);
    await fx.control.mutate({ op: 'edit', id: Number(edited.id), at: at2, size: 5000 });
    await fx.control.mutate({ op: 'rename', id: Number(archive.id), name: 'Older archive' });
    assert.equal((await runSync(fx.sim, repo, { lfsThreshold: 20_000 })).complete, true);
  });
  after(() => fx.close());

  test('a document edited twice lists three versions, with the service dates and sizes', async () => {
    const sim = (await fx.control.versions(edited.id))!.versions.slice(-3);
    const { document, versions } = await listVersions({ repoDir: repo, id: edited.id });
    assert.equal(document.path, edited.path);
    assert.equal(versions.length, 3);
    assert.deepEqual(versions.map((v) => v.size), sim.map((v) => v.size));
    assert.deepEqual(versions.map((v) => Date.parse(v.date) / 1000), sim.map((v) => v.modifiedTime));
    assert.equal(versions[0]!.commit, git(repo, 'log', '-1', '--format=%H', head1, '--', edited.path).trim());
    // By path, the same list.
    assert.deepEqual((await listVersions({ repoDir: repo, path: edited.path })).versions, versions);
  });

  test('each of the three versions restored by --at has the bytes the simulator served then', async () => {
    const sim = (await fx.control.versions(edited.id))!.versions.slice(-3);
    for (const [i, v] of sim.entries()) {
      for (const at of [v.modifiedTime, (sim[i + 1]?.modifiedTime ?? v.modifiedTime + 86_400) - 1]) {
        const to = await tempDir('wb-restore-out-');
        const r = await restoreDocument({ repoDir: repo, id: edited.id, at: new Date(at * 1000), to });
        assert.equal(r.sha256, v.sha256, `version ${i + 1} at ${at}`);
        assert.equal(fileSha(join(to, 'Budget.xlsx')), v.sha256);
        assert.equal(r.size, v.size);
      }
    }
    await assert.rejects(
      restoreDocument({ repoDir: repo, id: edited.id, at: new Date((sim[0]!.modifiedTime - 1) * 1000), to: await tempDir('wb-restore-out-') }),
      (e: Error) => e instanceof ConfigError && /no version at or before .* first backed-up version is from/.test(e.message),
    );
  });

  test('each version restored by --commit, and the latest by default', async () => {
    const sim = (await fx.control.versions(edited.id))!.versions.slice(-3);
    const { versions } = await listVersions({ repoDir: repo, id: edited.id });
    for (const [i, v] of versions.entries()) {
      const r = await restoreDocument({ repoDir: repo, path: edited.path, commit: v.commit, to: await tempDir('wb-restore-out-') });
      assert.equal(r.sha256, sim[i]!.sha256);
    }
    // A later commit that did not touch it: the version current then.
    assert.equal((await restoreDocument({ repoDir: repo, id: edited.id, commit: head1, to: await tempDir('wb-restore-out-') })).sha256, sim[0]!.sha256);
    assert.equal((await restoreDocument({ repoDir: repo, id: edited.id, to: await tempDir('wb-restore-out-') })).sha256, sim[2]!.sha256);
    await assert.rejects(restoreDocument({ repoDir: repo, id: edited.id, commit: '0123456789abcdef0123', to: await tempDir('wb-restore-out-') }), (e: Error) => e instanceof ConfigError && /does not exist/.test(e.message));
  });

  test('a deleted document comes back with its last content', async () => {
    const last = (await fx.control.versions(removed.id))!.versions.at(-1)!;
    const to = await tempDir('wb-restore-out-');
    const r = await restoreDocument({ repoDir: repo, id: removed.id, to });
    assert.ok(r.document.deletedAt, 'known as deleted');
    assert.equal(r.sha256, last.sha256);
    assert.deepEqual(readdirSync(to), ['Risk plan 2.txt']);
  });

  test('a renamed document is found by its old path and by its id, under its new name', async () => {
    const want = (await fx.control.versions(renamed.id))!.versions.at(-1)!.sha256;
    const to = await tempDir('wb-restore-out-');
    const byOldPath = await restoreDocument({ repoDir: repo, path: renamed.path, to });
    assert.equal(byOldPath.document.id, renamed.id);
    assert.equal(byOldPath.sha256, want);
    assert.deepEqual(readdirSync(to), ['Renamed report.docx']);
    const byId = await restoreDocument({ repoDir: repo, id: renamed.id, to, force: true, keepPaths: true });
    assert.equal(byId.file, join(to, ...manifest(repo).get(renamed.id)!.path.split('/')));
    await assert.rejects(restoreDocument({ repoDir: repo, id: renamed.id, to }), (e: Error) => e instanceof ConfigError && /already exists.*--force/.test(e.message));
  });

  test('a path the document only had between two folder renames is followed back to it', async () => {
    const middle = inFolder.path.replace('/Archive/', '/Old archive/');
    assert.ok(!manifest(repo).has(middle) && git(repo, 'log', '--format=%H', '--', middle).trim().split('\n').length === 2);
    const r = await restoreDocument({ repoDir: repo, path: middle, to: await tempDir('wb-restore-out-') });
    assert.equal(r.document.id, inFolder.id);
    assert.equal(r.sha256, (await fx.control.versions(inFolder.id))!.versions.at(-1)!.sha256);
    await assert.rejects(restoreDocument({ repoDir: repo, path: 'Projectplace/Alpha/never was.txt', to: await tempDir('wb-restore-out-') }), (e: Error) => e instanceof ConfigError && /no document has ever been at/.test(e.message));
    await assert.rejects(restoreDocument({ repoDir: repo, id: '999999999', to: await tempDir('wb-restore-out-') }), (e: Error) => e instanceof ConfigError && /no document with id 999999999/.test(e.message));
  });

  test('an LFS document is restored with its real bytes; a missing LFS object is a clear error and leaves no file', async () => {
    const to = await tempDir('wb-restore-out-');
    const r = await restoreDocument({ repoDir: repo, id: large.id, to });
    assert.equal(r.lfs, true);
    assert.equal(r.size, large.size);
    assert.equal(fileSha(join(to, 'Final notes 5.xlsx')), (await fx.control.versions(large.id))!.versions.at(-1)!.sha256);
    const copy = join(await tempDir('wb-restore-copy-'), 'repo');
    execFileSync('cp', ['-a', repo, copy]);
    rmSync(lfsObjectPath(git(copy, 'rev-parse', '--absolute-git-dir').trim(), large.sha256!));
    const empty = await tempDir('wb-restore-out-');
    await assert.rejects(restoreDocument({ repoDir: copy, id: large.id, to: empty }), (e: Error) => e instanceof DamagedBackupError && /git lfs fetch/.test(e.message));
    assert.deepEqual(readdirSync(empty), [], 'no partial or temp file left');
  });

  test('a workspace as of a date before the changes equals the tree of that time', async () => {
    const ws = byName(before1, 'Alpha');
    const to = await tempDir('wb-restore-out-');
    const r = await restoreWorkspace({ repoDir: repo, workspace: 'Alpha', at: t0, to });
    assert.equal(r.commit, head1);
    assert.equal(r.skippedDeleted, 0);
    assert.deepEqual(writtenHashes(join(to, 'Alpha')), treeHashes(repo, head1, ws.path));
    assert.ok(existsSync(join(to, 'Alpha', 'Archive', 'Budget schedule 8.xlsx')));
    // Now (by id): the latest versions, the deleted document left out unless asked for.
    const now = await tempDir('wb-restore-out-');
    const latest = await restoreWorkspace({ repoDir: repo, workspace: ws.id, to: now });
    const current = treeHashes(repo, 'HEAD', ws.path);
    const deletedRel = removed.path.slice(ws.path.length + 1);
    current.delete(deletedRel);
    assert.equal(latest.skippedDeleted, 1);
    assert.deepEqual(writtenHashes(join(now, 'Alpha')), current);
    const all = await restoreWorkspace({ repoDir: repo, workspace: ws.path, to: await tempDir('wb-restore-out-'), includeDeleted: true });
    assert.ok(all.files.some((f) => f.repoPath === removed.path));
    // Refusals: a non-empty folder, a date before the first backup, an unknown workspace.
    await assert.rejects(restoreWorkspace({ repoDir: repo, workspace: 'Alpha', to: now }), (e: Error) => e instanceof ConfigError && /not empty/.test(e.message));
    await assert.rejects(restoreWorkspace({ repoDir: repo, workspace: 'Alpha', at: new Date('2001-01-01T00:00:00Z'), to: await tempDir('wb-restore-out-') }), (e: Error) => e instanceof ConfigError && /before the first backup/.test(e.message));
    await assert.rejects(restoreWorkspace({ repoDir: repo, workspace: 'No such', to: await tempDir('wb-restore-out-') }), (e: Error) => e instanceof ConfigError && /no workspace "No such"/.test(e.message));
  });

  test('hostile paths in a tampered repo never escape the output folder', async () => {
    const copy = join(await tempDir('wb-restore-copy-'), 'repo');
    execFileSync('cp', ['-a', repo, copy]);
    // A commit (made with plain git) whose tree holds Projectplace/Alpha/../../../escape.txt and names a document.
    const blob = git(copy, 'hash-object', '-w', '--stdin', '--path', 'x').trim();
    const mktree = (lines: string[]) => execFileSync('git', ['mktree', '-z'], { cwd: copy, input: lines.map((l) => l + '\0').join('') }).toString().trim();
    const inner = mktree([`100644 blob ${blob}\tescape.txt`]);
    const dotdot = mktree([`040000 tree ${mktree([`040000 tree ${inner}\t..`])}\t..`]);
    const withEntry = (treeish: string, name: string, mode: string, type: string, oid: string) =>
      mktree([...git(copy, 'ls-tree', '-z', treeish).split('\0').filter(Boolean).filter((l) => l.split('\t')[1] !== name), `${mode} ${type} ${oid}\t${name}`]);
    const alpha = withEntry('HEAD:Projectplace/Alpha', '..', '040000', 'tree', dotdot);
    const pp = withEntry('HEAD:Projectplace', 'Alpha', '040000', 'tree', alpha);
    const root = withEntry('HEAD', 'Projectplace', '040000', 'tree', pp);
    const commit = execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit-tree', root, '-p', 'HEAD', '-m', 'Add escape.txt\n\nSource: projectplace\nDocument-Id: 990001'], { cwd: copy }).toString().trim();
    git(copy, 'update-ref', 'refs/heads/main', commit);

    const outer = await tempDir('wb-restore-hostile-');
    const to = join(outer, 'a', 'b');
    const doc = await restoreDocument({ repoDir: copy, id: '990001', to, keepPaths: true });
    assert.equal(doc.version.path, 'Projectplace/Alpha/../../../escape.txt');
    assert.ok(doc.file.startsWith(to + sep), doc.file);
    const ws = await restoreWorkspace({ repoDir: copy, workspace: 'Alpha', to: join(outer, 'a', 'ws') });
    const escaped = ws.files.find((f) => f.repoPath.endsWith('/escape.txt'))!;
    assert.ok(escaped.file.startsWith(join(outer, 'a', 'ws') + sep), escaped.file);
    for (const f of filesUnder(outer)) assert.ok(f.startsWith(to + sep) || f.startsWith(join(outer, 'a', 'ws') + sep), `written outside: ${f}`);
    assert.deepEqual(readdirSync(join(outer, 'a')).sort(), ['b', 'ws']);

    // A symbolic link planted in the output folder is not followed, even with --force.
    const planted = await tempDir('wb-restore-planted-');
    const target = await tempDir('wb-restore-victim-');
    mkdirSync(planted, { recursive: true });
    symlinkSync(target, join(planted, 'Alpha'));
    await assert.rejects(restoreWorkspace({ repoDir: repo, workspace: 'Alpha', to: planted, force: true }), (e: Error) => e instanceof ConfigError && /symbolic link/.test(e.message));
    assert.deepEqual(readdirSync(target), []);
    // And never into the backup repository itself.
    await assert.rejects(restoreDocument({ repoDir: repo, id: edited.id, to: join(repo, 'restored') }), (e: Error) => e instanceof ConfigError && /inside the backup repository/.test(e.message));
  });
});
