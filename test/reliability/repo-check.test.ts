// The checker the campaigns rely on catches what it claims to: wrong bytes, bytes never served, missing LFS objects,
// lost or wrongly deleted documents, unsafe paths, files outside the repo, and a repo that lags behind the service.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';
import { checkCommittedBytes, checkRepoAgainstSim, compareWithSim, lostSince, outsideRepo, SimView, snapshotRepo, unsafePaths, type ManifestEntry } from './repo-check.ts';

let fx: SimFixture;
before(async () => {
  fx = await startSim({ seed: 51, documents: 12, hostileNames: false, largeDocuments: [300_000] });
});
after(() => fx.close());

const commit = (repo: string, message: string) => git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', message);

async function freshBackup(): Promise<{ box: string; repo: string }> {
  await fx.control.clearFaults();
  const box = await tempDir('wb-check-');
  const repo = join(box, 'repo');
  const r = await runSync(fx.sim, repo, { lfsThreshold: 200_000 });
  assert.equal(r.complete, true);
  return { box, repo };
}

function manifestFileOf(repo: string, e: ManifestEntry): string {
  return join(repo, '.workspace-backup/manifest/projectplace', `${e.container}.jsonl`);
}

describe('repo-check', () => {
  test('a fresh complete backup is sound and equal to the service', async () => {
    const { repo } = await freshBackup();
    const check = await checkRepoAgainstSim(repo, fx.control);
    assert.ok(check.checked >= 13);
    assert.equal(check.sound, true, JSON.stringify(check));
    assert.equal(check.equal, true, JSON.stringify(check));
    const snap = await snapshotRepo(repo);
    const lfs = [...snap.files.values()].filter((f) => f.lfs);
    assert.equal(lfs.length, 1, 'the large document is an LFS pointer, resolved from .git/lfs/objects');
    assert.equal(lfs[0]!.sha256, lfs[0]!.lfsOid);
  });

  test('a file whose bytes were changed by hand is wrong bytes', async () => {
    const { repo } = await freshBackup();
    const doc = [...(await snapshotRepo(repo)).manifest.values()].find((e) => e.kind === 'document' && !e.lfs)!;
    writeFileSync(join(repo, doc.path), 'not what the service sent');
    commit(repo, 'hand edit');
    const r = await checkCommittedBytes(await snapshotRepo(repo), fx.control);
    assert.equal(r.wrongBytes.length, 1);
    assert.match(r.wrongBytes[0]!, new RegExp(`document ${doc.id} .*manifest says`));
  });

  test('a manifest hash the service never served is wrong bytes, at the head and in the history', async () => {
    const { repo } = await freshBackup();
    const doc = [...(await snapshotRepo(repo)).manifest.values()].find((e) => e.kind === 'document' && !e.lfs)!;
    writeFileSync(join(repo, doc.path), 'forged');
    const file = manifestFileOf(repo, doc);
    writeFileSync(file, readFileSync(file, 'utf8').replace(doc.sha256!, createHashOf('forged')));
    commit(repo, 'forge');
    const r = await checkCommittedBytes(await snapshotRepo(repo), fx.control);
    assert.ok(r.wrongBytes.some((w) => /no version the service ever served/.test(w)), JSON.stringify(r));
    assert.ok(r.wrongInHistory.some((w) => w.startsWith(`document ${doc.id}`)));
  });

  test('an LFS pointer without its object is missing', async () => {
    const { repo } = await freshBackup();
    const snap = await snapshotRepo(repo);
    const lfs = [...snap.files.values()].find((f) => f.lfs)!;
    const gitDir = git(repo, 'rev-parse', '--absolute-git-dir').trim();
    rmSync(join(gitDir, 'lfs', 'objects', lfs.lfsOid!.slice(0, 2), lfs.lfsOid!.slice(2, 4), lfs.lfsOid!));
    const r = await checkCommittedBytes(await snapshotRepo(repo), fx.control);
    assert.equal(r.missing.length, 1);
    assert.match(r.missing[0]!, /LFS object .* absent/);
  });

  test('a document removed from the tree is lost; one marked deleted while the service has it is wrongly deleted', async () => {
    const { repo } = await freshBackup();
    const before = await snapshotRepo(repo);
    const [gone, marked] = [...before.manifest.values()].filter((e) => e.kind === 'document' && !e.lfs);
    git(repo, 'rm', '-q', '--', gone!.path);
    const file = manifestFileOf(repo, marked!);
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => (l.includes(`"id":"${marked!.id}"`) ? l.replace(/}$/, ',"deletedAt":"2025-01-01T00:00:00Z"}') : l))
        .join('\n'),
    );
    commit(repo, 'lose things');
    const after = await snapshotRepo(repo);
    const loss = await lostSince(before, after, fx.control);
    assert.deepEqual(loss.lost.length, 1);
    assert.match(loss.lost[0]!, new RegExp(`document ${gone!.id} .*no file`));
    assert.equal(loss.wronglyDeleted.length, 1);
    assert.match(loss.wronglyDeleted[0]!, new RegExp(`document ${marked!.id} .*marked deleted, still in the service`));
    const cmp = await compareWithSim(after, fx.control);
    assert.ok(cmp.notBackedUp.some((x) => x.includes(String(marked!.id))));
  });

  test('unsafe paths and files outside the repo are found', async () => {
    const { box, repo } = await freshBackup();
    mkdirSync(join(repo, 'Projectplace', 'CON'), { recursive: true });
    writeFileSync(join(repo, 'Projectplace', 'CON', 'x.txt'), 'x');
    git(repo, 'add', '.');
    commit(repo, 'unsafe');
    const snap = await snapshotRepo(repo);
    assert.deepEqual(unsafePaths(snap), [JSON.stringify('Projectplace/CON/x.txt')]);
    assert.ok((await checkCommittedBytes(snap, fx.control)).unknownFiles.includes('Projectplace/CON/x.txt'));
    assert.deepEqual(outsideRepo(box), []);
    writeFileSync(join(box, 'escaped.txt'), 'x');
    assert.deepEqual(outsideRepo(box), [join(box, 'escaped.txt')]);
  });

  test('a change in the service not yet backed up makes the repo differ', async () => {
    const { repo } = await freshBackup();
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document')!;
    await fx.control.mutate({ op: 'edit', id: doc.id });
    const cmp = await compareWithSim(await snapshotRepo(repo), new SimView(fx.control));
    assert.equal(cmp.stale.length, 1);
    assert.match(cmp.stale[0]!, new RegExp(`document ${doc.id} .*in the service`));
    const check = await checkRepoAgainstSim(repo, fx.control);
    assert.equal(check.sound, true, 'old bytes are still bytes the service served');
    assert.equal(check.equal, false);
  });
});

function createHashOf(s: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(s).digest('hex');
}
