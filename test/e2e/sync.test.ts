// Whole runs of the engine against the Projectplace simulator and a real git repository.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isSafeSegment } from '../../src/lib/safe-path.ts';
import { sync } from '../../src/engine/sync.ts';
import { readHistory } from '../../src/engine/render/load.ts';
import { Git } from '../../src/engine/store/git.ts';
import { blobSha256, connectorFor, commitCount, git, gitFiles, manifest, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';

/** Every live document of the simulator has a file whose bytes hash like the simulator's content. */
async function assertBytesMatch(fx: SimFixture, repo: string): Promise<number> {
  const m = manifest(repo);
  const dump = await fx.control.state();
  let checked = 0;
  for (const item of dump.items) {
    if (item.kind !== 'document' || item.deleted) continue;
    const e = m.get(String(item.id));
    assert.ok(e, `document ${item.id} (${item.name}) is in the manifest`);
    const want = await fx.control.sha256(item.id);
    assert.equal(e.sha256, want.sha256, `manifest sha256 of ${e.path}`);
    if (!e.lfs) assert.equal(blobSha256(repo, e.path), want.sha256, `bytes of ${e.path}`);
    checked++;
  }
  return checked;
}

describe('a backup over several runs', () => {
  let fx: SimFixture;
  let repo: string;
  before(async () => {
    fx = await startSim({ seed: 11, documents: 40 });
    repo = await tempDir('wb-e2e-');
  });
  after(() => fx.close());

  test('the first run backs up every document with the right bytes and a manifest', async () => {
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    assert.ok(report.counts.new > 40);
    const checked = await assertBytesMatch(fx, repo);
    assert.ok(checked >= 40, `checked ${checked}`);
    assert.ok(gitFiles(repo).some((f) => f.startsWith('.workspace-backup/manifest/projectplace/')));
    // Every path in the repo is made of safe segments, and the hostile names of the simulator were all kept.
    for (const f of gitFiles(repo)) {
      if (f.startsWith('.workspace-backup/') || f === '.gitattributes') continue;
      for (const seg of f.split('/')) assert.ok(isSafeSegment(seg), `unsafe segment ${JSON.stringify(seg)} in ${f}`);
    }
    const dump = await fx.control.state();
    const hostile = dump.items.filter((i) => i.kind === 'document' && /[/\\:*?"<>|\u0000-\u001f]|^\.|\.$|^(con|aux|nul)/i.test(i.name));
    assert.ok(hostile.length >= 3, 'the simulator has hostile names');
    for (const h of hostile) assert.ok(manifest(repo).get(String(h.id)), `hostile ${JSON.stringify(h.name)} backed up`);
    // The working tree is checked out: a person can open the files.
    const any = [...manifest(repo).values()].find((e) => e.kind === 'document')!;
    assert.ok(existsSync(join(repo, any.path)), any.path);
  });

  test('a second run with no changes downloads nothing and makes no commit', async () => {
    const commits = commitCount(repo);
    await fx.control.clearRequests();
    const report = await runSync(fx.sim, repo);
    const downloads = (await fx.control.requests()).filter((r) => r.method === 'GET' && r.path.startsWith('/1/documents/'));
    assert.equal(downloads.length, 0);
    assert.equal(commitCount(repo), commits);
    assert.equal(report.commits, 0);
    assert.equal(report.counts.new + report.counts.modified + report.counts.deleted, 0);
  });

  test('an edit by another user is a new commit on the same path, authored by them at the modification time', async () => {
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted && i.name.includes('.'))!;
    const path = manifest(repo).get(String(doc.id))!.path;
    const editor = dump.users.find((u) => u.id !== doc.lastModifier && !u.external)!;
    const at = 1_750_000_000;
    await fx.control.mutate({ op: 'edit', id: doc.id, by: editor.id, at });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.counts.modified, 1);
    const log = git(repo, 'log', '--format=%an|%ae|%at', '--', path).trim().split('\n');
    assert.equal(log.length, 2, 'two commits touch the document');
    assert.equal(log[0], `${editor.name}|${editor.email}|${at}`);
    assert.equal(blobSha256(repo, path), (await fx.control.sha256(doc.id)).sha256);
    assert.match(git(repo, 'log', '-1', '--format=%B', '--', path), new RegExp(`Document-Id: ${doc.id}`));
  });

  test('rename and move keep one history under git log --follow', async () => {
    const dump = await fx.control.state();
    const docs = dump.items.filter((i) => i.kind === 'document' && !i.deleted);
    const renamed = docs[1]!;
    const moved = docs.find((d) => d.id !== renamed.id && d.parentId === null && d.workspaceId === renamed.workspaceId) ?? docs[2]!;
    const folder = dump.items.find((i) => i.kind === 'folder' && i.workspaceId === moved.workspaceId && !i.deleted)!;
    const before = manifest(repo);
    await fx.control.mutate({ op: 'rename', id: renamed.id, name: 'Renamed by test.bin' });
    await fx.control.mutate({ op: 'move', id: moved.id, parentId: folder.id });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.counts.renamed, 1);
    assert.equal(report.counts.moved, 1);
    const after = manifest(repo);
    for (const id of [renamed.id, moved.id]) {
      const oldPath = before.get(String(id))!.path;
      const newPath = after.get(String(id))!.path;
      assert.notEqual(oldPath, newPath);
      assert.ok(!gitFiles(repo).includes(oldPath), `${oldPath} is gone from the tree`);
      const follow = git(repo, 'log', '--follow', '--name-only', '--format=%H', '--', newPath);
      assert.ok(follow.includes(oldPath), `git log --follow ${newPath} reaches ${oldPath}`);
      assert.ok(git(repo, 'log', '--follow', '--format=%H', '--', newPath).trim().split('\n').length >= 2);
    }
    assert.match(after.get(String(renamed.id))!.path, /Renamed by test\.bin$/);
  });

  test('a deleted document stays in the repo and is marked deleted in the manifest and the report', async () => {
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    const path = manifest(repo).get(String(doc.id))!.path;
    await fx.control.mutate({ op: 'delete', id: doc.id });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.counts.deleted, 1);
    assert.ok(report.changes.some((c) => c.type === 'deleted' && c.id === String(doc.id)));
    assert.ok(gitFiles(repo).includes(path), 'the file is still in the tree');
    const e = manifest(repo).get(String(doc.id))!;
    assert.ok(e.deletedAt, 'manifest marks it deleted');
    assert.equal(e.path, path);
    // And the next run neither re-deletes nor resurrects it.
    const again = await runSync(fx.sim, repo);
    assert.equal(again.counts.deleted, 0);
    assert.equal(again.commits, 0);
  });

  test('an archived workspace is kept and marked archived', async () => {
    const dump = await fx.control.state();
    const ws = dump.workspaces.find((w) => !w.archived)!;
    const files = gitFiles(repo).filter((f) => f.startsWith(manifest(repo).get(String(ws.id))!.path + '/'));
    await fx.control.mutate({ op: 'archiveWorkspace', workspaceId: ws.id, archived: true });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.counts.archived, 1);
    assert.ok(manifest(repo).get(String(ws.id))!.archivedAt);
    for (const f of files) assert.ok(gitFiles(repo).includes(f), `${f} kept`);
    assert.equal(report.counts.deleted, 0);
  });

  test('losing the state file costs nothing: it is rebuilt from the manifest and nothing is downloaded', async () => {
    const gitDir = git(repo, 'rev-parse', '--absolute-git-dir').trim();
    const { rmSync } = await import('node:fs');
    rmSync(join(gitDir, 'workspace-backup'), { recursive: true, force: true });
    await fx.control.clearRequests();
    const report = await runSync(fx.sim, repo);
    assert.equal(report.stateRebuilt, true);
    assert.equal(report.commits, 0);
    assert.equal((await fx.control.requests()).filter((r) => r.path.startsWith('/1/documents/')).length, 0);
  });

  test('a corrupt state file is replaced, not trusted', async () => {
    const gitDir = git(repo, 'rev-parse', '--absolute-git-dir').trim();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(gitDir, 'workspace-backup', 'state.db'), 'this is not sqlite'.repeat(100));
    const report = await runSync(fx.sim, repo);
    assert.equal(report.stateRebuilt, true);
    assert.equal(report.commits, 0);
    assert.equal(report.complete, true);
  });

  test('--dry-run plans and writes nothing', async () => {
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    await fx.control.mutate({ op: 'edit', id: doc.id });
    const commits = commitCount(repo);
    await fx.control.clearRequests();
    const report = await runSync(fx.sim, repo, { dryRun: true });
    assert.equal(report.counts.modified, 1);
    assert.equal(commitCount(repo), commits);
    assert.equal((await fx.control.requests()).filter((r) => r.path.startsWith('/1/documents/')).length, 0);
    const real = await runSync(fx.sim, repo);
    assert.equal(real.counts.modified, 1, 'the dry run did not record the change as done');
  });
});

