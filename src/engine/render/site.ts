// Renders the site with nunjucks (autoescaped) and writes only the files whose content changed.

import { createHash, hash as digest } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import MiniSearch from 'minisearch';
import { withBulkHeap } from '../../lib/tuned-heap.ts';
import { contentLinks } from './links.ts';
import { buildSite, type SearchDoc } from './model.ts';
import { Writer, type FileState } from './page-files.ts';
import { PagePool } from './page-pool.ts';
import { environment, templatesDir } from './templates.ts';
import type { RenderResult, SiteInput } from './types.ts';

/** The search options the page loads the prebuilt index with: they must match the ones it was built with. */
export const searchOptions = { idField: 'i', fields: ['n'] };

/** Page folders the renderer owns: stale pages in them (an id that is gone) are removed. */
const pageDirs = ['w', 'f', 'd'];

/** Remembers, per file, what it was made from and what was written, so an unchanged page need not even be rendered. */
const stateFile = '.render-state.json';

export async function renderSite(input: SiteInput, outDir: string): Promise<RenderResult> {
  const dir = templatesDir();
  const out = resolve(outDir);
  // Like loading the input, building the model only adds live objects (bulkHeap).
  const model = withBulkHeap(() => buildSite(input, contentLinks(input.links, out)));

  // Assets: the site's own CSS and JS, and MiniSearch's browser build (no CDN: the site works offline).
  const css = await readFile(join(dir, 'assets', 'site.css'));
  const js = await readFile(join(dir, 'assets', 'site.js'));
  const minisearch = await minisearchBrowserBuild(dir);
  const assetVersion = createHash('sha256').update(css).update(js).update(minisearch).digest('hex').slice(0, 10);
  const templatesVersion = await hashTemplates(dir, assetVersion);

  const { files: before, templates: lastTemplates } = await readState(out);
  const existing = await listExisting(out, ['', 'assets', ...pageDirs]);
  const writer = new Writer(out, before, existing);

  // Rendering is CPU-bound: for a large site the pages are rendered by worker threads, while this thread lays them
  // out (the model, built once) and skips the unchanged ones. Threads pay off when most pages must be rendered (first
  // render, new templates); for a few changed pages the cost of starting them is larger than the work they share.
  const mostlyNew = lastTemplates !== templatesVersion || before.size < model.pageCount / 2;
  const workers = mostlyNew && (model.pageCount >= parallelFrom || threadsAsked() !== undefined) ? workerCount() : 0;
  const pool = workers > 0 ? new PagePool(workers, workerFile, { out, templates: dir }, (w) => writer.record(w)) : undefined;
  const produced = new Set<string>();
  try {
    // The assets, the search index among them (seconds for 100,000 documents), while the workers start.
    const searchData = JSON.stringify(model.search);
    const fixed: Array<[string, string, () => Buffer | string]> = [
      ['assets/site.css', hashOf(css), () => css],
      ['assets/site.js', hashOf(js), () => js],
      ['assets/minisearch.js', hashOf(minisearch), () => minisearch],
      ['assets/search-index.js', hashOf(searchData), () => searchIndexScript(model.search)],
      ['.nojekyll', 'empty', () => ''],
      ['robots.txt', 'robots', () => 'User-agent: *\nDisallow: /\n'],
    ];
    for (const [file, hash, make] of fixed) writer.put(file, hash, make);

    const env = pool ? undefined : environment(dir);
    const common = { site: { title: input.title, home: model.home }, assetVersion };
    for (const page of model.pages()) {
      produced.add(page.file);
      const context = Object.assign(page.context, common);
      const json = JSON.stringify(context);
      const hash = digest('sha1', `${templatesVersion}\0${page.template}\0${json}`, 'base64');
      if (writer.skip(page.file, hash)) continue;
      if (pool) await pool.add({ file: page.file, template: page.template, json, hash, exists: writer.exists(page.file) });
      else writer.write(page.file, hash, env!.render(page.template, context));
    }
    await pool?.finish();
  } finally {
    await pool?.close();
  }
  await removeStale(out, existing, produced);
  await writeState(out, writer.after, templatesVersion);
  return { pages: model.pageCount, written: writer.written, unchanged: writer.unchanged, threads: workers + 1 };
}

/** Sites from this many pages are rendered by worker threads. */
const parallelFrom = 5000;

/**
 * Render threads besides this one: WORKSPACE_BACKUP_RENDER_THREADS when set (0 = this thread only; set, it applies
 * to sites of any size), else one per core, at most 4 (this thread lays the pages out meanwhile); none on one core,
 * where handing pages over would only add work.
 */
function workerCount(): number {
  if (!workerFile) return 0; // e.g. bundled without the worker: one thread then
  const cores = availableParallelism();
  return threadsAsked() ?? (cores > 1 ? Math.min(cores, 4) : 0);
}

function threadsAsked(): number | undefined {
  const asked = Number(process.env.WORKSPACE_BACKUP_RENDER_THREADS);
  return process.env.WORKSPACE_BACKUP_RENDER_THREADS && Number.isInteger(asked) && asked >= 0 ? Math.min(asked, 8) : undefined;
}

