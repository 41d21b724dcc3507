// The site of backups made by the real engine from damas-core (its simulator) and from a Pivotal Tracker export: a
// damas node's page shows its parent, its children (versions, comments) and the link nodes at it, each a link to
// the right node's page, read from the node files in the repo (also in a blobless clone); ids the backup does not
// hold are plain text; containers and titles are named per source; and every internal link of every page resolves.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { PivotalImportConnector } from '../../src/connectors/pivotal-import/index.ts';
import { loadSiteInput, renderSite, type SiteInput } from '../../src/engine/render/index.ts';
import { Git } from '../../src/engine/store/git.ts';
import { sync } from '../../src/engine/sync.ts';
import { startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { connectorFor, control, type Rec } from '../connectors/damas-helpers.ts';
import { filesUnder, git, tempDir } from '../helpers/env.ts';
import { generateProject, writeExport } from '../helpers/pivotal-export.ts';

const chromiumPath = '/usr/bin/chromium';
const MISSING = '/Nowhere/gone <b>away</b>.exr';

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** Each document page's item, as the page itself states it ("Id: damas <id>"): id → page file, for one source. */
function pagesById(site: string, source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of filesUnder(join(site, 'd'))) {
    const m = /<dt>Id<\/dt><dd>(\S+) ([^<]*)<\/dd>/.exec(readFileSync(file, 'utf8'));
    if (m && m[1] === source) out.set(unescapeHtml(m[2]!), file);
  }
  return out;
}

/** Where an href of a page leads, as a file path (for site-internal and local-repo links). */
function target(fromFile: string, href: string): string {
  const url = new URL(unescapeHtml(href), pathToFileURL(fromFile));
  url.search = '';
  url.hash = '';
  return fileURLToPath(url);
}

/** Every href and src of every page that is not an outside URL, with where it leads; for the link check. */
function internalLinks(site: string): Array<{ page: string; href: string; to: string }> {
  const out: Array<{ page: string; href: string; to: string }> = [];
  for (const page of filesUnder(site).filter((f) => f.endsWith('.html'))) {
    for (const m of readFileSync(page, 'utf8').matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const href = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) continue;
      out.push({ page, href, to: target(page, href) });
    }
  }
  return out;
}

function assertLinksResolve(site: string): number {
  const links = internalLinks(site);
  const broken = links.filter((l) => !existsSync(l.to)).map((l) => `${l.page.slice(site.length)} → ${l.href}`);
  assert.deepEqual(broken.slice(0, 20), [], `${broken.length} broken links`);
  return links.length;
}