describe('the client works with every variant the research leaves open', () => {
  const variants: Array<[string, Record<string, unknown>, 'oauth1' | 'oauth2']> = [
    ['defaults, OAuth2', {}, 'oauth2'],
    ['empty lists omitted', { omitEmptyLists: true }, 'oauth1'],
    ['no size and no ver_nr on documents', { documentSize: false, documentVerNr: false }, 'oauth1'],
    ['downloads redirect to storage', { downloadRedirect: true }, 'oauth1'],
    ['JSON error bodies, short OAuth2 tokens', { errorFormat: 'json', tokenLifetimeSeconds: 2, emitExpiresIn: true }, 'oauth2'],
    ['small workspace pages', { pageLimitDefault: 1 }, 'oauth1'],
  ];
  for (const [name, switches, auth] of variants) {
    test(name, async () => {
      const fx = await startSim({ seed: 5, documents: 20, switches });
      try {
        const repo = await tempDir('wb-var-');
        const report = await runSync(fx.sim, repo, { auth });
        assert.equal(report.complete, true, JSON.stringify(report.failures));
        assert.ok((await assertBytesMatch(fx, repo)) >= 20);
        const dump = await fx.control.state();
        const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
        await fx.control.mutate({ op: 'edit', id: doc.id });
        const second = await runSync(fx.sim, repo, { auth });
        assert.equal(second.counts.modified, 1, 'the edit is found');
        assert.equal(second.documentsDownloaded, 1, 'only the edited document is downloaded');
        await assertBytesMatch(fx, repo);
      } finally {
        await fx.close();
      }
    });
  }
});

