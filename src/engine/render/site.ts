// Renders the site with nunjucks (autoescaped) and writes only the files whose content changed.

import { createHash, hash as digest } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import MiniSearch from 'minisearch';
import nunjucks from 'nunjucks';
import { contentLinks } from './links.ts';
import { buildSite, type SearchDoc, type SiteModel } from './model.ts';
import type { RenderResult, SiteInput } from './types.ts';

/** The search options the page loads the prebuilt index with: they must match the ones it was built with. */
export const searchOptions = { idField: 'i', fields: ['n'] };

/** Page folders the renderer owns: stale pages in them (an id that is gone) are removed. */
const pageDirs = ['w', 'f', 'd'];

/** templates/ of this package, wherever the module runs from (sources, or a bundle next to it). */
export function templatesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env.WORKSPACE_BACKUP_TEMPLATES, resolve(here, '../../../templates'), resolve(here, '../templates'), resolve(here, 'templates')];
  for (const c of candidates) if (c && existsSync(join(c, 'layout.njk'))) return c;
  throw new Error(`the site's templates were not found (looked in ${candidates.filter(Boolean).join(', ')}); set WORKSPACE_BACKUP_TEMPLATES to the templates folder`);
}

export function environment(dir: string): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });
  env.addFilter('num', (n: unknown) => (typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(n ?? '')));
  return env;
}

/** Remembers, per file, what it was made from and what was written, so an unchanged page need not even be rendered. */
const stateFile = '.render-state.json';

export interface FileState {
  /** Hash of the template set and the page's data. */
  h: string;
  /** Size and mtime of the file as written: if the file on disk still has them, it is what we wrote. */
  s: number;
  m: number;
}

export async function renderSite(input: SiteInput, outDir: string): Promise<RenderResult> {
  const dir = templatesDir();
  const out = resolve(outDir);
  const model = buildSite(input, contentLinks(input.links, out));

  // Assets: the site's own CSS and JS, and MiniSearch's browser build (no CDN: the site works offline).
  const css = await readFile(join(dir, 'assets', 'site.css'));
  const js = await readFile(join(dir, 'assets', 'site.js'));
  const minisearch = await minisearchBrowserBuild(dir);
  const assetVersion = createHash('sha256').update(css).update(js).update(minisearch).digest('hex').slice(0, 10);
  const templatesVersion = await hashTemplates(dir, assetVersion);

  const { files: before, templates: lastTemplates } = await readState(out);
  const existing = await listExisting(out, ['', 'assets', ...pageDirs]);
  const writer = new Writer(out, before, existing);

  // Pages: shared out by position between this thread and, for large sites, worker threads (rendering is CPU-bound).
  const job: ShardJob = { shard: 0, shards: 1, templatesVersion, assetVersion, outDir: out, before, existing };
  // Threads pay off when most pages must be rendered (first render, new templates); for a few changed pages the cost
  // of starting them and copying the input to them is larger than the work they would share.
  const mostlyNew = lastTemplates !== templatesVersion || before.size < model.pageCount / 2;
  const workers = mostlyNew && (model.pageCount >= parallelFrom || threadsAsked() !== undefined) ? workerCount() : 0;
  job.shards = workers + 1;
  const others = Array.from({ length: workers }, (_, k) => runWorker({ input, job: { ...job, shard: k + 1 } }));

  // The assets, the search index among them (seconds for 100,000 documents), while the workers start on their pages.
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
  const mine = renderShard(model, environment(dir), writer, input.title, job);
  const results = [mine, ...(await Promise.all(others))];

  const produced = new Set<string>();
  const after = writer.after;
  let written = writer.written;
  let unchanged = writer.unchanged;
  for (const r of results.slice(1)) {
    written += r.written;
    unchanged += r.unchanged;
    for (const [f, st] of r.after) after.set(f, st);
  }
  for (const r of results) for (const f of r.produced) produced.add(f);
  await removeStale(out, existing, produced);
  await writeState(out, after, templatesVersion);
  return { pages: model.pageCount, written, unchanged, threads: results.length };
}

/** Sites from this many pages are rendered by several threads. */
const parallelFrom = 5000;

/**
 * Extra threads: WORKSPACE_BACKUP_RENDER_THREADS when set (0 = this thread only; set, it applies to sites of any
 * size), else one per spare core, at most 3.
 */