/** The worker's module: worker.ts beside this one in the sources; render-worker.js beside the Action's bundle. */
const workerFile = ['./worker.ts', './render-worker.js'].map((f) => fileURLToPath(new URL(f, import.meta.url))).find((f) => existsSync(f)) ?? '';

async function listExisting(out: string, dirs: string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (const d of dirs) {
    await mkdir(join(out, d), { recursive: true });
    for (const entry of await readdir(join(out, d), { withFileTypes: true })) {
      const rel = d ? `${d}/${entry.name}` : entry.name;
      // Document pages are one level down (d/<bucket>/); the other page folders hold only files.
      if (entry.isDirectory() && d === 'd') for (const name of await readdir(join(out, rel))) existing.add(`${rel}/${name}`);
      else existing.add(rel);
    }
  }
  return existing;
}

function hashOf(data: Buffer | string): string {
  return digest('sha1', data, 'base64');
}

/** A version of the templates (and assets): when it changes, every page is rendered again. */
async function hashTemplates(dir: string, assetVersion: string): Promise<string> {
  const h = createHash('sha1').update(assetVersion);
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.njk')).sort()) h.update(name).update(await readFile(join(dir, name)));
  return h.digest('base64');
}

async function readState(out: string): Promise<{ files: Map<string, FileState>; templates: string }> {
  try {
    const v = JSON.parse(await readFile(join(out, stateFile), 'utf8')) as { templates?: unknown; files?: unknown };
    if (v.files && typeof v.files === 'object') return { files: new Map(Object.entries(v.files as Record<string, FileState>)), templates: String(v.templates ?? '') };
  } catch {
    // No state (first render) or a damaged one: every page is rendered and compared with the disk.
  }
  return { files: new Map(), templates: '' };
}

async function writeState(out: string, state: Map<string, FileState>, templates: string): Promise<void> {
  const temp = join(out, `${stateFile}.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify({ version: 1, templates, files: Object.fromEntries(state) }));
  await rename(temp, join(out, stateFile));
}

/**
 * The prebuilt index as a script (a page opened from file:// may not fetch JSON, but it may load a script): rows
 * [page without ".html", name, location number, deleted], the locations once each, and a MiniSearch index of the
 * names whose ids are row numbers. The page matches words of locations and parts of names by a scan of the rows.
 */
function searchIndexScript(docs: SearchDoc[]): string {
  const ms = new MiniSearch<{ i: number; n: string }>({ ...searchOptions, fields: [...searchOptions.fields] });
  ms.addAll(docs.map((d, i) => ({ i, n: d.n })));
  const locations = new Map<string, number>();
  const rows = docs.map((d) => {
    let loc = locations.get(d.p);
    if (loc === undefined) locations.set(d.p, (loc = locations.size));
    return [d.u.replace(/\.html$/, ''), d.n, loc, d.x ?? 0];
  });
  return `/* The site's search index (MiniSearch), built with the pages. */\nwindow.__wbSearch = ${JSON.stringify({ options: searchOptions, locations: [...locations.keys()], docs: rows, index: ms })};\n`;
}

/**
 * MiniSearch's browser build, with the URLs in its comments taken out: the site names no outside host at all.
 * Read from node_modules; a bundle without node_modules finds it next to itself (minisearch.umd.js) or in the templates.
 */
async function minisearchBrowserBuild(templates: string): Promise<Buffer> {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(dirname(createRequire(import.meta.url).resolve('minisearch'))), 'umd', 'index.js'));
  } catch {
    // not installed beside us: a bundle
  }
  candidates.push(join(dirname(fileURLToPath(import.meta.url)), 'minisearch.umd.js'), join(templates, 'assets', 'vendor', 'minisearch.umd.js'));
  const umd = candidates.find((c) => existsSync(c));
  if (!umd) throw new Error(`MiniSearch's browser build was not found (looked in ${candidates.join(', ')}): install the minisearch package or copy its dist/umd/index.js to one of these places`);
  const text = await readFile(umd, 'utf8');
  const cleaned = text
    .split('\n')
    .map((line) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? line.replace(/https?:\/\/\S+/g, '(link removed)') : line))
    .join('\n');
  return Buffer.from(`/* MiniSearch (MIT licence, Luca Ongaro), UMD build, copied by workspace-backup. */\n${cleaned}`, 'utf8');
}

/**
 * Removes the pages the render did not produce, from the listing made before it (listExisting): pages of ids that are
 * gone, pages of an earlier layout (d/<stem>.html, before the buckets), and .tmp files a killed render left.
 */
async function removeStale(out: string, existing: Set<string>, pages: Set<string>): Promise<void> {
  for (const rel of existing) {
    if (!pageDirs.some((d) => rel.startsWith(`${d}/`))) continue;
    if ((rel.endsWith('.html') || rel.endsWith('.tmp')) && !pages.has(rel)) await rm(join(out, rel), { force: true });
  }
}
