// ProSonata through the engine (issue 8): a whole backup at the smallest plan across several rate-limit windows, an
// edited record as one commit on its file, a removed record marked deleted only after a complete walk, a non-admin
// key's `users` reported as such, and ProSonata beside Projectplace in one repository and one configuration.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sync } from '../../src/engine/sync.ts';
import { verifyBackup } from '../../src/engine/verify.ts';
import { startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { canonical, connectorFor, rawSettings, simRecords } from '../connectors/prosonata-helpers.ts';
import { filesUnder, git, gitFiles, manifest, oauth1Config, runCli, startSim, tempDir, writeConfig } from '../helpers/env.ts';

/** Every file under ProSonata/<resource>/ at HEAD (read from the checked-out working tree): primary key → content. */
function filesOf(repo: string, resource: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of gitFiles(repo)) {
    const m = new RegExp(`^ProSonata/${resource}/(\\d+)\\.json$`).exec(f);
    if (m) out.set(m[1]!, readFileSync(join(repo, f), 'utf8'));
  }
  return out;
}

describe('ProSonata at plan 1 (50 calls per 15-minute window), 30,000 time entries', () => {
  let sim: RunningProsonataSim;
  let repo: string;
  before(async () => {
    // A window lasts 2 s of real time; another integration of the account has already used 40 of the first 50 calls.
    sim = await startProsonataSim({ seed: 81, plan: 1, timeScale: 450, counts: { projecttimes: 30_000 } });
    for (let i = 0; i < 40; i++) await fetch(`${sim.apiUrl}/projecttimecategories?perPage=1`, { headers: sim.headers.app });
    repo = await tempDir('wb-pros-');
  });
  after(() => sim.close());

  test('the backup completes across several windows, never over budget, and holds every record exactly', async () => {
    const report = await sync({ connector: connectorFor(sim, 'app'), repoDir: repo, concurrency: 4 });
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const stats = sim.stats();
    assert.ok(stats.windows.length >= 2, `the walk spanned ${stats.windows.length} windows`);
    assert.ok(stats.maxCountedInWindow <= 50, `at most 50 calls in any window, saw ${stats.maxCountedInWindow}`);
    assert.equal(stats.limited, 0, 'no call was refused with 429');
    // Every page is there: the repo holds exactly the simulator's records, byte for byte in canonical JSON.
    for (const [resource, pk] of [['projecttimes', 'timeID'], ['projects', 'projectID'], ['customers', 'customerID']] as const) {
      const want = new Map((await simRecords(sim, resource)).map((r) => [String(Number(r[pk])), canonical(r)]));
      const got = filesOf(repo, resource);
      assert.equal(got.size, want.size, `${resource}: ${got.size} files for ${want.size} records`);
      for (const [id, text] of want) assert.equal(got.get(id), text, `${resource} ${id}`);
    }
    // Records have no author or time of their own: one commit per resource adds them, not 30,000.
    const adds = git(repo, 'log', '--format=%s', '--', 'ProSonata/projecttimes/').trim().split('\n');
    assert.deepEqual(adds, ['Add 30000 items to projecttimes']);
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
  });

  test('an edited record becomes one commit on its file; a removed one is marked deleted, its file kept', async () => {
    const [edited, removed] = (await simRecords(sim, 'projecttimes')).slice(100, 102).map((r) => Number(r.timeID));
    const patch = await fetch(`${sim.url}/__sim/records/projecttimes/${edited}`, { method: 'PATCH', body: JSON.stringify({ detail: 'Workshop, corrected' }), headers: { 'content-type': 'application/json' } });
    assert.equal(patch.status, 200, await patch.text());
    assert.equal((await fetch(`${sim.url}/__sim/records/projecttimes/${removed}`, { method: 'DELETE' })).status, 200);
    const report = await sync({ connector: connectorFor(sim, 'app'), repoDir: repo, concurrency: 4 });
    assert.equal(report.complete, true);
    // Of the time entries, only the edited one changed (its project's timeNeeded, a sum over its entries, moves too).
    const modified = report.changes.filter((c) => c.type === 'modified').map((c) => c.id);
    assert.deepEqual(modified.filter((id) => id.startsWith('projecttimes-')), [`projecttimes-${edited}`], modified.join(', '));
    assert.ok(modified.every((id) => id.startsWith('projecttimes-') || id.startsWith('projects-')), modified.join(', '));
    assert.equal(report.documents.deleted, 1);
    const file = `ProSonata/projecttimes/${edited}.json`;
    const history = git(repo, 'log', '--format=%s', '--', file).trim().split('\n');
    assert.equal(history.length, 2, history.join(' | '));
    assert.match(history[0]!, /^Update /);
    assert.match(git(repo, 'cat-file', 'blob', `HEAD:${file}`), /"detail": "Workshop, corrected"/);
    // The edit's commit touches that one file (and nothing else of ProSonata).
    const touched = git(repo, 'log', '-1', '--format=', '--name-only', '--', file).split('\n').filter(Boolean);
    assert.deepEqual(touched, [file]);
    const gone = manifest(repo).get(`projecttimes-${removed}`);
    assert.ok(gone?.deletedAt, 'marked deleted in the manifest');
    assert.ok(gitFiles(repo).includes(`ProSonata/projecttimes/${removed}.json`), 'its file stays');
  });

  test('a walk that cannot complete marks nothing deleted', async () => {
    const before = manifest(repo);
    // Rows keep disappearing between pages on every walk: the listing of projecttimes fails, so nothing in it is judged gone.
    await fetch(`${sim.url}/__sim/switches`, { method: 'POST', body: JSON.stringify({ drift: { every: 1, ops: ['delete'], resources: ['projecttimes'], times: null } }), headers: { 'content-type': 'application/json' } });
    try {
      const report = await sync({ connector: connectorFor(sim, 'app'), repoDir: repo, concurrency: 4 });
      assert.equal(report.complete, false);
      const failure = report.failures.find((f) => f.action === 'list' && f.path === 'ProSonata/projecttimes');
      assert.ok(failure, JSON.stringify(report.failures));
      const after = manifest(repo);
      const newlyDeleted = [...after.values()].filter((e) => e.deletedAt && !before.get(e.id)?.deletedAt);
      assert.deepEqual(newlyDeleted, []);
    } finally {
      await fetch(`${sim.url}/__sim/switches`, { method: 'POST', body: JSON.stringify({ drift: null }), headers: { 'content-type': 'application/json' } });
    }
  });
});

