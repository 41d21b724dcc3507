// verifyBackup against real backups made from the simulator, each corrupted one way with plain git or the filesystem.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { lfsObjectPath } from '../../src/engine/store/lfs.ts';
import { verifyBackup, type VerifyReport } from '../../src/engine/verify.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { git, manifest, runSync, startSim, tempDir, type ManifestLine, type SimFixture } from '../helpers/env.ts';

const who = ['-c', 'user.name=Someone', '-c', 'user.email=someone@example.invalid'];

/** A copy of the base backup (timestamps kept, so git sees no change), for one test to damage. */
async function copyOf(base: string): Promise<string> {
  const dir = join(await tempDir('wb-verify-copy-'), 'repo');
  execFileSync('cp', ['-a', base, dir]);
  return dir;
}

function commitAll(repo: string, paths: string[], message = 'hand edit'): void {
  git(repo, 'add', '--', ...paths);
  git(repo, ...who, 'commit', '-q', '-m', message);
}

function kinds(r: VerifyReport, severity?: 'error' | 'warning'): string[] {
  return r.problems.filter((p) => !severity || p.severity === severity).map((p) => p.kind);
}

function gitDirOf(repo: string): string {
  return git(repo, 'rev-parse', '--absolute-git-dir').trim();
}

describe('verify', () => {
  let fx: SimFixture;
  let base: string;
  let entries: ManifestLine[];
  let small: ManifestLine;
  let lfs: ManifestLine;
  before(async () => {
    fx = await startSim({ seed: 21, workspaces: 2, documents: 20, largeDocuments: [30_000, 50_000] });
    base = await tempDir('wb-verify-');
    const r = await runSync(fx.sim, base, { lfsThreshold: 20_000 });
    assert.equal(r.complete, true, JSON.stringify(r.failures));
    entries = [...manifest(base).values()];
    small = entries.find((e) => e.kind === 'document' && !e.lfs && (e.size ?? 0) > 10)!;
    lfs = entries.find((e) => e.kind === 'document' && e.lfs)!;
    assert.ok(small && lfs, 'the backup has a small git document and an LFS document');
  });
  after(() => fx.close());

  test('a fresh backup is ok, with the right counts; reading every byte finds nothing either', async () => {
    const cheap = await verifyBackup({ repoDir: base });
    assert.deepEqual(cheap.problems, []);
    assert.equal(cheap.ok, true);
    const files = entries.filter((e) => e.kind === 'document' || e.kind === 'link');
    assert.equal(cheap.checked.entries, entries.length);
    assert.equal(cheap.checked.files, files.length);
    assert.equal(cheap.checked.lfsObjects, entries.filter((e) => e.lfs).length);
    assert.equal(cheap.checked.bytes, 0);
    assert.deepEqual(cheap.sources, ['projectplace']);
    let progress = 0;
    const full = await verifyBackup({ repoDir: base, readData: true, onProgress: (done) => (progress = done) });
    assert.deepEqual(full.problems, []);
    assert.equal(full.ok, true);
    assert.equal(full.checked.bytes, files.reduce((n, e) => n + (e.size ?? 0), 0));
    assert.equal(progress, files.length);
  });

  test('a document made longer by a plain git commit: the cheap check sees the size', async () => {
    const repo = await copyOf(base);
    appendFileSync(join(repo, small.path), 'extra');
    commitAll(repo, [small.path]);
    const r = await verifyBackup({ repoDir: repo });
    assert.equal(r.ok, false);
    const p = r.problems.find((x) => x.kind === 'size-mismatch')!;
    assert.equal(p.path, small.path);
    assert.equal(p.id, small.id);
    assert.match(p.fix, /--full-resync/);
  });

  test('a byte flipped without changing the size: only --read-data catches it', async () => {
    const repo = await copyOf(base);
    const file = join(repo, small.path);
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);
    commitAll(repo, [small.path]);
    const cheap = await verifyBackup({ repoDir: repo });
    assert.equal(cheap.ok, true, JSON.stringify(cheap.problems));
    const full = await verifyBackup({ repoDir: repo, readData: true });
    assert.equal(full.ok, false);
    assert.deepEqual(kinds(full, 'error'), ['content-mismatch']);
    assert.equal(full.problems.find((p) => p.kind === 'content-mismatch')!.path, small.path);
  });

  test('a file removed from the tree', async () => {
    const repo = await copyOf(base);
    git(repo, 'rm', '-q', '--', small.path);
    git(repo, ...who, 'commit', '-q', '-m', 'oops');
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r, 'error'), ['missing-file']);
    assert.equal(r.problems[0]!.path, small.path);
    assert.equal(r.ok, false);
  });

  test('an extra file in a source folder is unknown; one outside the source folders is not looked at', async () => {
    const repo = await copyOf(base);
    const ws = entries.find((e) => e.kind === 'workspace')!;
    writeFileSync(join(repo, ws.path, 'extra.txt'), 'not from the service');
    writeFileSync(join(repo, 'README.md'), 'about this backup');
    commitAll(repo, [join(ws.path, 'extra.txt'), 'README.md']);
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r, 'error'), ['unknown-file']);
    assert.equal(r.problems.find((p) => p.kind === 'unknown-file')!.path, `${ws.path}/extra.txt`);
  });

  test('a broken manifest line is a problem, not a crash, and the other lines are still checked', async () => {
    const repo = await copyOf(base);
    const file = git(repo, 'ls-files', '.workspace-backup/manifest/').trim().split('\n')[0]!;
    const lines = readFileSync(join(repo, file), 'utf8').split('\n');
    lines.splice(1, 0, '{"id": "1", "kind": broken');
    writeFileSync(join(repo, file), lines.join('\n'));
    appendFileSync(join(repo, small.path), 'x');
    commitAll(repo, [file, small.path]);
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r, 'error').sort(), ['manifest-unreadable', 'size-mismatch']);
    const p = r.problems.find((x) => x.kind === 'manifest-unreadable')!;
    assert.equal(p.path, file);
    assert.match(p.detail, /line 2/);
  });

  test('the same id twice, and an entry whose path would escape the repo', async () => {
    const repo = await copyOf(base);
    const file = git(repo, 'ls-files', '.workspace-backup/manifest/').trim().split('\n')[0]!;
    const lines = readFileSync(join(repo, file), 'utf8').split('\n').filter(Boolean);
    const doc = lines.map((l) => JSON.parse(l) as ManifestLine).find((e) => e.kind === 'document')!;
    lines.push(JSON.stringify({ ...doc, path: 'Projectplace/../../etc/passwd' }));
    lines.push(JSON.stringify({ ...doc, id: '424242', path: 'Projectplace/../../etc/passwd' }));
    writeFileSync(join(repo, file), lines.join('\n') + '\n');
    commitAll(repo, [file]);
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r, 'error').sort(), ['duplicate-id', 'unsafe-path']);
    assert.equal(r.problems.find((p) => p.kind === 'duplicate-id')!.id, doc.id);
    assert.equal(r.problems.find((p) => p.kind === 'unsafe-path')!.id, '424242');
  });

  test('a deleted LFS object', async () => {
    const repo = await copyOf(base);
    rmSync(lfsObjectPath(gitDirOf(repo), lfs.sha256!));
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r), ['missing-lfs-object']);
    assert.equal(r.problems[0]!.path, lfs.path);
    assert.match(r.problems[0]!.fix, /git lfs fetch --all/);
  });

  test('an LFS object with flipped bytes: found by --read-data', async () => {
    const repo = await copyOf(base);
    const file = lfsObjectPath(gitDirOf(repo), lfs.sha256!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    writeFileSync(file, bytes);
    assert.equal((await verifyBackup({ repoDir: repo })).ok, true);
    const r = await verifyBackup({ repoDir: repo, readData: true });
    assert.deepEqual(kinds(r), ['lfs-object-corrupt']);
    assert.equal(r.problems[0]!.path, lfs.path);
  });

  test('an LFS pointer whose .gitattributes line is gone', async () => {
    const repo = await copyOf(base);
    const attrs = readFileSync(join(repo, '.gitattributes'), 'utf8').split('\n');
    const kept = attrs.filter((l) => !l.startsWith('/' + lfs.path.replace(/\s/g, '[[:space:]]')));
    assert.equal(kept.length, attrs.length - 1, 'one line removed');
    writeFileSync(join(repo, '.gitattributes'), kept.join('\n'));
    commitAll(repo, ['.gitattributes']);
    const r = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(r, 'error'), ['gitattributes-missing']);
  });

  test('a state file behind the branch, or disagreeing with the manifest, is a warning: ok stays true', async () => {
    const repo = await copyOf(base);
    writeFileSync(join(repo, 'README.md'), 'about this backup');
    commitAll(repo, ['README.md']);
    const behind = await verifyBackup({ repoDir: repo });
    assert.deepEqual(kinds(behind), ['state-stale']);
    assert.equal(behind.problems[0]!.severity, 'warning');
    assert.equal(behind.ok, true);
    assert.match(behind.problems[0]!.fix, /only a cache/);

    const other = await copyOf(base);
    const db = new DatabaseSync(join(gitDirOf(other), 'workspace-backup', 'state.db'));
    db.prepare('UPDATE entries SET line = replace(line, ?, ?) WHERE id = ?').run('"kind":"document"', '"kind":"document","size":1', small.id);
    db.prepare('DELETE FROM entries WHERE id = ?').run(lfs.id);
    db.close();
    const differ = await verifyBackup({ repoDir: other });
    assert.deepEqual(kinds(differ), ['state-stale']);
    assert.equal(differ.ok, true);
    assert.match(differ.problems[0]!.detail, /2 of its entries differ/);
  });

  test('no backup: a clear error, not a crash', async () => {
    const empty = await tempDir('wb-verify-empty-');
    await assert.rejects(verifyBackup({ repoDir: empty }), (e: Error) => e instanceof ConfigError && /nothing backed up yet/.test(e.message));
    git(empty, 'init', '-q', '-b', 'main');
    await assert.rejects(verifyBackup({ repoDir: empty }), (e: Error) => e instanceof ConfigError && /nothing backed up yet/.test(e.message));
  });

  test('a blobless clone: nothing is fetched, missing blobs are counted, and --read-data names them', async () => {
    git(base, 'config', 'uploadpack.allowFilter', 'true');
    const clone = join(await tempDir('wb-verify-clone-'), 'clone');
    execFileSync('git', ['clone', '-q', '--filter=blob:none', '--no-checkout', `file://${base}`, clone]);
    git(clone, 'sparse-checkout', 'set', '--no-cone', '/.workspace-backup/');
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: clone, env: { ...process.env, GIT_LFS_SKIP_SMUDGE: '1' } });
    const countObjects = () => git(clone, 'count-objects', '-v');
    const objectsBefore = countObjects();
    const cheap = await verifyBackup({ repoDir: clone });
    assert.ok(cheap.checked.notLocal > 0, 'some blobs are promised, not present');
    assert.ok(!kinds(cheap).includes('missing-blob'), JSON.stringify(cheap.problems));
    // The clone has no LFS objects: those are reported, with the fetch to run.
    assert.ok(kinds(cheap).every((k) => k === 'missing-lfs-object'), JSON.stringify(kinds(cheap)));
    const full = await verifyBackup({ repoDir: clone, readData: true });
    assert.ok(kinds(full).includes('missing-blob'));
    assert.match(full.problems.find((p) => p.kind === 'missing-blob')!.fix, /git fetch/);
    assert.equal(countObjects(), objectsBefore, 'verify fetched nothing');
  });
});
