// Makes and writes the pages of one shard (a workspace, or a node source): in a render worker (worker.ts) or, for a
// small site, in the render's own thread. Each page is hashed from its template set and data; one the last render
// wrote from the same hash, and still on disk as written, is neither rendered nor written.

import { hash as digest } from 'node:crypto';
import type nunjucks from 'nunjucks';
import { contentLinks, type ContentLinks } from './links.ts';
import { buildShard, type Page, type ShardSummary, type SiteGlobals } from './model.ts';
import { Writer, type FileState } from './page-files.ts';
import { shardFromJson } from './shards.ts';
import { environment } from './templates.ts';
import type { SiteLinks } from './types.ts';

/** What every page of a render shares, besides the globals: plain data, sent to the workers as it is. */
export interface ShardRenderData {
  out: string;
  templates: string;
  globals: SiteGlobals;
  links: SiteLinks;
  /** A version of the templates and assets: part of every page's hash. */
  templatesVersion: string;
  assetVersion: string;
}

export interface ShardJob {
  key: string;
  /** The shard (shards.ts shardToJson). */
  json: string;
  /** What the last render wrote of this shard: JSON of {file: FileState}, or '' for nothing. */
  before: string;
}

export interface ShardDone {
  key: string;
  summary: ShardSummary;
  /**
   * Every page file of the shard, with what it was made from: JSON of {file: FileState}, kept as text by the render's
   * own thread (one string per shard, not an object per page for its collector to trace).
   */
  states: string;
  pages: number;
  written: number;
  unchanged: number;
}

/** The last render's states of a shard's pages; none when there are none or they do not read (a damaged state file). */
function beforeStates(json: string): Map<string, FileState> {
  try {
    const v: unknown = json ? JSON.parse(json) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) return new Map(Object.entries(v as Record<string, FileState>).filter(([, st]) => st && typeof st === 'object' && typeof st.h === 'string'));
  } catch {
    // Damaged: the pages are made and compared with the disk.
  }
  return new Map();
}

/** A ready renderer: its templates compiled once, its links set up once. */
export interface ShardRenderer {
  data: ShardRenderData;
  env: nunjucks.Environment;
  links: ContentLinks;
  /** The context every page has besides its own: the site's title, the front page's name, the assets' version. */
  common: Record<string, unknown>;
}

export function shardRenderer(data: ShardRenderData): ShardRenderer {
  const common = { site: { title: data.globals.title, home: data.globals.home }, assetVersion: data.assetVersion };
  return { data, env: environment(data.templates), links: contentLinks(data.links, data.out), common };
}

/**
 * Writes a page (a shard's or a front page) unless the last render made it from the same data and it is still on
 * disk as written. The page is known by a hash of its template set, its template and its data.
 */
export function putPage(r: ShardRenderer, writer: Writer, page: Page): void {
  const context = Object.assign(page.context, r.common);
  const hash = digest('sha1', `${r.data.templatesVersion}\0${page.template}\0${JSON.stringify(context)}`, 'base64');
  writer.put(page.file, hash, () => r.env.render(page.template, context));
}

export function renderShard(r: ShardRenderer, job: ShardJob): ShardDone {
  const model = buildShard(shardFromJson(job.json), r.data.globals, r.links);
  const writer = new Writer(r.data.out, beforeStates(job.before));
  for (const page of model.pages()) putPage(r, writer, page);
  return { key: job.key, summary: model.summary, states: JSON.stringify(Object.fromEntries(writer.after)), pages: model.pageCount, written: writer.written, unchanged: writer.unchanged };
}