describe('faults', () => {
  test('with 429s, 5xx and resets on 20% of calls the run completes with every byte right', async () => {
    const fx = await startSim({ seed: 3, documents: 40 });
    try {
      await fx.control.faults([
        { path: '.*', kind: '429', rate: 0.07, retryAfter: 1 },
        { path: '.*', kind: '503', rate: 0.07 },
        { path: '^/1/documents/', kind: 'reset', rate: 0.06 },
        { path: '^/1/documents/', kind: 'short', rate: 0.05 },
      ]);
      const repo = await tempDir('wb-fault-');
      const report = await runSync(fx.sim, repo);
      const hits = (await fx.control.requests()).filter((r) => r.status === 429 || r.status >= 500).length;
      assert.ok(hits > 0, 'faults were injected');
      assert.equal(report.complete, true, JSON.stringify(report.failures));
      await fx.control.clearFaults();
      assert.ok((await assertBytesMatch(fx, repo)) >= 40);
    } finally {
      await fx.close();
    }
  });

  test('a download that stays truncated is reported failed, and nothing half-written is committed', async () => {
    const fx = await startSim({ seed: 4, documents: 15 });
    try {
      const dump = await fx.control.state();
      const victim = dump.items.find((i) => i.kind === 'document' && !i.deleted && (i as { versions?: Array<{ size: number }> }).versions!.at(-1)!.size > 100)!;
      await fx.control.faults([{ path: `^/1/documents/${victim.id}$`, kind: 'short', rate: 1 }]);
      const repo = await tempDir('wb-trunc-');
      const report = await runSync(fx.sim, repo);
      assert.equal(report.complete, false);
      assert.equal(report.counts.failed, 1);
      assert.equal(report.failures[0]!.id, String(victim.id));
      assert.ok(!manifest(repo).has(String(victim.id)), 'no manifest entry for the failed document');
      assert.equal(gitFiles(repo).filter((f) => !f.startsWith('.workspace-backup/')).length, manifest(repo).size - [...manifest(repo).values()].filter((e) => e.kind === 'folder' || e.kind === 'workspace').length, 'every file in the tree has its manifest entry');
      assert.equal(git(repo, 'log', '--all', '--format=%B').includes(`Document-Id: ${victim.id}`), false, 'no commit carries it');
      // Everything else is there, and the next run (fault gone) completes it.
      await fx.control.clearFaults();
      const next = await runSync(fx.sim, repo);
      assert.equal(next.complete, true);
      assert.equal(next.counts.new, 1);
      await assertBytesMatch(fx, repo);
    } finally {
      await fx.close();
    }
  });
});

