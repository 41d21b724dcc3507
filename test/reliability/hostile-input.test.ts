// Hostile service input: listing endpoints that answer truncated or invalid JSON, wrong types, unknown fields, HTML or
// empty 200s, paging that repeats or never ends; and hostile names for workspaces, folders and documents. Each run
// ends in a clear error or a safe result: no path escapes the repo, no document backed up before is lost or marked
// deleted, a failed listing is never read as "everything deleted", and the next clean run completes and matches the
// service.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { git, oauth1Config, runCli, runSync, startSim, tempDir, writeConfig } from '../helpers/env.ts';
import { hostileScenario, nameScenarios, problems, runScenario, type HostileEndpoint, type HostileKindName, type RunOutcome } from './campaign.ts';
import { checkRepoAgainstSim, outsideRepo, snapshotRepo } from './repo-check.ts';

const size = { documents: 14, workspaces: 3 };
const seed = 33;

const endpointText: Record<HostileEndpoint, RegExp> = {
  workspaces: /POST \/2\/account\/projects/,
  tree: /GET \/1\/projects\/\d+\/documents/,
  members: /GET \/1\/account\/members/,
  token: /token endpoint \(POST \/oauth2\/access_token\)/,
};

const transient = new Set(['truncated-json', 'invalid-json', 'html-200', 'empty-200']);

function assertHostileOutcome(o: RunOutcome, kind: HostileKindName, endpoint: HostileEndpoint, how: 'always' | 'first 2'): void {
  assert.deepEqual(problems(o), [], o.detail);
  assert.ok(o.stats.faultsFired > 0, 'the hostile answer was given');
  const base = kind.split(':')[0]!;
  // A token response whose (absent) list became an object still carries its token: nothing to refuse.
  const harmless = endpoint === 'token' && kind === 'wrong-types:object-for-list';
  if (base === 'extra-fields' || harmless || (how === 'first 2' && transient.has(base))) {
    assert.equal(o.result, 'finished', `tolerated or retried: ${o.detail}`);
    return;
  }
  assert.equal(o.result, 'failed-clearly', o.detail);
  assert.match(o.detail, endpointText[endpoint], 'the error names the endpoint');
  if (endpoint === 'workspaces' || endpoint === 'token') {
    assert.ok(o.error, 'a workspace list that cannot be read stops the run');
    assert.equal(o.headAfter, o.headBefore, 'and leaves the repo untouched');
  } else {
    assert.ok(o.report && !o.report.complete);
    assert.ok(o.report.failures.every((f) => f.action === 'list' || f.action === 'download' || f.action === 'update'));
    assert.ok(o.report.workspaces.some((w) => w.listingError), 'the workspace report names the listing error');
    // Nothing in a workspace that could not be listed is deleted: at most the one deletion the day's changes made.
    assert.ok(o.report.counts.deleted <= 1, `deleted ${o.report.counts.deleted}`);
  }
  if (base === 'repeat-page' || base === 'endless-pages') assert.match(o.detail, /paging/);
}

const selection: Array<[HostileKindName, HostileEndpoint, 'always' | 'first 2']> = [
  ...(['truncated-json', 'invalid-json', 'wrong-types:id-object', 'wrong-types:name-number', 'wrong-types:list-for-object', 'wrong-types:object-for-list', 'extra-fields', 'html-200', 'empty-200'] as const).map(
    (k) => [k, 'tree', 'always'] as [HostileKindName, HostileEndpoint, 'always'],
  ),
  ...(['truncated-json', 'invalid-json', 'html-200', 'empty-200', 'wrong-types:id-object'] as const).map((k) => [k, 'tree', 'first 2'] as [HostileKindName, HostileEndpoint, 'first 2']),
  ...(['truncated-json', 'invalid-json', 'wrong-types:id-object', 'wrong-types:name-number', 'wrong-types:list-for-object', 'wrong-types:object-for-list', 'extra-fields', 'html-200', 'empty-200', 'repeat-page', 'endless-pages'] as const).map(
    (k) => [k, 'workspaces', 'always'] as [HostileKindName, HostileEndpoint, 'always'],
  ),
  ['truncated-json', 'workspaces', 'first 2'],
  ['html-200', 'workspaces', 'first 2'],
  ...(['truncated-json', 'html-200', 'wrong-types:object-for-list', 'wrong-types:name-number', 'extra-fields'] as const).map((k) => [k, 'members', 'always'] as [HostileKindName, HostileEndpoint, 'always']),
  ...(['truncated-json', 'invalid-json', 'html-200', 'wrong-types:id-object', 'wrong-types:list-for-object', 'extra-fields'] as const).map((k) => [k, 'token', 'always'] as [HostileKindName, HostileEndpoint, 'always']),
  ['truncated-json', 'token', 'first 2'],
];