function workerCount(): number {
  if (!workerFile) return 0; // e.g. bundled without the worker: one thread then
  return threadsAsked() ?? Math.max(0, Math.min(availableParallelism() - 1, 3));
}

function threadsAsked(): number | undefined {
  const asked = Number(process.env.WORKSPACE_BACKUP_RENDER_THREADS);
  return process.env.WORKSPACE_BACKUP_RENDER_THREADS && Number.isInteger(asked) && asked >= 0 ? Math.min(asked, 8) : undefined;
}

/** The worker's module: worker.ts beside this one in the sources; render-worker.js beside the Action's bundle. */
const workerFile = ['./worker.ts', './render-worker.js'].map((f) => fileURLToPath(new URL(f, import.meta.url))).find((f) => existsSync(f)) ?? '';

export interface ShardJob {
  shard: number;
  shards: number;
  templatesVersion: string;
  assetVersion: string;
  outDir: string;
  before: Map<string, FileState>;
  existing: Set<string>;
}

export interface ShardResult {
  written: number;
  unchanged: number;
  produced: string[];
  after: Map<string, FileState>;
}

function runWorker(data: { input: SiteInput; job: ShardJob }): Promise<ShardResult> {
  return new Promise((resolvePromise, reject) => {
    const w = new Worker(workerFile, { workerData: data });
    let result: ShardResult | undefined;
    w.once('message', (r: ShardResult) => (result = r));
    w.once('error', reject);
    w.once('exit', (code) => (result ? resolvePromise(result) : reject(new Error(`a render worker stopped (exit ${code}) before finishing its pages`))));
  });
}

/** Renders and writes the pages at positions shard, shard + shards, … */
export function renderShard(model: SiteModel, env: nunjucks.Environment, writer: Writer, title: string, job: ShardJob): ShardResult {
  const common = { site: { title, home: model.home }, assetVersion: job.assetVersion };
  const produced: string[] = [];
  for (const page of model.pages((i) => i % job.shards === job.shard)) {
    produced.push(page.file);
    const context = Object.assign(page.context, common);
    const hash = digest('sha1', `${job.templatesVersion}\0${page.template}\0${JSON.stringify(context)}`, 'base64');
    writer.put(page.file, hash, () => env.render(page.template, context));
  }
  return { written: writer.written, unchanged: writer.unchanged, produced, after: writer.after };
}

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

/** Writes a file only when its content differs from the disk's; skips rendering when its inputs are unchanged. */
export class Writer {
  written = 0;
  unchanged = 0;
  readonly after = new Map<string, FileState>();
  #out: string;
  #before: Map<string, FileState>;
  #existing: Set<string>;

  constructor(out: string, before: Map<string, FileState>, existing: Set<string>) {
    this.#out = out;
    this.#before = before;
    this.#existing = existing;
  }

  /** Synchronous file calls on purpose: for many small files they cost a fraction of the promise-based ones. */
  put(file: string, hash: string, make: () => Buffer | string): void {
    const path = join(this.#out, file);
    const exists = this.#existing.has(file);
    const known = this.#before.get(file);
    if (exists && known && known.h === hash) {
      const st = statOrUndefined(path);
      if (st && st.size === known.s && st.mtimeMs === known.m) {
        this.after.set(file, known);
        this.unchanged++;
        return;
      }
    }
    const made = make();
    const bytes = typeof made === 'string' ? Buffer.from(made, 'utf8') : made;
    if (exists) {
      const onDisk = readOrUndefined(path);
      if (onDisk && onDisk.equals(bytes)) {
        const st = statSync(path);
        this.after.set(file, { h: hash, s: st.size, m: st.mtimeMs });
        this.unchanged++;
        return;
      }
    }
    // A page that exists is replaced by a rename, so a reader (serve, a browser) never sees half of it.
    const target = exists ? `${path}.${process.pid}.tmp` : path;
    const fd = openNew(target);
    let st: Stats;
    try {
      writeSync(fd, bytes);
      st = fstatSync(fd);
    } finally {
      closeSync(fd);
    }
    if (exists) renameSync(target, path);
    this.after.set(file, { h: hash, s: st.size, m: st.mtimeMs });
    this.written++;
  }
}

/** Opens a file to write, making its folder the first time one is missing (a document page's bucket). */
function openNew(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w');
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
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
