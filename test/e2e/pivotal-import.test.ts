// Pivotal exports through the engine: an import makes readable Markdown stories with their attachments beside them,
// one commit per story dated when it was last changed and authored by who changed it; the same folder again makes no
// commit; a newer export commits exactly the edited story, the new comment and the deleted story's mark; another
// project's export deletes nothing of the first; hostile names stay safe and every link in a story resolves.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import { PivotalImportConnector } from '../../src/connectors/pivotal-import/index.ts';
import { sync } from '../../src/engine/sync.ts';
import { verifyBackup } from '../../src/engine/verify.ts';
import { ServiceError } from '../../src/lib/errors.ts';
import { isSafeSegment } from '../../src/lib/safe-path.ts';
import { addComment, cloneProject, deleteStory, generateProject, updateStory, writeExport, type JsonObject, type PivotalProject } from '../helpers/pivotal-export.ts';
import { blobSha256, commitCount, git, gitFiles, manifest, tempDir } from '../helpers/env.ts';
import { createHash } from 'node:crypto';

const importFolder = (repoDir: string, folder: string) => sync({ connector: new PivotalImportConnector(folder), repoDir });

/** Who last acted on a story, and their membership (from the fixture's data, not the connector's). */
function lastActor(p: PivotalProject, storyId: number): JsonObject {
  const on = p.activities.filter((a) => (a.primary_resources as JsonObject[]).some((r) => r.kind === 'story' && r.id === storyId));
  const latest = on.reduce((a, b) => (String(b.occurred_at) > String(a.occurred_at) ? b : a));
  const id = (latest.performed_by as JsonObject).id;
  return p.memberships.map((m) => m.person as JsonObject).find((x) => x.id === id)!;
}

function storyPath(p: PivotalProject, story: JsonObject): string {
  return `Pivotal Tracker/${p.name}/stories/${story.id as number} ${String(story.name)}.md`;
}

/** Author name, email and date of each commit touching a path, newest first. */
function authors(repo: string, path: string): Array<{ name: string; email: string; date: string }> {
  return git(repo, 'log', '--format=%an%x00%ae%x00%aI', '--', path)
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, email, date] = l.split('\0') as [string, string, string];
      return { name, email, date: new Date(date).toISOString().replace('.000Z', 'Z') };
    });
}

/** Every relative link target in a Markdown file, resolved against its folder. */
function linksOf(path: string, text: string): string[] {
  return [...text.matchAll(/\]\(([^<)][^)]*)\)/g)].filter((m) => !/^[a-z]+:/i.test(m[1]!)).map((m) => posix.join(posix.dirname(path), decodeURIComponent(m[1]!)));
}

