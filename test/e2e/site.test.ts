// The site in a real browser (Debian's Chromium via playwright-core): navigation, search, deletions, hostile names, no outside request.

import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Entry } from '../../src/engine/entry.ts';
import { loadSiteInput, renderSite, type SiteInput } from '../../src/engine/render/index.ts';
import { documentPageFile } from '../../src/engine/render/model.ts';
import { Git } from '../../src/engine/store/git.ts';
import { repoRoot, runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';

const chromiumPath = '/usr/bin/chromium';
const shots = join(repoRoot, 'test-output', 'site');

/** Names that would run code if any page put them into HTML unescaped; each sets a probe the test reads back. */
const probes = [
  '<script>window.__xss = 1</script>.txt',
  '"><img src=x onerror="window.__xss2=1">.txt',
  "' onmouseover='window.__xss3=1' x='.txt",
  'Tom & Jerry "quotes" <b>bold</b>.txt',
];

const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json' };

/** A tiny static server for the site, on 127.0.0.1 only. */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(root, '.' + path);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe('the site in Chromium', { skip: existsSync(chromiumPath) ? false : `no ${chromiumPath}` }, () => {
  let fx: SimFixture;
  let repo: string;
  let site: string;
  let input: SiteInput;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  let deleted: Entry;
  let target: Entry;

  before(async () => {
    fx = await startSim({ seed: 7, workspaces: 3, documents: 30 });
    repo = await tempDir('wb-site-e2e-');
    site = join(repo, '.workspace-backup', 'site');
    await runSync(fx.sim, repo);
    const dump = await fx.control.state();
    const gone = dump.items.find((i) => i.kind === 'document' && !i.deleted && !i.name.includes('<'))!;
    await fx.control.mutate({ op: 'delete', id: gone.id });
    await runSync(fx.sim, repo);
    input = await loadSiteInput(new Git(repo), 'HEAD', { links: { mode: 'local', repoDir: repo } });
    deleted = input.entries.find((e) => e.id === String(gone.id))!;
    // A document two folders down, in an active workspace, with an ordinary name to search for.
    const active = new Set(input.entries.filter((e) => e.kind === 'workspace' && !e.archivedAt).map((e) => e.id));
    const folders = new Map(input.entries.filter((e) => e.kind === 'folder').map((e) => [e.id, e]));
    const ordinary = (e: Entry) => e.kind === 'document' && !e.deletedAt && active.has(e.container) && e.parent !== null && /^[A-Za-z]+ [a-z]+ \d+\.\w+$/.test(e.name);
    target = input.entries.find((e) => ordinary(e) && folders.get(e.parent!)?.parent) ?? input.entries.find(ordinary)!;
    assert.ok(target, `a document in a folder with an ordinary name, among ${JSON.stringify(input.entries.filter((e) => e.kind === 'document').map((e) => e.name))}`);
    const ws = input.entries.find((e) => e.id === target.container)!;
    probes.forEach((name, i) => input.entries.push({ source: 'projectplace', id: `probe${i}`, kind: 'document', name, path: `${ws.path}/probe ${i}.txt`, parent: null, container: ws.id, size: 10 }));
    await renderSite(input, site);
    ({ server, url: base } = await serve(site));
    await mkdir(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await fx?.close();
    await rm(repo, { recursive: true, force: true });
  });

  test('navigate index → workspace → folder → document → versions by clicking', async () => {
    await page.goto(base + 'index.html');
    await page.screenshot({ path: join(shots, 'index.png'), fullPage: true });
    const chain: Entry[] = [];
    for (let id: string | null = target.parent; id; ) {
      const f = input.entries.find((e) => e.id === id)!;
      chain.unshift(f);
      id = f.parent;
    }
    await page.locator(`table.list a[href="w/${target.container}.html"]`).click();
    await page.waitForURL(`**/w/${target.container}.html`);
    assert.equal(await page.locator('h1').textContent(), input.entries.find((e) => e.id === target.container)!.name);
    await page.screenshot({ path: join(shots, 'workspace.png'), fullPage: true });
    for (const f of chain) {
      await page.locator(`table.list a[href="../f/${f.id}.html"]`).click();
      await page.waitForURL(`**/f/${f.id}.html`);
      assert.equal(await page.locator('h1').textContent(), f.name);
      assert.equal(await page.locator('nav.crumbs li').last().textContent(), f.name);
    }
    await page.screenshot({ path: join(shots, 'folder.png'), fullPage: true });
    await page.locator(`table.list a[href="../${documentPageFile(target.id)}"]`).click();
    await page.waitForURL(`**/${documentPageFile(target.id)}`);
    assert.equal(await page.locator('h1').textContent(), target.name);
    const rows = page.locator('table.versions tbody tr');
    const versions = input.history.get(target.id)!;
    assert.equal(await rows.count(), versions.length);
    const first = await rows.first().textContent();
    assert.ok(first?.includes(versions[0]!.author), first ?? '');
    assert.ok(first?.includes(versions[0]!.commit.slice(0, 10)));
    // Sortable: the date column reverses on a click.
    await page.locator('table.versions th', { hasText: 'Date' }).click();
    assert.equal(await page.locator('table.versions th', { hasText: 'Date' }).getAttribute('aria-sort'), 'ascending');
    await page.screenshot({ path: join(shots, 'document.png'), fullPage: true });
  });

  test('the search box finds a document by part of its name', async () => {
    await page.goto(base + 'index.html');
    const part = target.name.slice(2, 9); // from inside the first word: not only word prefixes
    await page.locator('#q').fill(part);
    const hit = page.locator(`#search-results a[href="${documentPageFile(target.id)}"]`);
    await hit.waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(shots, 'search.png') });
    await hit.click();
    await page.waitForURL(`**/${documentPageFile(target.id)}`);
    // Words of the name and its folder, as a person types them.
    await page.locator('#q').fill(target.name.split(' ')[0]!.toLowerCase() + ' ' + target.name.split(' ')[2]!.slice(0, 2));
    await page.locator(`#search-results a[href="../../${documentPageFile(target.id)}"]`).waitFor({ timeout: 5000 });
    // A word of its folder and a word of its name.
    const folder = input.entries.find((e) => e.id === target.parent)!;
    await page.locator('#q').fill(`${folder.name.split(' ')[0]!.toLowerCase()} ${target.name.split(' ')[1]}`);
    await page.locator(`#search-results a[href="../../${documentPageFile(target.id)}"]`).waitFor({ timeout: 5000 });
  });

  test('a deleted document shows as deleted, with its date', async () => {
    await page.goto(base + documentPageFile(deleted.id));
    const mark = await page.locator('.mark-deleted').first().textContent();
    assert.equal(mark?.trim(), `deleted ${deleted.deletedAt!.slice(0, 10)} ${deleted.deletedAt!.slice(11, 16)} UTC`);
    await page.goto(base + 'deleted.html');
    assert.ok(await page.locator(`a[href="${documentPageFile(deleted.id)}"]`).isVisible());
    await page.screenshot({ path: join(shots, 'deleted.png'), fullPage: true });
  });

  test('hostile names show as text and run nothing', async () => {
    const hostile = input.entries.find((e) => e.name === '<script>alert(1)</script>.html')!;
    await page.goto(base + documentPageFile(hostile.id));
    assert.equal(await page.locator('h1').textContent(), hostile.name);
    assert.equal(await page.title(), `${hostile.name} · ${input.title}`);
    for (let i = 0; i < probes.length; i++) {
      await page.goto(base + documentPageFile(`probe${i}`));
      assert.equal(await page.locator('h1').textContent(), probes[i]);
    }
    // The workspace page lists them all (and the link named <img src=x onerror=alert(1)>); search shows them too.
    await page.goto(base + `w/${target.container}.html`);
    await page.mouse.move(10, 10);
    for (const name of probes) assert.equal(await page.getByText(name, { exact: true }).count() >= 1, true, name);
    await page.locator('#q').fill('window');
    await page.locator('#search-results a').first().waitFor();
    await page.hover('#search-results a');
    await page.screenshot({ path: join(shots, 'hostile.png') });
    const set = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return ['__xss', '__xss2', '__xss3'].filter((k) => w[k] !== undefined);
    });
    assert.deepEqual(set, []);
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(errors, [], 'no script error');
  });

  test('from file:// too: the pages work and search loads', async () => {
    const local = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    local.on('request', (r) => requests.push(r.url()));
    local.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    local.on('console', (m) => {
      if (m.type() === 'error') errors.push(`file://: ${m.text()}`);
    });
    try {
      await local.goto(pathToFileURL(join(site, 'index.html')).href);
      await local.locator(`table.list a[href="w/${target.container}.html"]`).click();
      await local.waitForURL(`**/w/${target.container}.html`);
      await local.locator('#q').fill(target.name.slice(0, 6));
      await local.locator(`#search-results a[href="../${documentPageFile(target.id)}"]`).waitFor({ timeout: 5000 });
      assert.deepEqual(errors, [], 'no script error, no blocked resource');
    } finally {
      await local.close();
    }
  });

  test('readable on a phone (390 px): no sideways scrolling', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.on('request', (r) => requests.push(r.url()));
    try {
      for (const [name, path] of [['phone-index', 'index.html'], ['phone-folder', `w/${target.container}.html`], ['phone-document', documentPageFile(target.id)]] as const) {
        await phone.goto(base + path);
        const wide = Number(await phone.evaluate('document.documentElement.scrollWidth'));
        assert.ok(wide <= 390, `${path} is ${wide}px wide`);
        await phone.screenshot({ path: join(shots, `${name}.png`) });
      }
    } finally {
      await phone.close();
    }
  });

  test('no request leaves localhost', () => {
    assert.ok(requests.length > 10);
    const outside = requests.filter((u) => !u.startsWith(base) && !u.startsWith('file://'));
    assert.deepEqual(outside, []);
  });
});
