// Crash campaign, short version (issue 6, "Nothing lost"): kill -9 the CLI and the Action at a dozen crash points
// (listing, transfer, LFS, commit, manifest, ref update, state, push) on a small account; after each kill a normal
// run completes, verify --read-data passes, the repo equals the service and equals an uninterrupted run's repo
// (same paths, bytes, manifest and per-document history), the working tree shows the branch, and no byte is lost.
// Two points sit inside git (a hook, a filter): git killed holding refs/heads/main.lock made every later run fail, and
// killed holding index.lock left the working tree stale for good, until src/engine/store/run-marker.ts. The full
// campaign (every point, a large account) is scripts/campaign-crash.ts.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCrashSpec } from '../../src/lib/crash-point.ts';
import { Logger } from '../../src/lib/log.ts';
import { git, repoRoot, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';
import { campaignTable, pointLabel, prepareReference, runCrashCampaign, shortPoints, shortScale, type PreparedReference } from './crash-campaign.ts';
import { bytesLost, compareSnapshots, lfsObjectsDir, missingLfsObjects, snapshotRepo } from './crash-snapshot.ts';
import { verifyRepo } from './crash-verify.ts';

describe('crash points', () => {
  const script = (calls: number) =>
    `import { crashPoint } from ${JSON.stringify(join(repoRoot, 'src/lib/crash-point.ts'))};\n` +
    `for (let i = 1; i <= ${calls}; i++) { crashPoint('other'); crashPoint('here'); process.stdout.write('passed ' + i + '\\n'); }\n`;
  const run = (env: string | undefined) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script(3)], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', WORKSPACE_BACKUP_CRASH_AT: env ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  test('unset, or naming another point, they do nothing', () => {
    for (const env of [undefined, 'elsewhere:1', 'here:4', 'not a spec']) {
      const r = run(env);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'passed 1\npassed 2\npassed 3\n');
      assert.doesNotMatch(r.stderr, /CRASH-POINT/);
    }
  });

  test('<name>:<n>:self announces the n-th arrival on stderr and dies there by SIGKILL', () => {
    const r = run('here:2:self');
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.stdout, 'passed 1\n', 'nothing after the point ran');
    assert.equal(r.stderr, 'CRASH-POINT here 2\n');
  });

  test('<name>:<n> blocks at the point, doing nothing more, until killed (the campaign kills the process group)', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(3)], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', WORKSPACE_BACKUP_CRASH_AT: 'here:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), stderr.includes('\n') && resolve())));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(child.exitCode, null, 'still there');
    assert.equal(stdout, '', 'nothing after the point ran');
    child.kill('SIGKILL');
    assert.equal(await closed, 'SIGKILL');
    assert.equal(stderr, 'CRASH-POINT here 1\n');
  });

  test('specs are parsed strictly', () => {
    assert.deepEqual(parseCrashSpec('commit.sent:30'), { name: 'commit.sent', n: 30, self: false });
    assert.deepEqual(parseCrashSpec('push.pushed:1:self'), { name: 'push.pushed', n: 1, self: true });
    for (const bad of [undefined, '', 'commit.sent', 'commit.sent:0', 'commit.sent:x', 'a:1:other']) assert.equal(parseCrashSpec(bad), undefined, String(bad));
  });
});

describe('after a killed run', () => {
  let fx: SimFixture;
  before(async () => {
    fx = await startSim({ seed: 9, documents: 12, hostileNames: false });
  });
  after(() => fx.close());

  /** A repo whose previous run (process `pid`) died while git held the lock on the branch. */
  async function repoKilledHoldingBranchLock(pid: number): Promise<string> {
    const repo = await tempDir('wb-killed-');
    assert.equal((await runSync(fx.sim, repo)).complete, true);
    const gitDir = git(repo, 'rev-parse', '--absolute-git-dir').trim();
    writeFileSync(join(gitDir, 'workspace-backup', 'run.json'), JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    writeFileSync(join(gitDir, 'refs', 'heads', 'main.lock'), '');
    // What git fast-import was writing when it was killed: a pack nothing refers to.
    writeFileSync(join(gitDir, 'objects', 'pack', 'tmp_pack_Ab12Cd'), Buffer.alloc(4096, 1));
    await fx.control.mutate({ op: 'edit', id: (await fx.control.state()).items.find((i) => i.kind === 'document')!.id, at: 1_760_000_000 + pid % 1000 });
    return repo;
  }

  test("the next run removes the locks git left when the run's process is gone, and completes", async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const repo = await repoKilledHoldingBranchLock(gone);
    const warnings: string[] = [];
    const report = await runSync(fx.sim, repo, { logger: new Logger({ sink: (level, line) => void (level === 'warn' && warnings.push(line)) }) });
    assert.equal(report.complete, true);
    assert.equal(report.counts.modified, 1);
    assert.ok(warnings.some((w) => /did not finish .*removed the lock files git left: refs\/heads\/main\.lock; removed the unfinished packs git was writing: objects\/pack\/tmp_pack_Ab12Cd/.test(w)), warnings.join('\n'));
    assert.equal(existsSync(join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'objects', 'pack', 'tmp_pack_Ab12Cd')), false, 'the unfinished pack is gone');
    assert.equal(git(repo, 'rev-parse', 'main').trim(), report.commitSha);
    assert.equal(git(repo, 'status', '--porcelain'), '');
    assert.equal(existsSync(join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'workspace-backup', 'run.json')), false, 'the marker goes when the run ends');
  });

  test('a lock whose run may still be alive is left alone (git says what to do)', async () => {
    const repo = await repoKilledHoldingBranchLock(process.pid);
    await assert.rejects(runSync(fx.sim, repo), /cannot lock ref 'refs\/heads\/main'/);
    assert.ok(existsSync(join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'refs', 'heads', 'main.lock')));
    assert.ok(existsSync(join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'objects', 'pack', 'tmp_pack_Ab12Cd')), 'a pack a live run may be writing is left alone');
  });
});

