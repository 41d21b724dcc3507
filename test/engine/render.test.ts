// The static site: loadSiteInput on a real backup repo made by the engine, renderSite's pages, escaping, links, incrementality.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadSiteInput, renderRepo, renderSite, type SiteInput } from '../../src/engine/render/index.ts';
import { readTrailers } from '../../src/engine/render/load.ts';
import { documentPageFile } from '../../src/engine/render/model.ts';
import { Git } from '../../src/engine/store/git.ts';
import { filesUnder, manifest, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';

const repoUrl = 'https://github.com/example-org/pp-backup';
const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');

function pageOf(site: string, file: string): string {
  return readFileSync(join(site, file), 'utf8');
}

/** Every http(s) URL a file names, leaving out link targets shown as text (`<code class="url">`), which no browser requests. */
function urlsIn(text: string): string[] {
  const withoutShownTargets = text.replace(/<code class="url">[^<]*<\/code>/g, '');
  return withoutShownTargets.match(/https?:\/\/[^\s"'<>)\\]+/g) ?? [];
}

describe('the site of a backup', () => {
  let fx: SimFixture;
  let repo: string;
  let site: string;
  let input: SiteInput;
  let edited: string;
  let deleted: string;
  const ids = { hostile: '' };

  before(async () => {
    fx = await startSim({ seed: 7, workspaces: 3, documents: 30 });
    repo = await tempDir('wb-render-');
    site = join(repo, '.workspace-backup', 'site');
    const first = await runSync(fx.sim, repo, { recordRun: true });
    assert.equal(first.complete, true, JSON.stringify(first.failures));
    const dump = await fx.control.state();
    const docs = dump.items.filter((i) => i.kind === 'document' && !i.deleted);
    const hostile = docs.find((d) => d.name === '<script>alert(1)</script>.html');
    assert.ok(hostile, 'the simulator has a document named <script>alert(1)</script>.html');
    ids.hostile = String(hostile.id);
    const target = docs.find((d) => d.id !== hostile.id && d.name.includes(' '))!;
    const gone = docs.find((d) => d.id !== hostile.id && d.id !== target.id)!;
    edited = String(target.id);
    deleted = String(gone.id);
    const editor = dump.users.find((u) => !u.external && u.id !== target.lastModifier)!;
    await fx.control.mutate({ op: 'edit', id: target.id, by: editor.id, at: 1_760_000_000 });
    await fx.control.mutate({ op: 'delete', id: gone.id });
    const second = await runSync(fx.sim, repo, { recordRun: true, now: () => new Date(Date.now() + 60_000) });
    assert.equal(second.counts.modified, 1);
    assert.equal(second.counts.deleted, 1);
    input = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
  });
  after(async () => {
    await fx.close();
    await rm(repo, { recursive: true, force: true });
  });

  test('loadSiteInput reads the manifest, the runs and every document history from the repo', () => {
    const m = manifest(repo);
    assert.equal(input.entries.length, m.size);
    assert.equal(input.runs.length, 2, 'two coverage reports');
    assert.ok(String(input.runs[0]!.startedAt) < String(input.runs[1]!.startedAt), 'runs oldest first');
    for (const e of input.entries.filter((x) => x.kind === 'document')) {
      const versions = input.history.get(e.id);
      assert.ok(versions && versions.length >= 1, `history of ${e.id}`);
      const newest = versions.find((v) => v.change !== 'move')!;
      assert.equal(newest.size, e.size, `size of the newest version of ${e.path}`);
      assert.equal(newest.path, e.path);
      assert.match(newest.commit, /^[0-9a-f]{40}$/);
    }
    const editedVersions = input.history.get(edited)!;
    assert.equal(editedVersions.filter((v) => v.change === 'content').length, 2, 'the edit is a second version');
    assert.equal(editedVersions[0]!.date.slice(0, 19), new Date(1_760_000_000_000).toISOString().slice(0, 19));
    assert.ok(input.entries.find((e) => e.id === deleted)!.deletedAt);
  });

  test('renderSite writes a page for every workspace, folder and document', async () => {
    const r = await renderSite(input, site);
    const ws = input.entries.filter((e) => e.kind === 'workspace');
    const folders = input.entries.filter((e) => e.kind === 'folder');
    const docs = input.entries.filter((e) => e.kind === 'document');
    assert.equal(r.pages, 3 + ws.length + folders.length + docs.length);
    assert.equal(r.unchanged, 0);
    assert.ok(r.written >= r.pages);
    for (const f of ['index.html', 'recent.html', 'deleted.html', 'assets/site.css', 'assets/site.js', 'assets/minisearch.js', 'assets/search-index.js']) assert.ok(existsSync(join(site, f)), f);
    for (const e of ws) assert.ok(existsSync(join(site, 'w', `${e.id}.html`)), `workspace ${e.id}`);
    for (const e of folders) assert.ok(existsSync(join(site, 'f', `${e.id}.html`)), `folder ${e.id}`);
    for (const e of docs) assert.ok(existsSync(join(site, documentPageFile(e.id))), `document ${e.id}`);
    // Every page is reachable: the index links each workspace, each folder page its sub-folders and documents.
    const index = pageOf(site, 'index.html');
    for (const e of ws) assert.ok(index.includes(`href="w/${e.id}.html"`), `index links workspace ${e.id}`);
    for (const e of [...folders, ...docs]) {
      const holder = e.parent ? `f/${e.parent}.html` : `w/${e.container}.html`;
      assert.ok(pageOf(site, holder).includes(`href="../${e.kind === 'folder' ? `f/${e.id}.html` : documentPageFile(e.id)}"`), `${holder} links ${e.id}`);
    }
  });

  test('hostile names are escaped text everywhere, and no javascript: link is made', () => {
    const pages = filesUnder(site).filter((f) => f.endsWith('.html'));
    for (const f of pages) {
      const html = readFileSync(f, 'utf8');
      assert.ok(!html.includes('<script>alert(1)</script>'), `raw <script> in ${relative(site, f)}`);
      assert.ok(!/<img src=x/i.test(html), `raw <img> in ${relative(site, f)}`);
      assert.ok(!/(href|src)="javascript:/i.test(html), `javascript: URL in an attribute of ${relative(site, f)}`);
      // The only scripts are the site's own files.
      for (const m of html.matchAll(/<script\b[^>]*>/g)) assert.match(m[0], /^<script src="(\.\.\/){0,2}assets\/site\.js\?v=[0-9a-f]+" defer>$/, relative(site, f));
    }
    const page = pageOf(site, documentPageFile(ids.hostile));
    assert.ok(page.includes('<h1>&lt;script&gt;alert(1)&lt;/script&gt;.html</h1>'), 'the name is shown as text');
    assert.ok(page.includes('<title>&lt;script&gt;alert(1)&lt;/script&gt;.html'), 'and in the title');
    // Names with quotes and ampersands stay inside their attributes.
    const rd = input.entries.find((e) => e.kind === 'workspace' && e.name.includes('"'));
    if (rd) assert.ok(pageOf(site, `w/${rd.id}.html`).includes(rd.name.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
  });

  test('a deleted document is marked deleted with its date, and listed on the deleted page', () => {
    const e = input.entries.find((x) => x.id === deleted)!;
    const day = e.deletedAt!.slice(0, 10);
    const page = pageOf(site, documentPageFile(deleted));
    assert.match(page, new RegExp(`class="mark mark-deleted"[^>]*>deleted ${day}`));
    assert.ok(pageOf(site, 'deleted.html').includes(`href="${documentPageFile(deleted)}"`));
    assert.ok(!pageOf(site, documentPageFile(edited)).includes('mark-deleted'));
  });

  test('local links lead from each page to the file in the backup repo', () => {
    for (const e of input.entries.filter((x) => x.kind === 'document')) {
      const pageFile = join(site, documentPageFile(e.id));
      const href = /href="([^"]+)" id="open-file"/.exec(readFileSync(pageFile, 'utf8'))?.[1];
      assert.ok(href, `open-file link on ${e.id}`);
      const target = fileURLToPath(new URL(href.replace(/&amp;/g, '&'), pathToFileURL(pageFile)));
      assert.equal(resolve(target), resolve(repo, e.path), `link of ${e.id}`);
      assert.ok(statSync(target).isFile(), target);
    }
    // Versions in local mode: the commit and the git command to get it.
    const page = pageOf(site, documentPageFile(edited));
    const commit = input.history.get(edited)![0]!.commit;
    assert.ok(page.includes(commit.slice(0, 10)));
    assert.ok(page.includes(`git show &#39;${commit.slice(0, 12)}:`), 'a copy-able git show command');
  });

  test('a second render of unchanged input writes nothing', async () => {
    const r = await renderSite(input, site);
    assert.equal(r.written, 0);
    assert.equal(r.unchanged, r.pages + 6);
  });

  test('pages the render did not make are removed: a gone id, the earlier flat layout, a killed render\'s .tmp', async () => {
    const planted = ['d/1234567.html', 'd/00/gone-id.html', 'w/gone-ws.html', 'f/gone-folder.html', `${documentPageFile(edited)}.99.tmp`];
    const kept = ['notes.txt', 'd/00/readme.txt'];
    for (const f of [...planted, ...kept]) {
      mkdirSync(dirname(join(site, f)), { recursive: true });
      writeFileSync(join(site, f), 'x');
    }
    await renderSite(input, site);
    for (const f of planted) assert.ok(!existsSync(join(site, f)), `${f} removed`);
    for (const f of kept) assert.ok(existsSync(join(site, f)), `${f} kept: only pages and .tmp files are the render's`);
    assert.ok(existsSync(join(site, documentPageFile(edited))));
  });

  test('a page changed on disk is put right by the next render', async () => {
    const file = join(site, documentPageFile(edited));
    const good = readFileSync(file, 'utf8');
    (await import('node:fs')).writeFileSync(file, good.replace('Versions', 'Tampered'));
    const r = await renderSite(input, site);
    assert.equal(r.written, 1);
    assert.equal(readFileSync(file, 'utf8'), good);
  });

  test('one changed document rewrites only a few pages', async () => {
    await fx.control.mutate({ op: 'edit', id: Number(edited), at: 1_770_000_000 });
    const report = await runSync(fx.sim, repo, { now: () => new Date(Date.now() + 120_000) });
    assert.equal(report.counts.modified, 1);
    const next = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
    next.generatedAt = input.generatedAt;
    const before = statSync(join(site, documentPageFile(edited))).mtimeMs;
    const r = await renderSite(next, site);
    const depth = input.entries.find((e) => e.id === edited)!.path.split('/').length - 2;
    // The document, its folders up to the workspace, the index, the recent page, the search index.
    assert.ok(r.written >= 2 && r.written <= depth + 5, `written ${r.written}`);
    assert.ok(statSync(join(site, documentPageFile(edited))).mtimeMs > before || r.written > 0);
    assert.match(pageOf(site, documentPageFile(edited)), /Versions <span class="count">3<\/span>/);
  });

  test('worker threads render the same files as this thread alone', async () => {
    const alone = await tempDir('wb-render-one-');
    const threaded = await tempDir('wb-render-threads-');
    const asked = process.env.WORKSPACE_BACKUP_RENDER_THREADS;
    try {
      process.env.WORKSPACE_BACKUP_RENDER_THREADS = '0';
      const one = await renderSite(input, alone);
      process.env.WORKSPACE_BACKUP_RENDER_THREADS = '2';
      const two = await renderSite(input, threaded);
      assert.equal(one.threads, 1);
      assert.equal(two.threads, 3);
      assert.equal(two.written, one.written);
      const files = (dir: string) => filesUnder(dir).map((f) => relative(dir, f)).filter((f) => f !== '.render-state.json').sort();
      assert.deepEqual(files(threaded), files(alone));
      for (const f of files(alone)) assert.ok(readFileSync(join(threaded, f)).equals(readFileSync(join(alone, f))), `${f} is the same`);
      // The second render's state lets the next one skip every page, as after a render on one thread.
      const again = await renderSite(input, threaded);
      assert.equal(again.written, 0);
    } finally {
      if (asked === undefined) delete process.env.WORKSPACE_BACKUP_RENDER_THREADS;
      else process.env.WORKSPACE_BACKUP_RENDER_THREADS = asked;
    }
  });

  test('renderRepo reads the repo one shard at a time and renders the same site as renderSite over loadSiteInput', async () => {
    const generatedAt = '2026-11-24T06:00:00.000Z';
    const whole = await tempDir('wb-render-whole-');
    const sharded = await tempDir('wb-render-sharded-');
    const scratch = await tempDir('wb-render-tmp-');
    const tmp = process.env.TMPDIR;
    const asked = process.env.WORKSPACE_BACKUP_RENDER_THREADS;
    try {
      // The scratch store goes to the temp folder: a private one here, to see it made and removed.
      process.env.TMPDIR = scratch;
      const opts = { links: { mode: 'local' as const, repoDir: repo }, generatedAt };
      const a = await renderSite(await loadSiteInput(new Git(repo), 'HEAD', opts), whole);
      for (const threads of ['0', '2']) {
        process.env.WORKSPACE_BACKUP_RENDER_THREADS = threads;
        await rm(sharded, { recursive: true, force: true });
        const b = await renderRepo(new Git(repo), 'HEAD', opts, sharded);
        assert.equal(b.pages, a.pages);
        const files = (dir: string) => filesUnder(dir).map((f) => relative(dir, f)).filter((f) => f !== '.render-state.json').sort();
        assert.deepEqual(files(sharded), files(whole));
        for (const f of files(whole)) assert.ok(readFileSync(join(sharded, f)).equals(readFileSync(join(whole, f))), `${f} is the same (${threads} workers)`);
        assert.deepEqual(readdirSync(scratch), [], 'the scratch store is removed after the render');
      }
      const again = await renderRepo(new Git(repo), 'HEAD', opts, sharded);
      assert.equal(again.written, 0, 'a second render of the same commit writes nothing');
      await assert.rejects(renderRepo(new Git(repo), 'refs/heads/no-such-branch', opts, sharded), /not a commit/);
      assert.deepEqual(readdirSync(scratch), [], 'nor left behind by a render that failed');
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      if (asked === undefined) delete process.env.WORKSPACE_BACKUP_RENDER_THREADS;
      else process.env.WORKSPACE_BACKUP_RENDER_THREADS = asked;
      for (const d of [whole, sharded, scratch]) await rm(d, { recursive: true, force: true });
    }
  });

  test('a site whose render state is missing or of an earlier version is compared with the disk, not rewritten', async () => {
    const out = await tempDir('wb-render-state-');
    try {
      const first = await renderSite(input, out);
      const good = readFileSync(join(out, '.render-state.json'), 'utf8').split('\n');
      // A shard's line cut short (its states do not read): that shard's pages are compared, the others skipped.
      const cut = [good[0], good[1]!.slice(0, good[1]!.indexOf('\t') + 8), ...good.slice(2)].join('\n');
      for (const state of ['{"version":1,"templates":"x","files":{}}', 'not json', '', cut]) {
        writeFileSync(join(out, '.render-state.json'), state);
        const before = statSync(join(out, documentPageFile(edited))).mtimeMs;
        const r = await renderSite(input, out);
        assert.equal(r.written, 0, `state ${JSON.stringify(state)}: every page made again and found the same on disk`);
        assert.equal(r.unchanged, first.pages + 6);
        assert.equal(statSync(join(out, documentPageFile(edited))).mtimeMs, before);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('a page a worker cannot render fails the render with the template\'s error, and no worker is left running', async () => {
    const templates = await tempDir('wb-render-bad-templates-');
    const out = await tempDir('wb-render-bad-');
    const source = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');
    for (const f of filesUnder(source)) {
      const to = join(templates, relative(source, f));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, readFileSync(f));
    }
    writeFileSync(join(templates, 'document.njk'), readFileSync(join(templates, 'document.njk'), 'utf8').replace('{% block content %}', '{% block content %}{{ notAFunction() }}'));
    const saved = { threads: process.env.WORKSPACE_BACKUP_RENDER_THREADS, templates: process.env.WORKSPACE_BACKUP_TEMPLATES };
    try {
      process.env.WORKSPACE_BACKUP_RENDER_THREADS = '2';
      process.env.WORKSPACE_BACKUP_TEMPLATES = templates;
      const threads = () => readdirSync('/proc/self/task').length;
      const before = threads();
      await assert.rejects(renderSite(input, out), /notAFunction/);
      assert.ok(threads() <= before, `threads: ${before} before the render, ${threads()} after it failed`);
    } finally {
      for (const [k, v] of [['WORKSPACE_BACKUP_RENDER_THREADS', saved.threads], ['WORKSPACE_BACKUP_TEMPLATES', saved.templates]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('github mode links to blob and commits URLs, and names no other host', async () => {
    const out = await tempDir('wb-render-gh-');
    try {
      await renderSite({ ...input, links: { mode: 'github', repoUrl, branch: 'main' } }, out);
      const e = input.entries.find((x) => x.id === edited)!;
      const page = pageOf(out, documentPageFile(edited)).replace(/&amp;/g, '&');
      assert.ok(page.includes(`href="${repoUrl}/blob/main/${enc(e.path)}"`), 'the file on the branch');
      assert.ok(page.includes(`href="${repoUrl}/commits/main/${enc(e.path)}"`), 'its history');
      for (const v of input.history.get(edited)!) assert.ok(page.includes(`href="${repoUrl}/blob/${v.commit}/${enc(v.path!)}"`), `version ${v.commit}`);
      const folder = input.entries.find((x) => x.kind === 'folder')!;
      assert.ok(pageOf(out, `f/${folder.id}.html`).replace(/&amp;/g, '&').includes(`href="${repoUrl}/tree/main/${enc(folder.path)}"`));
      // The Pages site carries no document bytes: only pages and the site's assets.
      for (const f of filesUnder(out)) assert.match(relative(out, f), /^(index|recent|deleted)\.html$|^[wf]\/[^/]+\.html$|^d\/[0-9a-f]{2}\/[^/]+\.html$|^assets\/(site\.css|site\.js|minisearch\.js|search-index\.js)$|^\.nojekyll$|^robots\.txt$|^\.render-state\.json$/);
      for (const [dir, allowed] of [[out, [repoUrl]], [site, []]] as const) {
        for (const f of filesUnder(dir).filter((x) => /\.(html|js|css)$/.test(x))) {
          for (const url of urlsIn(readFileSync(f, 'utf8'))) {
            assert.ok(allowed.some((a) => url.startsWith(a + '/')), `${relative(dir, f)} names ${url}`);
          }
        }
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('the search index lists every document and folder by name', () => {
    const text = readFileSync(join(site, 'assets', 'search-index.js'), 'utf8');
    const data = JSON.parse(text.slice(text.indexOf('=') + 1).trim().replace(/;$/, '')) as { docs: Array<[string, string, number, number]>; locations: string[] };
    const pages = new Set(data.docs.map((d) => d[0]));
    for (const e of input.entries) {
      if (e.kind === 'document') assert.ok(pages.has(documentPageFile(e.id).replace(/\.html$/, '')), e.id);
      if (e.kind === 'folder') assert.ok(pages.has(`f/${e.id}`), e.id);
    }
    assert.ok(data.docs.some((d) => d[1] === '<script>alert(1)</script>.html'), 'names are data, escaped by JSON');
    const del = data.docs.find((d) => d[0] === documentPageFile(deleted).replace(/\.html$/, ''))!;
    assert.equal(del[3], 1, 'deleted documents are flagged');
    assert.ok(data.locations[del[2]]!.length > 0);
  });
});

test('readTrailers: Document-Id values (several, comma-separated, any case of the key), moved documents, and the bulk and lane marks', () => {
  assert.deepEqual(readTrailers('Document-Id: 12\x1fdocument-id: a1, b2\x1fItems-Added: 3'), { docIds: ['12', 'a1', 'b2'], bulk: true, lane: false, moved: [] });
  assert.deepEqual(readTrailers('Documents-Added: 40'), { docIds: [], bulk: false, lane: true, moved: [] });
  assert.deepEqual(readTrailers(''), { docIds: [], bulk: false, lane: false, moved: [] });
  assert.deepEqual(readTrailers('Document-Id:\x1fnot a trailer\x1fItems-Added:  '), { docIds: [], bulk: false, lane: false, moved: [] }, 'empty values and lines without a key are nothing');
  assert.deepEqual(readTrailers('Document-Id: x:y:z'), { docIds: ['x:y:z'], bulk: false, lane: false, moved: [] }, 'a value may hold colons');
  assert.deepEqual(
    readTrailers('Folder-Id: 7\x1fMoved: 12 Projectplace/A/New: plan, v2.docx\x1fmoved: 13 Projectplace/A/b c.txt\x1fMoved: 14\x1fMoved:  '),
    { docIds: [], bulk: false, lane: false, moved: [{ id: '12', path: 'Projectplace/A/New: plan, v2.docx' }, { id: '13', path: 'Projectplace/A/b c.txt' }] },
    'Moved: the id, then the whole rest as the path; a line without a path is nothing',
  );
});
