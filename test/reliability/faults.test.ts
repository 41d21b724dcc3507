// Fault campaign, short version (CI): every transport fault the simulator injects, at several rates, during a first
// backup and during an incremental one; documents edited or deleted between listing and download; folders moved
// mid-run; an OAuth2 token expiring mid-run. Each run finishes or fails clearly, commits no wrong byte, loses nothing;
// the next run (faults cleared) completes and leaves the repo equal to the service. The long version with more rates,
// seeds and a larger account is scripts/campaign-faults.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { midRunScenarios, problems, runScenario, transportKinds, transportScenario, type RunOutcome } from './campaign.ts';

const size = { documents: 12, workspaces: 3 };
const seed = 21;

function assertSound(outcomes: RunOutcome[]): void {
  assert.ok(outcomes.length > 0);
  for (const o of outcomes) {
    const where = `${o.scenario.id} [${o.phase} phase]`;
    assert.deepEqual(problems(o), [], `${where}: ${o.detail}`);
    assert.ok(o.result === 'finished' || o.result === 'failed-clearly', `${where}: ${o.result} ${o.detail}`);
    if (o.result === 'failed-clearly' && o.error) assert.equal(o.headAfter, o.headBefore, `${where}: a run that stopped moved the branch`);
    assert.equal(o.next.complete, true, `${where}: next run`);
  }
}

describe('transport faults on every API request', { concurrency: 4 }, () => {
  for (const kind of transportKinds) {
    for (const rate of [0.05, 0.2, 0.5]) {
      test(`${kind} at rate ${rate}`, async () => {
        const outcomes = await runScenario(transportScenario(kind, rate), seed, size);
        assertSound(outcomes);
        assert.ok(outcomes.some((o) => o.stats.lfsFiles >= 1), 'LFS pointers were checked against their objects');
        const fired = outcomes.reduce((n, o) => n + o.stats.faultsFired, 0);
        assert.ok(fired > 0, 'faults were injected');
        if (kind === '429') assert.ok(outcomes.some((o) => o.stats.status429 > 0));
        if (/^5/.test(kind)) assert.ok(outcomes.some((o) => o.stats.status5xx > 0));
        // At low rates the retries absorb everything.
        if (rate <= 0.05) for (const o of outcomes) assert.equal(o.result, 'finished', `${o.phase}: ${o.detail}`);
      });
    }
  }
});

describe('changes in the service during a run', { concurrency: 2 }, () => {
  const byId = new Map(midRunScenarios.map((s) => [s.id, s]));

  test('a document edited between listing and download: the new bytes are committed (a version the service served), the next run records the new version', async () => {
    const outcomes = await runScenario(byId.get('document edited between listing and download')!, seed, size);
    assertSound(outcomes);
    for (const o of outcomes) {
      assert.equal(o.stats.triggersFired, 2, `${o.phase}: both edits happened during the run`);
      assert.deepEqual(o.stats.triggerErrors, []);
      assert.equal(o.result, 'finished');
    }
  });

  test('a document deleted between listing and download: that download fails clearly, the earlier version stays, the next run marks it deleted', async () => {
    const outcomes = await runScenario(byId.get('document deleted between listing and download')!, seed, size);
    assertSound(outcomes);
    for (const o of outcomes) {
      assert.equal(o.stats.triggersFired, 2);
      assert.equal(o.result, 'failed-clearly', 'the document deleted before its download is a failure of this run');
      assert.match(o.detail, /404/);
      assert.equal(o.report?.failures.length, 1, 'only the one deleted before its download fails');
    }
  });

  test('folders moved mid-run, within a workspace and to another workspace', async () => {
    const outcomes = await runScenario(byId.get('folder moved mid-run')!, seed, size);
    assertSound(outcomes);
    for (const o of outcomes) {
      assert.ok(o.stats.triggersFired >= 2, `${o.phase}: ${o.stats.triggersFired} moves`);
      assert.deepEqual(o.stats.triggerErrors, []);
    }
  });

  test('an OAuth2 token that expires mid-run (revoked, then the clock past its lifetime) is renewed and the run finishes', async () => {
    const outcomes = await runScenario(byId.get('OAuth2 token expires mid-run')!, seed, size);
    assertSound(outcomes);
    for (const o of outcomes) {
      assert.equal(o.result, 'finished', o.detail);
      assert.ok(o.stats.triggersFired >= 2);
      assert.ok(o.stats.status401 >= 1, `${o.phase}: the expired token was refused`);
      assert.ok(o.stats.tokenFetches >= 2, `${o.phase}: a new token was fetched (${o.stats.tokenFetches})`);
    }
  });
});

test('a folder that moves to another workspace while both are listed: both are left as they were, the next run moves it', async () => {
  const { checkRepoAgainstSim, snapshotRepo } = await import('./repo-check.ts');
  const { runSync, startSim, tempDir } = await import('../helpers/env.ts');
  const fx = await startSim({ seed, documents: 30, hostileNames: false });
  try {
    const repo = await tempDir('wb-moved-');
    assert.equal((await runSync(fx.sim, repo)).complete, true);
    const before = await snapshotRepo(repo);
    const d = await fx.control.state();
    const [a, b] = d.workspaces.filter((w) => !w.archived);
    const folder = d.items.find((i) => i.kind === 'folder' && i.workspaceId === a!.id && d.items.some((x) => x.parentId === i.id && x.kind === 'document'))!;
    // A's tree is answered (with the folder), then the folder moves to B; B's first answer is a 503, so B's tree,
    // asked again a moment later, has the folder too.
    await fx.control.triggers([{ path: `^/1/projects/${a!.id}/documents$`, when: 'after', mutations: [{ op: 'move', id: folder.id, parentId: null, workspaceId: b!.id }] }]);
    await fx.control.faults([{ path: `^/1/projects/${b!.id}/documents$`, kind: '503', count: 1 }]);
    const report = await runSync(fx.sim, repo);
    await fx.control.clearFaults();
    assert.equal((await fx.control.triggerStatus()).fired[0]?.ids[0], folder.id, 'the move happened during the run');
    assert.equal(report.complete, false);
    assert.deepEqual(report.failures.map((f) => f.id).sort(), [a!.id, b!.id].map(String).sort());
    for (const f of report.failures) assert.match(f.error, new RegExp(`folder ${folder.id} was listed in two workspaces`));
    assert.equal(report.counts.deleted + report.counts.moved, 0, 'nothing moved or deleted on an inconsistent listing');
    assert.equal((await snapshotRepo(repo)).head, before.head, 'no commit');
    const next = await runSync(fx.sim, repo);
    assert.equal(next.complete, true);
    assert.ok(next.counts.moved >= 1);
    const check = await checkRepoAgainstSim(repo, fx.control);
    assert.ok(check.equal, JSON.stringify({ ...check, files: undefined }).slice(0, 2000));
  } finally {
    await fx.close();
  }
});