describe('crash campaign (short)', () => {
  let root: string;
  let ref: PreparedReference;
  before(async () => {
    root = await tempDir('wb-crash-test-');
    ref = await prepareReference(shortScale, root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the judges can fail: a repo that missed a run differs and has lost bytes; a damaged LFS object fails verify', async () => {
    // The base (first backup only) is what a run that lost the second run's work would leave.
    const base = snapshotRepo(ref.base);
    const diff = compareSnapshots(base, ref.snap, 100_000);
    assert.ok(diff.some((d) => d.startsWith('history of ')), diff.join('\n'));
    assert.ok(diff.some((d) => d.startsWith('missing ') || d.startsWith('different bytes')), diff.join('\n'));
    assert.ok(bytesLost(base, ref.snap, ref.dir, []) > 0);
    // Flip a byte of one LFS object of a copy of the reference.
    const copy = join(root, 'damaged');
    execFileSync('cp', ['-a', ref.dir, copy]);
    const snap = snapshotRepo(copy);
    const [path, pointer] = [...snap.pointers][0]!;
    const object = join(lfsObjectsDir(copy), pointer.oid.slice(0, 2), pointer.oid.slice(2, 4), pointer.oid);
    execFileSync('chmod', ['u+w', object]);
    writeFileSync(object, Buffer.from('not the bytes'), { flag: 'r+' });
    const v = await verifyRepo(copy, { readData: true });
    assert.equal(v.ok, false, `verify --read-data must see the damaged object of ${path}`);
    const missing = await missingLfsObjects(snap, lfsObjectsDir(copy));
    assert.deepEqual(missing.map((m) => m.path), [path]);
    assert.equal(bytesLost(snap, ref.snap, ref.dir, missing), pointer.size);
    assert.deepEqual(compareSnapshots(snap, ref.snap), [], 'same commits: only the object store differs');
    // The reference has what the scenario promises: LFS content, moves, deletes, a new workspace, several authors.
    assert.ok(ref.snap.pointers.size >= 5);
    assert.ok([...ref.snap.manifest.values()].some((l) => l.includes('"deletedAt":"present"')));
    assert.ok([...ref.snap.manifest.values()].some((l) => l.includes('"archivedAt":"present"')));
    assert.ok([...ref.snap.manifest.values()].some((l) => l.includes('Crash campaign workspace')));
    assert.ok(git(ref.dir, 'log', '--format=%s', 'main').includes('Rename '));
  });

  test(`kill -9 at ${shortPoints.length} points: every next run completes, verifies, equals the uninterrupted run, loses nothing`, async (t) => {
    const result = await runCrashCampaign(shortScale, shortPoints, { reference: ref, log: (l) => t.diagnostic(l) });
    const table = campaignTable(result);
    t.diagnostic('\n' + table);
    const failures = result.rows.filter((r) => !r.ok).map((r) => `${pointLabel(r.kill)}:\n  ${r.problems.slice(0, 8).join('\n  ')}`);
    assert.deepEqual(failures, [], table);
    assert.equal(result.rows.length, shortPoints.length);
    for (const r of result.rows) {
      assert.ok(r.reached, `${pointLabel(r.kill)} was reached`);
      assert.equal(r.bytesLost, 0);
      assert.equal(r.equal, 'yes');
    }
    // Every phase of a run is covered, and both adapters.
    assert.deepEqual(new Set(result.rows.map((r) => r.kill.phase)), new Set(['listing', 'transfer', 'lfs', 'commit', 'manifest', 'ref', 'state', 'push']));
  });
});