/** The rows of a page's table with this class: per cell, the ids its links lead to and its text. */
function tableRows(html: string, cls: string): Array<Array<{ href?: string; code?: string; text: string }>> {
  const table = new RegExp(`<table class="[^"]*\\b${cls}\\b[^"]*">([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) return [];
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1]!;
  return (body.match(/<tr[\s\S]*?<\/tr>/g) ?? []).map((row) =>
    (row.match(/<td[\s\S]*?<\/td>/g) ?? []).map((cell) => {
      const href = /href="([^"]+)"/.exec(cell)?.[1];
      const code = /<code[^>]*>([^<]*)<\/code>/.exec(cell)?.[1];
      return { ...(href ? { href } : {}), ...(code !== undefined ? { code: unescapeHtml(code) } : {}), text: unescapeHtml(cell.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()) };
    }),
  );
}

/** A definition list entry of the relations facts: the dd after <dt>label</dt>. */
function fact(html: string, label: string): string | undefined {
  const dl = /<dl class="facts relations">([\s\S]*?)<\/dl>/.exec(html)?.[1];
  return dl && new RegExp(`<dt>${label}</dt><dd>([\\s\\S]*?)</dd>`).exec(dl)?.[1];
}

interface Expected {
  children: Map<string, Set<string>>;
  /** node id → "link id|other end|to or from" */
  links: Map<string, Set<string>>;
}

/** Relations as the simulator holds them: computed from its nodes, not from the site's code. */
function expectedRelations(nodes: Rec[]): Expected {
  const children = new Map<string, Set<string>>();
  const links = new Map<string, Set<string>>();
  const put = (m: Map<string, Set<string>>, k: string, v: string) => m.set(k, (m.get(k) ?? new Set()).add(v));
  for (const n of nodes) {
    const id = String(n._id);
    if (typeof n['#parent'] === 'string') put(children, n['#parent'], id);
    if (typeof n.src_id === 'string' && typeof n.tgt_id === 'string') {
      put(links, n.src_id, `${id}|${n.tgt_id}|to`);
      if (n.tgt_id !== n.src_id) put(links, n.tgt_id, `${id}|${n.src_id}|from`);
    }
  }
  return { children, links };
}

describe('the site of a damas backup', () => {
  let sim: RunningDamasSim;
  let repo: string;
  let site: string;
  let input: SiteInput;
  let nodes: Rec[];
  let pages: Map<string, string>;
  let asset: string;
  let deletedAsset: string;
  const added = { version: '', comment: '', linkOut: '', linkIn: '', orphan: '', dangling: '' };

  before(async () => {
    sim = await startDamasSim({ seed: 93, counts: { assets: 30, links: 12, childrenPerAsset: 3 } });
    repo = await tempDir('wb-render-damas-');
    site = join(repo, '.workspace-backup', 'site');
    const all = (await control(sim, 'GET', '/__sim/nodes')) as Rec[];
    const assets = all.map((n) => String(n._id)).filter((id) => /^\/Alpha\/[^/]+\/[^/]+$/.test(id)).sort();
    asset = assets[0]!;
    const other = assets[1]!;
    // Relations of every kind on one asset, and two that point at a node the backup does not hold.
    const made = (await control(sim, 'POST', '/__sim/nodes', [
      { '#parent': asset, version: 9, comment: 'approved final', author: 'eddie', time: Date.UTC(2024, 5, 1) },
      { '#parent': asset, comment: 'needs a new grade' },
      { src_id: asset, tgt_id: other, author: 'alice', time: Date.UTC(2024, 5, 2) },
      { src_id: other, tgt_id: asset, author: 'alice', time: Date.UTC(2024, 5, 3) },
      { '#parent': MISSING, comment: 'orphaned comment' },
      { src_id: asset, tgt_id: MISSING, author: 'alice', time: Date.UTC(2024, 5, 4) },
    ])) as { ids: string[] };
    [added.version, added.comment, added.linkOut, added.linkIn, added.orphan, added.dangling] = made.ids as [string, string, string, string, string, string];
    const first = await sync({ connector: connectorFor(sim), repoDir: repo });
    assert.equal(first.complete, true, JSON.stringify(first.failures));
    // A parent deleted in damas stays in the backup: its children's pages still lead to it, marked deleted. Every
    // node listed here is in the backup (deleted ones keep their files), with this content.
    nodes = (await control(sim, 'GET', '/__sim/nodes')) as Rec[];
    const exp = expectedRelations(nodes);
    deletedAsset = assets.find((id) => id !== asset && id !== other && (exp.children.get(id)?.size ?? 0) > 0)!;
    assert.ok(deletedAsset, 'an asset with children to delete');
    await control(sim, 'DELETE', `/__sim/node?id=${encodeURIComponent(deletedAsset)}`);
    const second = await sync({ connector: connectorFor(sim), repoDir: repo });
    assert.equal(second.complete, true, JSON.stringify(second.failures));
    input = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
    await renderSite(input, site);
    pages = pagesById(site, 'damas');
  });
  after(async () => {
    await sim?.close();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  test('the relations come from the node files: every node has a page, and its content was read', () => {
    const docs = input.entries.filter((e) => e.source === 'damas' && e.kind === 'document');
    assert.equal(docs.length, nodes.length, 'every node, the deleted one too');
    assert.ok(docs.find((e) => e.id === deletedAsset)!.deletedAt, 'marked deleted');
    for (const e of docs) assert.ok(pages.has(e.id), `a page for ${e.id}`);
    assert.equal(input.refs?.size, docs.length, 'every node file was read');
    assert.equal(input.refs!.get(added.version)!.parent, asset);
    assert.deepEqual([input.refs!.get(added.linkOut)!.src, input.refs!.get(added.linkOut)!.tgt], [asset, nodes.find((n) => String(n._id) === added.linkOut)!.tgt_id]);
  });

  test("every node's page lists its parent, children and links, each leading to the right node's page", () => {
    const exp = expectedRelations(nodes);
    const idOfPage = new Map([...pages].map(([id, file]) => [file, id]));
    const idAt = (from: string, href: string | undefined) => (href ? idOfPage.get(target(from, href)) : undefined);
    let withChildren = 0;
    let withLinks = 0;
    for (const n of nodes) {
      const id = String(n._id);
      const file = pages.get(id)!;
      const html = readFileSync(file, 'utf8');
      assert.ok(html.includes('<h2 id="relations">Relations</h2>'), `relations on ${id}`);
      // Parent: a link to its page, or the id as text when the backup has no such node.
      const parent = fact(html, 'Parent');
      if (typeof n['#parent'] === 'string') {
        assert.ok(parent, `parent of ${id}`);
        const href = /href="([^"]+)"/.exec(parent)?.[1];
        if (pages.has(n['#parent'])) assert.equal(idAt(file, href), n['#parent'], `parent link of ${id}`);
        else {
          assert.equal(href, undefined, `no link for the unknown parent of ${id}`);
          assert.ok(unescapeHtml(parent).includes(n['#parent']) && parent.includes('not in the backup'));
        }
      } else assert.equal(parent, undefined, `${id} has no parent`);
      // Children: exactly the nodes whose #parent is this one.
      const children = tableRows(html, 'relations-children').map((cells) => idAt(file, cells[0]!.href) ?? `?${cells[0]!.text}`);
      assert.deepEqual(new Set(children), exp.children.get(id) ?? new Set(), `children of ${id}`);
      if (children.length) withChildren++;
      // Links: every link node with this one at an end, and the other end.
      const links = tableRows(html, 'relations-links').map((cells) => {
        const other = idAt(file, cells[1]!.href) ?? cells[1]!.code!;
        return `${idAt(file, cells[2]!.href)}|${other}|${cells[0]!.text === 'links to' ? 'to' : 'from'}`;
      });
      assert.deepEqual(new Set(links), exp.links.get(id) ?? new Set(), `links of ${id}`);
      if (links.length) withLinks++;
      // A link node names both its ends.
      if (typeof n.src_id === 'string') {
        for (const [label, end] of [['Link from', n.src_id], ['Link to', n.tgt_id]] as const) {
          const dd = fact(html, label)!;
          const href = /href="([^"]+)"/.exec(dd)?.[1];
          if (pages.has(String(end))) assert.equal(idAt(file, href), end, `${label} of ${id}`);
          else assert.ok(!href && unescapeHtml(dd).includes(String(end)), `${label} of ${id} as text`);
        }
      }
    }
    assert.ok(withChildren >= 10 && withLinks >= 10, `relations were there to check (${withChildren} with children, ${withLinks} with links)`);
  });

  test('the hand-made relations: kinds, comments, directions, and ids the backup does not hold as escaped text', () => {
    const html = readFileSync(pages.get(asset)!, 'utf8');
    const children = tableRows(html, 'relations-children');
    const version = children.find((c) => c[0]!.code === added.version)!;
    assert.deepEqual(version.slice(1, 4).map((c) => c.text), ['version 9', 'approved final', 'eddie']);
    assert.equal(children.find((c) => c[0]!.code === added.comment)![1]!.text, 'comment');
    const links = tableRows(html, 'relations-links');
    const dangling = links.find((c) => c[2]!.code === added.dangling)!;
    assert.equal(dangling[0]!.text, 'links to');
    assert.equal(dangling[1]!.href, undefined, 'no link to a node the backup does not hold');
    assert.equal(dangling[1]!.code, MISSING);
    assert.ok(html.includes('/Nowhere/gone &lt;b&gt;away&lt;/b&gt;.exr'), 'the id is escaped text');
    assert.ok(!html.includes('<b>away</b>'));
    assert.equal(links.find((c) => c[2]!.code === added.linkIn)![0]!.text, 'linked from');
    // The deleted parent keeps its page; its children lead to it, marked deleted.
    const child = nodes.find((n) => n['#parent'] === deletedAsset)!;
    const parent = fact(readFileSync(pages.get(String(child._id))!, 'utf8'), 'Parent')!;
    assert.equal(target(pages.get(String(child._id))!, /href="([^"]+)"/.exec(parent)![1]!), pages.get(deletedAsset));
    assert.match(parent, /mark-deleted/);
    // A node with no relation says so.
    const lonely = nodes.find((n) => String(n._id).startsWith('/hostile/') && !(expectedRelations(nodes).links.has(String(n._id))))!;
    assert.match(readFileSync(pages.get(String(lonely._id))!, 'utf8'), /No parent, versions, comments or links/);
  });

  test('labels and title: "damas backup", its containers are top folders', () => {
    assert.equal(input.title, 'damas backup');
    const index = readFileSync(join(site, 'index.html'), 'utf8');
    assert.match(index, /<title>damas backup · damas backup<\/title>/);
    assert.match(index, /<h2>damas<\/h2>\s*<h3>Top folders<\/h3>/);
    assert.match(index, /<th data-sort="text" aria-sort="ascending">Top folder<\/th>/);
    assert.match(index, /documents in <strong>\d+<\/strong> top folders,/);
    assert.match(index, /aria-current="page">Top folders<\/a>/, 'the nav names them');
    assert.ok(!/[Ww]orkspace/.test(index.replace(/id="workspaces-\d+"/g, '')), 'no "workspace" on a damas index');
    const doc = readFileSync(pages.get(asset)!, 'utf8');
    assert.match(doc, /<li><a href="..\/..\/index.html">All top folders<\/a><\/li>\s*<li><span>damas<\/span><\/li>/);
  });

  test('every internal link of every page resolves', () => {
    assert.ok(assertLinksResolve(site) > nodes.length * 3);
  });

  test('a blobless clone reads the node files in one fetch and shows the same relations', async () => {
    git(repo, 'config', 'uploadpack.allowFilter', 'true');
    git(repo, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
    const clone = await tempDir('wb-render-damas-clone-');
    try {
      git(clone, 'clone', '-q', '--filter=blob:none', '--no-checkout', pathToFileURL(repo).href, 'c');
      const c = join(clone, 'c');
      const missingBefore = git(c, 'rev-list', '--objects', '--missing=print', 'HEAD', '--', 'damas/').split('\n').filter((l) => l.startsWith('?')).length;
      assert.ok(missingBefore >= nodes.length, `the clone lacks the node files (${missingBefore} missing)`);
      const fromClone = await loadSiteInput(new Git(c), 'HEAD', { links: { mode: 'local', repoDir: c } });
      assert.deepEqual(fromClone.refs, input.refs);
      const missingAfter = git(c, 'rev-list', '--objects', '--missing=print', 'HEAD', '--', 'damas/').split('\n').filter((l) => l.startsWith('?')).length;
      assert.equal(missingAfter, 0, 'the node files were fetched');
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  test('in Chromium, a node page shows its parent, children and links, and a click leads to the child', { skip: existsSync(chromiumPath) ? false : `no ${chromiumPath}` }, async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(pages.get(asset)!).href);
      assert.equal(await page.locator('h2#relations').isVisible(), true);
      const children = page.locator('table.relations-children tbody tr');
      assert.ok((await children.count()) >= 2);
      assert.equal(await page.locator('table.relations-children tr', { hasText: 'version 9' }).isVisible(), true);
      const links = page.locator('table.relations-links');
      assert.equal(await links.locator('tr', { hasText: 'linked from' }).first().isVisible(), true);
      assert.equal(await links.locator('tr', { hasText: MISSING }).locator('a').count() >= 1, true, 'the link node itself is linked');
      assert.equal(await links.locator('tr', { hasText: MISSING }).locator('td').nth(1).locator('a').count(), 0, 'the missing end is not');
      await page.screenshot({ path: '/tmp/damas-page.png', fullPage: true });
      await page.locator('table.relations-children tr', { hasText: 'version 9' }).locator('a').click();
      await page.waitForURL((u) => fileURLToPath(u) === pages.get(added.version));
      assert.equal(await page.locator('h1').textContent(), `${added.version}.json`);
      await page.locator('dl.relations dd a').first().click();
      await page.waitForURL((u) => fileURLToPath(u) === pages.get(asset));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

describe('the site of a Pivotal Tracker import, then with damas beside it', () => {
  let root: string;
  let repo: string;

  before(async () => {
    root = await tempDir('wb-render-pvt-');
    repo = join(root, 'repo');
    const p = generateProject({ seed: 43, projectName: 'Web shop', stories: 8, people: 4, maxComments: 3 });
    await writeExport(join(root, 'export'), p);
    const r = await sync({ connector: new PivotalImportConnector(join(root, 'export')), repoDir: repo });
    assert.equal(r.complete, true, JSON.stringify(r.failures));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('one source: "Pivotal Tracker backup", its containers are projects, and no relations section', async () => {
    const site = join(root, 'site-pivotal');
    const input = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
    assert.equal(input.title, 'Pivotal Tracker backup');
    assert.equal(input.refs, undefined, 'no node files to read');
    await renderSite(input, site);
    const index = readFileSync(join(site, 'index.html'), 'utf8');
    assert.match(index, /<h2>Pivotal Tracker<\/h2>\s*<h3>Projects<\/h3>/);
    assert.match(index, /<a class="ico ico-ws" href="w\/[^"]+">Web shop<\/a>/);
    assert.match(index, /documents in <strong>1<\/strong> project,/);
    assert.match(index, /aria-current="page">Projects<\/a>/);
    const story = filesUnder(join(site, 'd')).find((f) => readFileSync(f, 'utf8').includes('/stories/'))!;
    const html = readFileSync(story, 'utf8');
    assert.ok(!html.includes('id="relations"'));
    assert.match(html, /<a href="..\/..\/index.html">All projects<\/a>/);
    const folder = filesUnder(join(site, 'f')).map((f) => readFileSync(f, 'utf8')).find((h) => h.includes('<h1>stories</h1>'))!;
    assert.match(folder, /In project <a href="..\/w\/[^"]+">Web shop<\/a>/);
    assertLinksResolve(site);
  });

  test('two sources: "Backup", each source with its own container name, the nav names the sources', async () => {
    const sim = await startDamasSim({ seed: 94, counts: { assets: 8, links: 3 } });
    try {
      const r = await sync({ connector: connectorFor(sim), repoDir: repo });
      assert.equal(r.complete, true, JSON.stringify(r.failures));
    } finally {
      await sim.close();
    }
    const site = join(root, 'site-both');
    const input = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
    assert.equal(input.title, 'Backup');
    assert.ok(input.refs && input.refs.size > 0);
    await renderSite(input, site);
    const index = readFileSync(join(site, 'index.html'), 'utf8');
    assert.match(index, /<h2>damas<\/h2>\s*<h3>Top folders<\/h3>/);
    assert.match(index, /<h2>Pivotal Tracker<\/h2>\s*<h3>Projects<\/h3>/);
    assert.match(index, /documents in <strong>\d+<\/strong> top folders and <strong>1<\/strong> project,/);
    assert.match(index, /aria-current="page">Sources<\/a>/);
    assert.match(index, /Size per top folder or project/);
    assertLinksResolve(site);
  });
});