describe('a Pivotal project imported, imported again, then a newer export', () => {
  let repo: string;
  let root: string;
  let v1: PivotalProject;

  test('the import makes readable files, one commit per story dated and authored from the export', async () => {
    root = await tempDir('wb-pvt-e2e-');
    repo = join(root, 'repo');
    v1 = generateProject({ seed: 41, projectName: 'Web shop', stories: 10, people: 5, maxComments: 3 });
    await writeExport(join(root, 'v1'), v1);
    const report = await importFolder(repo, join(root, 'v1'));
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    assert.equal(report.source, 'pivotal');
    const files = gitFiles(repo);
    for (const s of v1.stories) {
      const path = storyPath(v1, s);
      assert.ok(files.includes(path), `${path} is in the repo`);
      const text = readFileSync(join(repo, path), 'utf8');
      assert.ok(text.startsWith(`# ${String(s.name)}\n`));
      if (s.description) assert.ok(text.includes(String(s.description)));
      // One commit, authored by whoever acted last on the story, at the story's updated_at.
      const person = lastActor(v1, s.id as number);
      assert.deepEqual(authors(repo, path), [{ name: String(person.name), email: String(person.email), date: String(s.updated_at) }]);
      // Every attachment link points at its file, holding the export's bytes.
      for (const target of linksOf(path, text)) {
        assert.ok(files.includes(target), `link ${target} resolves`);
        const id = Number(/ attachments\/(\d+) /.exec(target)![1]);
        assert.equal(blobSha256(repo, target), createHash('sha256').update(v1.files.get(id)!).digest('hex'));
      }
    }
    const attachments = files.filter((f) => / attachments\//.test(f));
    assert.equal(attachments.length, v1.files.size, 'every attachment, once');
    assert.ok(files.includes(`Pivotal Tracker/Web shop/memberships.json`));
    assert.ok(files.includes(`Pivotal Tracker/Web shop/activity.jsonl`));
    assert.equal(files.filter((f) => f.startsWith('Pivotal Tracker/Web shop/epics/')).length, v1.epics.length);
    const lines = readFileSync(join(repo, 'Pivotal Tracker/Web shop/activity.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, v1.activities.length);
    assert.equal((JSON.parse(lines[0]!) as JsonObject).guid, v1.activities.at(-1)!.guid, 'oldest first');
    // The attachment's commit is the uploader's, at its upload time.
    const a = v1.comments.flatMap((c) => c.attachments as JsonObject[])[0]!;
    const aPath = attachments.find((f) => f.includes(`/${a.id as number} `))!;
    const uploader = v1.memberships.map((m) => m.person as JsonObject).find((x) => x.id === a.uploader_id)!;
    assert.deepEqual(authors(repo, aPath), [{ name: String(uploader.name), email: String(uploader.email), date: String(a.created_at) }]);
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
  });

  test('importing the same folder again makes no commit', async () => {
    const before = commitCount(repo);
    const report = await importFolder(repo, join(root, 'v1'));
    assert.equal(report.complete, true);
    assert.equal(report.commits, 0);
    assert.deepEqual(report.changes, []);
    assert.equal(commitCount(repo), before);
  });

  test('a newer export: the edited story, the commented story, the deleted story and the activity change, nothing else', async () => {
    const v2 = cloneProject(v1);
    const people = v2.memberships.map((m) => (m.person as JsonObject).id as number);
    const [edited, commented, removed] = [v2.stories[1]!, v2.stories[4]!, v2.stories[7]!];
    const editor = people.find((id) => id !== lastActor(v1, edited.id as number).id)!;
    updateStory(v2, edited.id as number, editor, { description: 'Rewritten after the review.' });
    const commenter = people.at(-1)!;
    addComment(v2, commented.id as number, commenter, 'One more thing.');
    deleteStory(v2, removed.id as number, people[0]!);
    await writeExport(join(root, 'v2'), v2);
    const before = manifest(repo);
    const report = await importFolder(repo, join(root, 'v2'));
    assert.equal(report.complete, true, JSON.stringify(report.failures));
    const changed = report.changes.map((c) => `${c.type} ${c.id}`).sort();
    const removedAttachments = v1.comments.filter((c) => c.story_id === removed.id).flatMap((c) => (c.attachments as JsonObject[]).map((a) => `deleted attachment-${a.id as number}`));
    const expected = [
      `modified story-${edited.id as number}`,
      `modified story-${commented.id as number}`,
      `deleted story-${removed.id as number}`,
      `modified project-${v1.id}-activity`,
      ...removedAttachments,
      ...(removedAttachments.length > 0 ? [`deleted story-${removed.id as number}-attachments`] : []),
    ].sort();
    assert.deepEqual(changed, expected);
    // The edit and the comment: one commit each on their file, by who made them, when they made them.
    const editPath = storyPath(v1, edited);
    const editor1 = v2.memberships.map((m) => m.person as JsonObject).find((x) => x.id === editor)!;
    const [latestEdit] = authors(repo, editPath);
    assert.deepEqual(latestEdit, { name: String(editor1.name), email: String(editor1.email), date: String(v2.stories.find((s) => s.id === edited.id)!.updated_at) });
    assert.equal(authors(repo, editPath).length, 2);
    assert.match(readFileSync(join(repo, editPath), 'utf8'), /## Description\n\nRewritten after the review\.\n/);
    const commentPath = storyPath(v1, commented);
    assert.equal(authors(repo, commentPath).length, 2);
    assert.equal(authors(repo, commentPath)[0]!.name, String(v2.memberships.map((m) => m.person as JsonObject).find((x) => x.id === commenter)!.name));
    assert.match(readFileSync(join(repo, commentPath), 'utf8'), /One more thing\./);
    // The removed story keeps its file and history; the manifest marks it deleted.
    const removedPath = storyPath(v1, removed);
    assert.ok(gitFiles(repo).includes(removedPath));
    assert.ok(manifest(repo).get(`story-${removed.id as number}`)?.deletedAt);
    // Nothing else moved: every other story's entry is as it was.
    for (const [id, e] of manifest(repo)) {
      if (expected.some((x) => x.endsWith(` ${id}`))) continue;
      assert.deepEqual(e, before.get(id), id);
    }
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
    v1 = v2;
  });

  test('another project imported alone deletes nothing of the first; both folders together change nothing more', async () => {
    const other = generateProject({ seed: 42, projectName: 'Mobile app', stories: 4 });
    await writeExport(join(root, 'all', 'mobile'), other);
    const before = manifest(repo);
    const report = await importFolder(repo, join(root, 'all', 'mobile'));
    assert.equal(report.complete, true);
    assert.equal(report.changes.filter((c) => c.type === 'deleted').length, 0);
    const after = manifest(repo);
    for (const [id, e] of before) assert.deepEqual(after.get(id), e, id);
    assert.ok(gitFiles(repo).some((f) => f.startsWith('Pivotal Tracker/Mobile app/stories/')));
    // The newest export of the first project beside it, in one folder of folders: nothing new.
    await writeExport(join(root, 'all', 'web'), v1);
    const again = await importFolder(repo, join(root, 'all'));
    assert.equal(again.commits, 0, JSON.stringify(again.changes));
    assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
  });
});

test('hostile story titles and attachment names: every path is safe and inside Pivotal Tracker/, every link resolves', async () => {
  const root = await tempDir('wb-pvt-hostile-');
  const p = generateProject({ seed: 43, hostileNames: true, stories: 10, maxComments: 4 });
  addComment(p, p.stories[0]!.id as number, (p.memberships[0]!.person as JsonObject).id as number, 'odd files', [
    { filename: '.git', content: Buffer.from('not a repo') },
    { filename: 'CON', content: Buffer.from('device') },
    { filename: 'a\u0001b\u202Etxt.exe', content: Buffer.from('bidi') },
    { filename: 'x'.repeat(240) + '.png', content: Buffer.from('long') },
  ]);
  await writeExport(join(root, 'export'), p);
  const repo = join(root, 'repo');
  const report = await importFolder(repo, join(root, 'export'));
  assert.equal(report.complete, true, JSON.stringify(report.failures));
  const files = gitFiles(repo);
  for (const f of files) {
    if (f.startsWith('.workspace-backup/') || f === '.gitattributes') continue;
    assert.ok(f.startsWith('Pivotal Tracker/'), f);
    for (const seg of f.split('/')) assert.ok(isSafeSegment(seg), `unsafe segment ${JSON.stringify(seg)} in ${JSON.stringify(f)}`);
  }
  const stories = files.filter((f) => /\/stories\/[^/]+\.md$/.test(f));
  assert.equal(stories.length, p.stories.length);
  let links = 0;
  for (const s of stories) {
    for (const target of linksOf(s, readFileSync(join(repo, s), 'utf8'))) {
      links++;
      assert.ok(files.includes(target), `link ${JSON.stringify(target)} in ${JSON.stringify(s)} resolves`);
    }
  }
  assert.equal(links, p.files.size, 'one link per attachment');
  assert.equal((await verifyBackup({ repoDir: repo, readData: true })).ok, true);
});

test('an export with an escaping attachment name stops before anything is committed', async () => {
  const root = await tempDir('wb-pvt-escape-');
  await writeExport(join(root, 'export'), generateProject({ seed: 44, escapingAttachment: '../../../outside.txt' }), { sandbox: root });
  const repo = join(root, 'repo');
  await assert.rejects(importFolder(repo, join(root, 'export')), (e: unknown) => e instanceof ServiceError && /comments\.json at \$\[\d+\]\.attachments\[0\]\.filename/.test(e.message));
  assert.equal(git(repo, 'rev-list', '--all').trim(), '', 'no commit');
});
