// The data the static site is made from: what loadSiteInput reads from the backup repo and renderSite turns into pages.

import type { Entry } from '../entry.ts';

/** One commit that touched a document, as `git log` tells it. */
export interface SiteVersion {
  commit: string;
  /** ISO author date: when the change was made in the service. */
  date: string;
  author: string;
  /** The commit's subject line. */
  message: string;
  /** Bytes of the document at this commit, when the blob (or its LFS pointer) is available locally. */
  size?: number;
  /** The document's repo path at this commit (differs from the current one after a rename or move). */
  path?: string;
  /** 'content' when the bytes changed; 'move' when only the path changed (a rename or move commit). */
  change?: 'content' | 'move';
}

export type SiteLinks = { mode: 'local'; repoDir: string } | { mode: 'github'; repoUrl: string; branch: string };

export interface SiteInput {
  /** E.g. "Projectplace backup". */
  title: string;
  /** Every manifest entry (all sources). */
  entries: Entry[];
  /** Document id → its versions, newest first. */
  history: Map<string, SiteVersion[]>;
  /** The coverage reports, oldest first (may be empty). */
  runs: Array<Record<string, unknown>>;
  /** ISO. */
  generatedAt: string;
  links: SiteLinks;
}

export interface RenderResult {
  /** HTML pages in the site. */
  pages: number;
  /** Files (pages and assets) written because their content changed or they were missing. */
  written: number;
  /** Files (pages and assets) already on disk with the same content. */
  unchanged: number;
}
