// Renders the site with nunjucks (autoescaped) and writes only the files whose content changed.

import { createHash, hash as digest } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { Git } from '../store/git.ts';
import { loadSiteStore, type SiteOptions } from './load.ts';
import { SiteFront, siteGlobals } from './model.ts';
import { Writer, type FileState } from './page-files.ts';
import { ShardPool } from './shard-pool.ts';
import { putPage, renderShard, shardRenderer, type ShardDone, type ShardJob, type ShardRenderData } from './shard-render.ts';
import { memoryShards, type ShardSource } from './shards.ts';
import { templatesDir } from './templates.ts';
import type { RenderResult, SiteInput } from './types.ts';

/** The options the page builds its search index with (site.js). */
export const searchOptions = { idField: 'i', fields: ['n'] };

/** Page folders the renderer owns: stale pages in them (an id that is gone) are removed. */
const pageDirs = ['w', 'f', 'd'];

/** Remembers, per file, what it was made from and what was written, so an unchanged page need not even be rendered. */
const stateFile = '.render-state.json';

/** Renders a site held in memory (SiteInput): a small site, or tests. renderRepo reads a repo without holding it. */
export function renderSite(input: SiteInput, outDir: string): Promise<RenderResult> {
  return renderShards(memoryShards(input), outDir);
}

/**
 * Renders the site of a backup repo at `ref`: its data is read into a scratch SQLite file (loadSiteStore), then made
 * into pages one shard (workspace) at a time, so the render holds one shard's data at a time whatever the account's size.
 */
export async function renderRepo(git: Git, ref: string, opts: SiteOptions, outDir: string): Promise<RenderResult> {
  const store = await loadSiteStore(git, ref, opts);
  try {
    return await renderShards(store, outDir);
  } finally {
    store.close();
  }
}

export async function renderShards(source: ShardSource, outDir: string): Promise<RenderResult> {
  const dir = templatesDir();
  const out = resolve(outDir);
  const globals = siteGlobals({ title: source.title, sources: source.sources, sharedIds: source.sharedIds, generatedAt: source.generatedAt });

  // Assets: the site's own CSS and JS, and MiniSearch's browser build (no CDN: the site works offline).
  const css = await readFile(join(dir, 'assets', 'site.css'));
  const js = await readFile(join(dir, 'assets', 'site.js'));
  const minisearch = await minisearchBrowserBuild(dir);
  const assetVersion = createHash('sha256').update(css).update(js).update(minisearch).digest('hex').slice(0, 10);
  const templatesVersion = await hashTemplates(dir, assetVersion);
  const data: ShardRenderData = { out, templates: dir, globals, links: source.links, templatesVersion, assetVersion };

  const last = await readState(out);
  const existing = await listExisting(out, ['', 'assets', ...pageDirs]);
  const front = new Writer(out, last.front, existing);
  const shardStates = new Map<string, string>();
  const site = new SiteFront(globals);
  let pages = 3;
  let written = 0;
  let unchanged = 0;
  // Summaries are gathered in the shards' order, whichever worker finishes first: the front pages and the search
  // index come out the same on any number of threads.
  const keys = source.keys();
  const order = new Map(keys.map((k, i) => [k, i]));
  const waiting = new Map<number, ShardDone>();
  let next = 0;
  const gather = (d: ShardDone) => {
    site.add(d.summary);
    shardStates.set(d.key, d.states);
    pages += d.pages;
    written += d.written;
    unchanged += d.unchanged;
  };
  const done = (d: ShardDone) => {
    waiting.set(order.get(d.key)!, d);
    for (let ready = waiting.get(next); ready; ready = waiting.get(next)) {
      waiting.delete(next++);
      gather(ready);
    }
  };

  // Making pages is CPU-bound, and so is finding them unchanged (each page's data is laid out and hashed): for a
  // large site the shards go to worker threads, while this thread reads them from the source and gathers their
  // summaries. For a small one, starting threads costs more than the work they would share.
  const workers = source.pageCount >= parallelFrom || threadsAsked() !== undefined ? workerCount() : 0;
  const pool = workers > 0 ? new ShardPool(workers, workerFile, data, done) : undefined;
  // This thread's renderer: the shards' pages when there are no workers, the front pages in any case.
  const renderer = shardRenderer(data);
  try {
    for (const key of keys) {
      const job: ShardJob = { key, json: source.json(key), before: last.shards.get(key) ?? '' };
      if (pool) await pool.add(job);
      else done(renderShard(renderer, job));
    }
    await pool?.finish();
  } finally {
    await pool?.close();
  }

  // The front pages, from every shard's summary; then the assets, the search index among them.
  for (const page of site.pages(source.runs)) putPage(renderer, front, page);
  const searchScript = searchIndexScript(site.searchData());
  const fixed: Array<[string, string, () => Buffer | string]> = [
    ['assets/site.css', hashOf(css), () => css],
    ['assets/site.js', hashOf(js), () => js],
    ['assets/minisearch.js', hashOf(minisearch), () => minisearch],
    ['assets/search-index.js', hashOf(searchScript), () => searchScript],
    ['.nojekyll', 'empty', () => ''],
    ['robots.txt', 'robots', () => 'User-agent: *\nDisallow: /\n'],
  ];
  for (const [file, hash, make] of fixed) front.put(file, hash, make);

  await removeStale(out, existing, () => {
    const produced = new Set<string>(front.after.keys());
    for (const states of shardStates.values()) for (const file of Object.keys(JSON.parse(states) as object)) produced.add(file);
    return produced;
  });
  await writeState(out, { templates: templatesVersion, front: front.after, shards: shardStates });
  return { pages, written: written + front.written, unchanged: unchanged + front.unchanged, threads: workers + 1 };
}