describe('hostile answers on listing endpoints', { concurrency: 4 }, () => {
  for (const [kind, endpoint, how] of selection) {
    test(`${kind} on ${endpoint} (${how})`, async () => {
      const [o] = await runScenario(hostileScenario(kind, endpoint, how), seed, size);
      assertHostileOutcome(o!, kind, endpoint, how);
    });
  }
});

describe('hostile names', { concurrency: 2 }, () => {
  for (const s of nameScenarios) {
    test(s.id, async () => {
      const outcomes = await runScenario(s, seed, size);
      for (const o of outcomes) {
        assert.deepEqual(problems(o), [], o.detail);
        assert.equal(o.result, 'finished', o.detail);
        assert.ok((o.report?.counts.new ?? 0) >= 40, 'the hostile items were backed up');
      }
    });
  }
});

test('unknown fields everywhere are ignored: a run over an unchanged account changes nothing', async () => {
  const fx = await startSim({ seed, documents: 14 });
  try {
    const repo = await tempDir('wb-extra-');
    assert.equal((await runSync(fx.sim, repo)).complete, true);
    const head = (await snapshotRepo(repo)).head;
    await fx.control.faults([{ path: '^/(1|2)/', kind: 'extra-fields' }]);
    const report = await runSync(fx.sim, repo);
    assert.ok((await fx.control.faultStatus()).fired[0]! >= 4);
    assert.equal(report.complete, true);
    assert.equal(report.commits, 0);
    assert.ok(report.counts.unchanged >= 14);
    assert.deepEqual(report.changes, []);
    assert.equal((await snapshotRepo(repo)).head, head);
  } finally {
    await fx.close();
  }
});

test('a workspace whose listing keeps failing keeps every document it had: none deleted, none changed, the report says why', async () => {
  const fx = await startSim({ seed, documents: 24 });
  try {
    const box = await tempDir('wb-keep-');
    const repo = join(box, 'repo');
    assert.equal((await runSync(fx.sim, repo)).complete, true);
    const before = await snapshotRepo(repo);
    const dump = await fx.control.state();
    const ws = dump.workspaces[0]!;
    const inWs = [...before.manifest.values()].filter((e) => e.container === String(ws.id));
    assert.ok(inWs.filter((e) => e.kind === 'document').length >= 5);
    // The service changes things in that workspace too; the backup must not act on a listing it could not read.
    const doc = dump.items.find((i) => i.kind === 'document' && i.workspaceId === ws.id)!;
    await fx.control.mutate({ op: 'delete', id: doc.id });
    await fx.control.faults([{ path: `^/1/projects/${ws.id}/documents$`, kind: 'wrong-types', variant: 'list-for-object' }]);
    const report = await runSync(fx.sim, repo);
    assert.equal(report.complete, false);
    assert.equal(report.counts.deleted, 0, 'nothing deleted');
    const w = report.workspaces.find((x) => x.id === String(ws.id))!;
    assert.match(w.listingError!, new RegExp(`GET /1/projects/${ws.id}/documents is unusable`));
    assert.ok(w.listingError!.length < 400);
    const after = await snapshotRepo(repo);
    for (const e of inWs) assert.deepEqual(after.manifest.get(e.id), e, `entry ${e.id} unchanged`);
    assert.deepEqual(outsideRepo(box), []);
    await fx.control.clearFaults();
    const next = await runSync(fx.sim, repo);
    assert.equal(next.complete, true);
    assert.equal(next.counts.deleted, 1, 'the real deletion is seen once the listing is readable');
    const check = await checkRepoAgainstSim(repo, fx.control);
    assert.ok(check.equal, JSON.stringify(check).slice(0, 1500));
  } finally {
    await fx.close();
  }
});

test('the CLI: a workspace list that cannot be read ends with exit 5, a message naming the endpoint, and an untouched repo', async () => {
  const fx = await startSim({ seed, documents: 10 });
  try {
    const dir = await tempDir('wb-cli-hostile-');
    const repo = join(dir, 'repo');
    const config = await writeConfig(dir, oauth1Config(fx.sim, repo));
    const first = await runCli(['sync', '--config', config, '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    await fx.control.faults([{ path: '^/2/account/projects$', kind: 'html-200' }]);
    const r = await runCli(['sync', '--config', config, '--quiet']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^error: Projectplace answered POST \/2\/account\/projects with 200 and an HTML page instead of JSON/m);
    assert.ok(r.stderr.length < 600, r.stderr);
    assert.ok(!r.stderr.includes(fx.sim.credentials.consumerSecret) && !r.stderr.includes(fx.sim.credentials.accessTokenSecret));
    assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), head);
    assert.equal(git(repo, 'status', '--porcelain').trim(), '');
    assert.equal((await fx.control.faultStatus()).fired[0], 3, 'tried three times, not forever');
  } finally {
    await fx.close();
  }
});