test('a non-admin key: users is reported as lacking admin rights, never backed up as empty; the rest is backed up', async () => {
  const sim = await startProsonataSim({ seed: 82, plan: 20, timeScale: 450 });
  try {
    const repo = await tempDir('wb-pros-user-');
    const report = await sync({ connector: connectorFor(sim, 'teamlead'), repoDir: repo, concurrency: 4 });
    assert.equal(report.complete, false);
    const users = report.workspaces.find((w) => w.id === 'users')!;
    assert.match(users.listingError ?? '', /admin rights/);
    assert.ok(report.failures.some((f) => f.action === 'list' && /admin rights/.test(f.error)));
    assert.ok(!gitFiles(repo).some((f) => f.startsWith('ProSonata/users/')), 'no users folder, not an empty one recorded as complete');
    assert.ok(filesOf(repo, 'projects').size > 0);
  } finally {
    await sim.close();
  }
});

test('Projectplace and ProSonata in one configuration: one repo, each in its folder, each state kept, no rebuild next run', async () => {
  const pp = await startSim({ seed: 83, workspaces: 2, documents: 12, hostileNames: false, largeDocuments: [200_000] });
  const ps = await startProsonataSim({ seed: 84, plan: 20 });
  try {
    const dir = await tempDir('wb-multi-');
    const { 'repo-path': _repo, ...ppKeys } = oauth1Config(pp.sim, 'repo');
    const config = await writeConfig(dir, { 'repo-path': 'repo', 'lfs-threshold': 100_000, sources: [{ type: 'projectplace', ...ppKeys }, { type: 'prosonata', ...rawSettings(ps, 'app') }] });
    const first = await runCli(['sync', '--config', config, '--json', '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as { sources: Array<{ source: string; report: { complete: boolean; stateRebuilt: boolean } }> };
    assert.deepEqual(out.sources.map((x) => [x.source, x.report.complete]), [['projectplace', true], ['prosonata', true]]);
    const repo = join(dir, 'repo');
    const files = gitFiles(repo);
    assert.ok(files.some((f) => f.startsWith('Projectplace/')) && files.some((f) => f.startsWith('ProSonata/projects/')));
    // ProSonata's run kept Projectplace's LFS pattern in the shared .gitattributes.
    assert.match(readFileSync(join(repo, '.gitattributes'), 'utf8'), /^\/Projectplace\/.* filter=lfs/m);
    const second = await runCli(['sync', '--config', config, '--json', '--quiet']);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as typeof out & { sources: Array<{ report: { commits: number; documentsDownloaded: number } }> };
    for (const x of again.sources) {
      assert.equal(x.report.stateRebuilt, false, `${x.source}: state kept across the other source's commits`);
      assert.equal((x.report as unknown as { documentsDownloaded: number }).documentsDownloaded, 0, x.source);
    }
    const verify = await runCli(['verify', '--repo', repo, '--read-data']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    // The site shows both sources, ProSonata's resources, and a record's history: its bulk add, then its edit.
    const project = (await simRecords(ps, 'projects'))[0]!;
    const patch = await fetch(`${ps.url}/__sim/records/projects/${Number(project.projectID)}`, { method: 'PATCH', body: JSON.stringify({ projectName: 'Renamed project' }), headers: { 'content-type': 'application/json' } });
    assert.equal(patch.status, 200, await patch.text());
    assert.equal((await runCli(['sync', '--config', config, '--quiet'])).code, 0);
    const site = join(dir, 'site');
    const rendered = await runCli(['render', '--repo', repo, '--out', site]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const index = readFileSync(join(site, 'index.html'), 'utf8');
    assert.match(index, /<h2>Projectplace<\/h2>[\s\S]*<h3>Workspaces<\/h3>/);
    assert.match(index, /<h2>ProSonata<\/h2>[\s\S]*<h3>Resources<\/h3>/);
    const recordPath = `ProSonata/projects/${Number(project.projectID)}.json`;
    const page = filesUnder(site).filter((f) => f.endsWith('.html')).map((f) => readFileSync(f, 'utf8')).find((html) => html.includes(`<code class="path">${recordPath}</code>`));
    assert.ok(page, `a page for ${recordPath}`);
    assert.match(page, /Versions <span class="count">2<\/span>/);
    assert.doesNotMatch(page, /counts [0-9a-f]{16} versions/);
  } finally {
    await pp.close();
    await ps.close();
  }
});

test('one source that stops does not stop the other; the exit code says which failed', async () => {
  const pp = await startSim({ seed: 85, workspaces: 1, documents: 5, hostileNames: false });
  const ps = await startProsonataSim({ seed: 86, plan: 20 });
  try {
    const dir = await tempDir('wb-multi-bad-');
    const config = await writeConfig(dir, { ...oauth1Config(pp.sim, 'repo'), sources: [{ type: 'prosonata', ...rawSettings(ps, 'app'), 'api-key': 'wrong-key-123' }] });
    const r = await runCli(['sync', '--config', config, '--quiet']);
    assert.equal(r.code, 3, 'credentials refused (ProSonata)');
    assert.match(r.stdout, /Backup of projectplace complete/);
    assert.match(r.stdout, /Backup of prosonata STOPPED: .*(refused|check)/i);
    assert.ok(gitFiles(join(dir, 'repo')).some((f) => f.startsWith('Projectplace/')));
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-key-123/);
  } finally {
    await pp.close();
    await ps.close();
  }
});
