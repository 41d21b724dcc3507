// `workspace-backup import` as a user runs it: a Pivotal Tracker export and the old Projectplace sync tool's files,
// then the nightly sync on top of the import.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addComment, generateProject, writeExport } from '../helpers/pivotal-export.ts';
import { oldSyncSpecFromSim, writeOldSyncData, type OldSyncFiles } from '../helpers/projectplace-sync-data.ts';
import { commitCount, git, gitFiles, manifest, oauth1Config, runCli, startSim, tempDir, writeConfig, type SimFixture } from '../helpers/env.ts';

describe('import pivotal', () => {
  test('imports an export, changes nothing the second time, takes a newer export as a diff', async () => {
    const root = await tempDir('wb-cli-pivotal-');
    const repo = join(root, 'repo');
    const project = generateProject({ seed: 5, projectName: 'Support desk', stories: 6, people: 3 });
    await writeExport(join(root, 'export'), project);
    const first = await runCli(['import', 'pivotal', join(root, 'export'), '--repo', repo, '--json', '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { complete: boolean; commits: number; documents: { added: number } };
    assert.equal(report.complete, true);
    assert.ok(report.documents.added >= 6, JSON.stringify(report.documents));
    const stories = gitFiles(repo).filter((f) => f.startsWith('Pivotal Tracker/Support desk/stories/') && f.endsWith('.md'));
    assert.equal(stories.length, 6, stories.join('\n'));

    const commits = commitCount(repo);
    const again = await runCli(['import', 'pivotal', join(root, 'export'), '--repo', repo]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(commitCount(repo), commits, 'the same export again makes no commit');
    assert.match(again.stdout, /changes: none/);

    const storyId = Number((project.stories[0] as { id: number }).id);
    const member = Number(((project.memberships[0] as { person: { id: number } }).person).id);
    addComment(project, storyId, member, 'Customer confirmed the fix.');
    await writeExport(join(root, 'export-2'), project);
    const newer = await runCli(['import', 'pivotal', join(root, 'export-2'), '--repo', repo]);
    assert.equal(newer.code, 0, newer.stderr);
    assert.match(newer.stdout, /modified/);
    assert.ok(commitCount(repo) > commits);
  });

  test('a damaged export stops with exit 5 and commits nothing; bad usage is exit 2', async () => {
    const root = await tempDir('wb-cli-pivotal-bad-');
    const repo = join(root, 'repo');
    await writeExport(join(root, 'export'), generateProject({ seed: 6, stories: 3 }));
    writeFileSync(join(root, 'export', 'stories.json'), '[{"id": 1, "name": "cut sh');
    const bad = await runCli(['import', 'pivotal', join(root, 'export'), '--repo', repo]);
    assert.equal(bad.code, 5, bad.stderr);
    assert.match(bad.stderr, /stories\.json/);
    assert.equal(git(repo, 'for-each-ref', 'refs/heads/').trim(), '', 'no branch was made');
    assert.equal((await runCli(['import', 'trello', root, '--repo', repo])).code, 2);
    assert.equal((await runCli(['import', 'pivotal', '--repo', repo])).code, 2);
    assert.equal((await runCli(['import', 'projectplace-sync', '--repo', repo])).code, 2);
  });
});

describe('import projectplace-sync, then the nightly sync', () => {
  let fx: SimFixture;
  let old: OldSyncFiles;
  let root: string;
  before(async () => {
    fx = await startSim({ seed: 77, workspaces: 2, documents: 24 });
    root = await tempDir('wb-cli-oldsync-');
    old = await writeOldSyncData(join(root, 'old'), oldSyncSpecFromSim(fx.sim.state));
  });
  after(() => fx.close());

  test('the import checks the old files against the live account; the sync after it downloads only what the import left out', async () => {
    const repo = join(root, 'repo');
    const config = await writeConfig(root, oauth1Config(fx.sim, repo));
    const imported = await runCli(['import', 'projectplace-sync', '--data', old.dataPath, '--files', old.filesDir, '--config', config, '--json']);
    // The simulator's document named "../x" is one the old tool could never write to disk: it is left out, named,
    // and the exit code says the import is incomplete.
    assert.equal(imported.code, 4, imported.stderr);
    assert.match(imported.stderr, /listing the live Projectplace account/);
    const report = JSON.parse(imported.stdout) as { failures: Array<{ id: string }>; problems: string[] };
    const refused = report.failures.map((f) => f.id).sort();
    assert.equal(refused.length, 1, JSON.stringify(report.failures));
    assert.match(report.problems.join('\n'), /"\.\.\/x"/);
    const m = manifest(repo);
    for (const [id, want] of old.content) if (m.has(id)) assert.equal(m.get(id)!.sha256, want.sha256, `document ${id}`);
    const importedDocs = [...m.values()].filter((e) => e.kind === 'document').length;
    assert.ok(importedDocs >= 20, `${importedDocs} documents imported`);

    await fx.control.clearRequests();
    const synced = await runCli(['sync', '--config', config, '--json', '--quiet']);
    assert.equal(synced.code, 0, synced.stderr);
    const downloads = (await fx.control.requests()).filter((r) => r.method === 'GET' && r.path.startsWith('/1/documents/'));
    assert.deepEqual(downloads.map((r) => r.path.split('/')[3]).sort(), refused, 'only what the import left out is downloaded');
  });
});