describe('large files', () => {
  test('files above the threshold go to git LFS and check out whole', async () => {
    const fx = await startSim({ seed: 9, documents: 10, largeDocuments: [3 * 1024 * 1024] });
    try {
      const repo = await tempDir('wb-lfs-');
      const report = await runSync(fx.sim, repo, { lfsThreshold: 1024 * 1024 });
      assert.equal(report.complete, true, JSON.stringify(report.failures));
      const big = [...manifest(repo).values()].filter((e) => e.lfs);
      assert.ok(big.length >= 1);
      for (const e of big) {
        assert.match(git(repo, 'cat-file', 'blob', `HEAD:${e.path}`), /^version https:\/\/git-lfs.github.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize \d+\n$/);
        assert.match(git(repo, 'check-attr', 'filter', '--', e.path), /filter: lfs/);
        const onDisk = readFileSync(join(repo, e.path));
        assert.equal(onDisk.length, e.size);
        assert.equal(process.getBuiltinModule('node:crypto').createHash('sha256').update(onDisk).digest('hex'), e.sha256);
      }
      assert.equal(git(repo, 'status', '--porcelain').trim(), '', 'the working tree is clean after the run');
    } finally {
      await fx.close();
    }
  });
});

test('an OAuth2 token that expires between uses is renewed, not reported as bad credentials', async () => {
  const fx = await startSim({ seed: 12, documents: 10, switches: { tokenLifetimeSeconds: 600 } });
  try {
    const repo = await tempDir('wb-token-');
    const connector = connectorFor(fx.sim, 'oauth2');
    const first = await sync({ connector, repoDir: repo });
    assert.equal(first.complete, true);
    // The service's clock moves past the token's life; the client still holds the old token.
    const res = await fetch(`${fx.sim.url}/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 3600 }) });
    assert.equal(res.status, 200);
    await fx.control.clearRequests();
    const dump = await fx.control.state();
    await fx.control.mutate({ op: 'edit', id: dump.items.find((i) => i.kind === 'document' && !i.deleted)!.id });
    const second = await sync({ connector, repoDir: repo, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    assert.equal(second.complete, true, JSON.stringify(second.failures));
    assert.equal(second.counts.modified, 1);
    const log = await fx.control.requests();
    assert.ok(log.some((r) => r.status === 401), 'the old token was refused once');
    assert.ok(log.some((r) => r.path === '/oauth2/access_token'), 'a new token was fetched');
  } finally {
    await fx.close();
  }
});

test('two documents that swap names keep their own bytes and histories', async () => {
  const fx = await startSim({ seed: 13, documents: 12, hostileNames: false });
  try {
    const repo = await tempDir('wb-swap-');
    await runSync(fx.sim, repo);
    const dump = await fx.control.state();
    const [a, b] = dump.items.filter((i) => i.kind === 'document' && i.parentId === null && i.workspaceId === dump.workspaces[0]!.id);
    assert.ok(a && b, 'two documents at one workspace root');
    const before = manifest(repo);
    await fx.control.mutate({ op: 'rename', id: a.id, name: 'swap-tmp' });
    await fx.control.mutate({ op: 'rename', id: b.id, name: a.name });
    await fx.control.mutate({ op: 'rename', id: a.id, name: b.name });
    await fx.control.clearRequests();
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, true);
    assert.equal(report.documentsDownloaded, 0, 'renames need no download');
    const after = manifest(repo);
    assert.equal(after.get(String(a.id))!.path, before.get(String(b.id))!.path);
    assert.equal(after.get(String(b.id))!.path, before.get(String(a.id))!.path);
    for (const doc of [a, b]) {
      assert.equal(blobSha256(repo, after.get(String(doc.id))!.path), (await fx.control.sha256(doc.id)).sha256, `bytes of ${doc.name}`);
    }
  } finally {
    await fx.close();
  }
});

test('a folder rename moves everything inside it in one commit, each file follows, and the site history shows each move', async () => {
  const fx = await startSim({ seed: 14, documents: 30, hostileNames: false });
  try {
    const repo = await tempDir('wb-folder-');
    await runSync(fx.sim, repo);
    const dump = await fx.control.state();
    const folder = dump.items.find((i) => i.kind === 'folder' && dump.items.filter((d) => d.parentId === i.id && d.kind === 'document').length >= 2)!;
    const inside = dump.items.filter((d) => d.parentId === folder.id && d.kind === 'document');
    const commits = commitCount(repo);
    await fx.control.mutate({ op: 'rename', id: folder.id, name: 'Renamed folder' });
    const report = await runSync(fx.sim, repo);
    assert.equal(report.counts.renamed, 1, 'one rename: the folder');
    assert.equal(commitCount(repo) - commits, 2, 'the move commit and the manifest commit');
    // The site's history of each document inside shows the move, at its new path, with its unchanged content.
    const history = await readHistory(await Git.init(repo, 'main'), 'HEAD');
    const moveCommit = git(repo, 'log', '-1', '--format=%H', '--grep=^Folder-Id:').trim();
    for (const d of inside) {
      const p = manifest(repo).get(String(d.id))!.path;
      assert.match(p, /\/Renamed folder\//);
      assert.ok(git(repo, 'log', '--follow', '--format=%H', '--', p).trim().split('\n').length >= 2, `${p} follows`);
      const versions = history.get(String(d.id)) ?? [];
      assert.equal(versions.length, 2, JSON.stringify(versions));
      assert.deepEqual({ ...versions[0], date: undefined, author: undefined }, { commit: moveCommit, change: 'move', path: p, blob: git(repo, 'rev-parse', `HEAD:${p}`).trim(), date: undefined, author: undefined });
      assert.equal(versions[1]!.change, 'content');
    }
  } finally {
    await fx.close();
  }
});

test('a full resync finds a document corrupted in the repo, restores its bytes, reports the drift, and deletes nothing', async () => {
  const fx = await startSim({ seed: 15, documents: 12, hostileNames: false });
  try {
    const repo = await tempDir('wb-resync-');
    await runSync(fx.sim, repo);
    const victim = [...manifest(repo).values()].find((e) => e.kind === 'document' && !e.lfs)!;
    const files = gitFiles(repo);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(repo, victim.path), 'corrupted by someone');
    git(repo, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qam', 'hand edit');
    const plain = await runSync(fx.sim, repo);
    assert.equal(plain.drift.length, 0, 'an ordinary run does not re-read content');
    await fx.control.clearRequests();
    const report = await runSync(fx.sim, repo, { verifyAll: true });
    assert.equal(report.complete, true);
    assert.deepEqual(report.drift.map((d) => d.id), [victim.id]);
    assert.ok(report.documentsDownloaded >= 12, 'every document re-downloaded');
    assert.equal(blobSha256(repo, victim.path), victim.sha256);
    assert.deepEqual(gitFiles(repo).filter((f) => !f.startsWith('.workspace-backup/')), files.filter((f) => !f.startsWith('.workspace-backup/')), 'nothing deleted');
    assert.match(git(repo, 'log', '-1', '--format=%s', '--', victim.path), /^Repair /);
  } finally {
    await fx.close();
  }
});

test('recordRun writes a coverage report into the repo every run', async () => {
  const fx = await startSim({ seed: 16, documents: 8, hostileNames: false });
  try {
    const repo = await tempDir('wb-record-');
    const first = await runSync(fx.sim, repo, { recordRun: true });
    const second = await runSync(fx.sim, repo, { recordRun: true, now: () => new Date(Date.now() + 60_000) });
    assert.equal(second.commits, 1, 'the report is committed even when nothing changed');
    const runs = gitFiles(repo).filter((f) => f.startsWith('.workspace-backup/runs/'));
    assert.equal(runs.length, 2);
    const rec = JSON.parse(git(repo, 'cat-file', 'blob', `HEAD:${runs.sort()[0]}`)) as { complete: boolean; documentsDownloaded: number; workspaces: Array<{ listed: number }> };
    assert.equal(rec.complete, true);
    assert.equal(rec.documentsDownloaded, first.documentsDownloaded);
    assert.ok(rec.workspaces.reduce((n, w) => n + w.listed, 0) >= 8);
  } finally {
    await fx.close();
  }
});

test('downloads finishing together at a run’s first commit share one importer: no commit is lost', async () => {
  const fx = await startSim({ seed: 17, documents: 30, hostileNames: false });
  try {
    // No links, so the run's first commit comes from whichever concurrent download finishes first.
    for (const link of (await fx.control.state()).items.filter((i) => i.kind === 'link')) await fx.control.mutate({ op: 'delete', id: link.id });
    const repo = await tempDir('wb-race-');
    const report = await runSync(fx.sim, repo, { concurrency: 8 });
    assert.equal(report.complete, true);
    assert.ok((await assertBytesMatch(fx, repo)) >= 30);
    assert.equal(Number(git(repo, 'rev-list', '--count', 'HEAD').trim()), report.commits);
  } finally {
    await fx.close();
  }
});