/** Sites from this many pages are rendered by worker threads. */
const parallelFrom = 5000;

/**
 * Render threads besides this one: WORKSPACE_BACKUP_RENDER_THREADS when set (0 = this thread only; set, it applies
 * to sites of any size), else one per core, at most 4 (this thread reads the shards meanwhile); none on one core,
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

interface RenderState {
  templates: string;
  /** The front pages and assets. */
  front: Map<string, FileState>;
  /** Each shard's pages: JSON of {file: FileState}, as the shard's worker made it. */
  shards: Map<string, string>;
}

/**
 * The state file is JSON lines: {"version":3,"templates","front"} first, then a line per shard, its key as a
 * JSON string, a tab, and its pages' states as the shard's worker wrote them (read back as text, passed on as text).
 */
async function readState(out: string): Promise<RenderState> {
  try {
    const lines = (await readFile(join(out, stateFile), 'utf8')).split('\n');
    const head = JSON.parse(lines[0]!) as { version?: unknown; templates?: unknown; front?: unknown };
    if (head.version === 3 && head.front && typeof head.front === 'object') {
      const shards = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const tab = line.indexOf('\t');
        if (tab !== -1) shards.set(JSON.parse(line.slice(0, tab)) as string, line.slice(tab + 1));
      }
      return { templates: String(head.templates ?? ''), front: new Map(Object.entries(head.front as Record<string, FileState>)), shards };
    }
  } catch {
    // No state (first render) or a damaged one: every page is rendered and compared with the disk.
  }
  return { templates: '', front: new Map(), shards: new Map() };
}

async function writeState(out: string, state: RenderState): Promise<void> {
  const temp = join(out, `${stateFile}.${process.pid}.tmp`);
  const lines = [JSON.stringify({ version: 3, templates: state.templates, front: Object.fromEntries(state.front) })];
  for (const [key, files] of state.shards) lines.push(`${JSON.stringify(key)}\t${files}`);
  await writeFile(temp, lines.join('\n') + '\n');
  await rename(temp, join(out, stateFile));
}

/**
 * The search data as a script (a page opened from file:// may not fetch JSON, but it may load a script): rows [page
 * without ".html", name, location number, deleted] and the locations once each. The page builds its MiniSearch index
 * of the names from the rows on first use (about a second for 100,000 names): a prebuilt one was twice the download,
 * and building it here held ~100 MB for a 100,000-document site (bench/RESULTS.md).
 */
function searchIndexScript(data: { locations: string[]; rows: string }): string {
  return `/* The site's search data: the page indexes the names with MiniSearch on first use. */\nwindow.__wbSearch = {"options":${JSON.stringify(searchOptions)},"locations":${JSON.stringify(data.locations)},"docs":${data.rows}};\n`;
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
async function removeStale(out: string, existing: Set<string>, produced: () => Set<string>): Promise<void> {
  let pages: Set<string> | undefined;
  for (const rel of existing) {
    if (!pageDirs.some((d) => rel.startsWith(`${d}/`))) continue;
    if (!rel.endsWith('.html') && !rel.endsWith('.tmp')) continue;
    pages ??= produced();
    if (!pages.has(rel)) await rm(join(out, rel), { force: true });
  }
}
