// The Action end to end, run as the runner runs it: `node dist/index.js` with INPUT_* and GITHUB_* against the
// Projectplace simulator, the local cache service (real @actions/cache over azurite), a local GitHub API and a bare remote.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createActionHarness, filesUnder, type ActionHarness, type ActionRun } from '../helpers/action-harness.ts';
import { blobSha256, git, repoRoot, type SimFixture } from '../helpers/env.ts';
import { findLeaks, simSecrets, tracesUnder } from '../helpers/secrets.ts';
import { startProsonataSim } from '../../src/sim/prosonata/index.ts';

describe('the Action, run as the runner runs it', () => {
  let h: ActionHarness;
  let fx: SimFixture;
  let cache: ActionHarness['cache'];
  let api: ActionHarness['api'];
  let root: string;
  let remote: string;
  let runAction: ActionHarness['runAction'];

  before(async () => {
    h = await createActionHarness({ seed: 41, documents: 25, largeDocuments: [2 * 1024 * 1024] });
    ({ fx, cache, api, root, remote, runAction } = h);
  });
  after(() => h?.close());

  /** Output as the runner shows it: the ::add-mask:: commands are how secrets get masked, and are not shown. */
  const shown = (text: string) => text.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');

  function assertNoSecrets(run: ActionRun): void {
    assert.ok(run.stdout.includes(`::add-mask::${fx.sim.credentials.clientSecret}`), 'the client secret is registered with the runner for masking');
    const secrets = [...simSecrets(fx.sim), api.token];
    const stateFiles = filesUnder(join(run.workspace, '.git', 'workspace-backup')).filter((f) => f.endsWith('.db'));
    assert.ok(stateFiles.length > 0, 'the state file (what goes to the cache) was searched');
    const traces = [
      { where: 'output', text: [shown(run.stdout), shown(run.stderr)].join('\n') },
      { where: 'summary and outputs', text: run.summary + JSON.stringify(run.outputs) },
      // The job's workspace (state, LFS objects, git objects) and what was pushed.
      ...tracesUnder(run.workspace),
      ...tracesUnder(remote),
    ];
    assert.deepEqual(findLeaks(traces, secrets), []);
  }

  async function downloads(): Promise<number> {
    return (await fx.control.requests()).filter((r) => r.method === 'GET' && r.path.startsWith('/1/documents/')).length;
  }

  test('run 1 backs up everything and pushes it, LFS objects included', async () => {
    // With the runner's debug logging on (ACTIONS_STEP_DEBUG), as an admin would turn it on to investigate.
    const r = await runAction({}, { RUNNER_DEBUG: '1' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /::debug::/);
    assert.ok(Number(r.outputs['documents-added']) >= 25, JSON.stringify(r.outputs));
    assert.equal(r.outputs.complete, 'true');
    assert.equal(r.outputs.verified, 'true');
    assert.match(r.summary, /\| verify \| ok \(\d+ entries/);
    assert.equal(git(remote, 'rev-parse', 'main').trim(), r.outputs['commit-sha']);
    assert.match(r.summary, /Projectplace backup: complete/);
    assert.match(r.summary, /\| new \| \d+ \|/);
    // The LFS object reached the remote's LFS store (a file:// remote keeps them under lfs/objects).
    const lfsObjects = filesUnder(remote).filter((f) => /\/lfs\/objects\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f));
    assert.ok(lfsObjects.length >= 1, 'LFS object pushed');
    // The workspace held only the manifest, never the documents.
    assert.ok(!filesUnder(r.workspace).some((f) => f.includes('/Projectplace/')), 'no document on the runner disk');
    assert.ok(cache.entries().length >= 1, 'state saved to the cache');
    assertNoSecrets(r);
  });

  test('run 2 restores the state from the cache and downloads nothing', async () => {
    await fx.control.clearRequests();
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /State restored from the cache/);
    assert.doesNotMatch(r.stdout, /state rebuilt/);
    assert.equal(await downloads(), 0);
    assert.equal(r.outputs['documents-added'], '0');
    assertNoSecrets(r);
  });

  test('run 3, with the cache evicted, rebuilds state from the repo and downloads nothing', async () => {
    await cache.evictAll();
    await fx.control.clearRequests();
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /state rebuilt from the repo's manifest/);
    assert.equal(await downloads(), 0);
  });

  test('run 4 commits just the scripted change', async () => {
    const dump = await fx.control.state();
    const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted && i.name.endsWith('.docx')) ?? dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
    const before = git(remote, 'rev-parse', 'main').trim();
    await fx.control.clearRequests();
    await fx.control.mutate({ op: 'edit', id: doc.id });
    const r = await runAction({});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs['documents-changed'], '1');
    assert.equal(await downloads(), 1);
    const changed = git(remote, 'diff', '--name-only', before, 'main').trim().split('\n');
    const documents = changed.filter((f) => !f.startsWith('.workspace-backup/'));
    assert.equal(documents.length, 1, changed.join(', '));
  });

  test('a full resync after a file was corrupted in the repo restores the right bytes and reports the drift', async () => {
    // Someone pushes a corrupted document to the backup repo.
    const manual = join(root, 'manual');
    git(root, 'clone', '-q', remote, manual);
    const manifestText = git(manual, 'show', 'HEAD:' + git(manual, 'ls-tree', '-r', '--name-only', 'HEAD', '.workspace-backup/manifest/').trim().split('\n')[0]);
    const victim = manifestText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; path: string; lfs?: boolean; sha256?: string; deletedAt?: string }).find((e) => e.kind === 'document' && !e.lfs && !e.deletedAt)!;
    writeFileSync(join(manual, victim.path), 'corrupted');
    git(manual, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qam', 'oops');
    git(manual, 'push', '-q', 'origin', 'main');
    const r = await runAction({ 'full-resync': 'true' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.summary, /Drift repaired/);
    assert.match(r.summary, /\| repaired drift \| 1 \|/);
    assert.equal(blobSha256(remote, victim.path, 'main'), victim.sha256, 'the remote holds the right bytes again');
    assert.ok(Number(r.outputs['documents-changed']) >= 1);
    assert.equal(r.outputs['documents-deleted'], '0');
    assert.equal(r.outputs.verified, 'true');
  });

  test('the nightly verify catches a document removed from the repo by hand; the job fails saying what to do, and a full resync repairs it', async () => {
    const manual = join(root, 'manual-rm');
    git(root, 'clone', '-q', remote, manual);
    const file = git(manual, 'ls-tree', '-r', '--name-only', 'HEAD', 'Projectplace/').trim().split('\n').find((f) => !f.endsWith('.url'))!;
    git(manual, 'rm', '-q', '--', file);
    git(manual, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qm', 'tidy up');
    git(manual, 'push', '-q', 'origin', 'main');

    const r = await runAction({});
    assert.notEqual(r.code, 0, 'the job fails');
    assert.equal(r.outputs.verified, 'false');
    assert.match(r.summary, /Verify found problems/);
    assert.ok(r.summary.includes(file.replace(/[|<>&]/g, (c) => ({ '|': '\\|', '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)), 'the summary names the file');
    assert.match(r.summary, /full-resync/, 'and says what to do');
    assert.equal(git(remote, 'rev-parse', 'main').trim(), r.outputs['commit-sha'], 'the run was still pushed');

    const fixed = await runAction({ 'full-resync': 'true' });
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.equal(fixed.outputs.verified, 'true');
    assert.match(fixed.summary, /\| verify \(read back\) \| ok/);
    assert.ok(git(remote, 'ls-tree', '-r', '--name-only', 'main', '--', file).trim() === file, 'the file is back');
  });

  test('failing runs open one alert issue and update it; a good run closes it', async () => {
    const bad = await runAction({ 'client-secret': 'definitely-wrong-secret' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /client-id and client-secret/);
    assert.ok(!shown(bad.stdout + bad.stderr + bad.summary).includes('definitely-wrong-secret'));
    let open = api.issues().filter((i) => i.state === 'open');
    assert.equal(open.length, 1);
    const number = open[0]!.number;
    const again = await runAction({ 'client-secret': 'definitely-wrong-secret' });
    assert.notEqual(again.code, 0);
    open = api.issues().filter((i) => i.state === 'open');
    assert.equal(open.length, 1, 'still one issue');
    assert.equal(open[0]!.number, number);
    assert.ok(open[0]!.comments.length >= 1, 'the second failure was added to it');
    const good = await runAction({});
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.equal(api.issues().find((i) => i.number === number)!.state, 'closed');
  });

  test('pages: a private Pages site gets the rendered backup; a public one is refused and the backup still lands', async () => {
    api.setPages({ enabled: true, public: false });
    // Two threads asked for (a site this small renders on one by default): the bundled render worker does its share.
    const ok = await runAction({ pages: 'true' }, { WORKSPACE_BACKUP_RENDER_THREADS: '1' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Site rendered: \d+ pages on 2 threads/);
    assert.match(ok.outputs['site-url'] ?? '', /^https:\/\//);
    assert.match(ok.summary, /Browse the backup: https:\/\//);
    assert.equal(api.pagesDeployments().length, 1);
    assert.ok(h.artifact.artifacts().some((a) => a.name === 'github-pages'), 'the site was uploaded as the github-pages artifact');
    const before = git(remote, 'rev-parse', 'main').trim();
    api.setPages({ public: true });
    const refused = await runAction({ pages: 'true' });
    assert.equal(refused.code, 0, 'the backup itself still succeeds');
    assert.match(refused.stdout, /Site rendered: \d+ pages on 1 thread\b/);
    assert.equal(refused.outputs['site-url'], '');
    assert.match(refused.summary, /site was not published: .*public/i);
    assert.match(refused.stdout, /::warning::.*not published/);
    assert.equal(api.pagesDeployments().length, 1, 'no deployment for a public site');
    assert.notEqual(git(remote, 'rev-parse', 'main').trim(), before, 'the run still committed its report');
  });

  test('sources: ProSonata is backed up beside Projectplace in the same job; the summary has both, the outputs add up, its key is masked', async () => {
    const ps = await startProsonataSim({ seed: 42, plan: 20, counts: { projecttimes: 120 } });
    try {
      const key = ps.credentials.appKey;
      const r = await runAction({ sources: JSON.stringify([{ type: 'prosonata', url: ps.url, 'app-id': ps.credentials.appId, 'api-key': key }]) });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(r.stdout.includes(`::add-mask::${key}`), 'the ProSonata key is registered with the runner for masking');
      assert.match(r.summary, /## Projectplace backup: complete[\s\S]*## ProSonata backup: complete/);
      assert.match(r.summary, /\| projecttimes \| 120 \|/);
      assert.equal(r.outputs.complete, 'true');
      assert.ok(Number(r.outputs['documents-added']) >= 120, JSON.stringify(r.outputs));
      const pushed = git(remote, 'ls-tree', '-r', '--name-only', 'main', '--', 'ProSonata/projecttimes/').trim().split('\n');
      assert.equal(pushed.length, 120);
      assert.equal(git(remote, 'rev-parse', 'main').trim(), r.outputs['commit-sha']);
      assert.deepEqual(findLeaks([{ where: 'output', text: shown(r.stdout) + shown(r.stderr) + r.summary }], [key]), []);
    } finally {
      await ps.close();
    }
  });

  test('a dirty dist/ is caught: the committed bundle equals a fresh build', async () => {
    const out = join(root, 'fresh-dist.js');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'scripts/build-dist.ts'), out], { cwd: repoRoot, stdio: 'inherit' });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${code}`))));
    });
    assert.ok(readFileSync(out).equals(readFileSync(join(repoRoot, 'dist/index.js'))), 'dist/index.js is stale: run npm run build and commit dist/');
    assert.ok(readFileSync(join(root, 'render-worker.js')).equals(readFileSync(join(repoRoot, 'dist/render-worker.js'))), 'dist/render-worker.js is stale: run npm run build and commit dist/');
  });
});
