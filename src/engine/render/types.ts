// The data the static site is made from: what loadSiteInput reads from the backup repo and renderSite turns into pages.

import type { Entry } from '../entry.ts';

/** One commit that touched a document, as `git log` tells it. */
export interface SiteVersion {
  commit: string;
  /** ISO author date: when the change was made in the service. */
  date: string;
  author: string;
  /** Bytes of the document at this commit, when the blob (or its LFS pointer) is available locally. */
  size?: number;
  /** The document's repo path at this commit (differs from the current one after a rename or move). */
  path?: string;
  /** 'content' when the bytes changed; 'move' when only the path changed (a rename or move commit). */
  change?: 'content' | 'move';
}

/** What a node's content says about other nodes (damas): ids as the service spells them, and a few fields to show. */
export interface NodeRefs {
  /** `#parent`: the node this one is a version of or a comment on. */
  parent?: string;
  /** A link node's ends: `src_id` → `tgt_id`. */
  src?: string;
  tgt?: string;
  version?: string;
  /** The start of its comment. */
  comment?: string;
  author?: string;
  /** ISO. */
  time?: string;
}

export type SiteLinks = { mode: 'local'; repoDir: string } | { mode: 'github'; repoUrl: string; branch: string };

export interface SiteInput {
  /** E.g. "Projectplace backup". */
  title: string;
  /** Every manifest entry (all sources). */
  entries: Entry[];
  /** Document id → its versions, newest first. */
  history: Map<string, SiteVersion[]>;
  /** Node item id → what its content refers to (sources whose items are linked nodes: damas); absent otherwise. */
  refs?: Map<string, NodeRefs>;
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
  /** Threads that made pages: this one (laying them out for its workers, or rendering them all when alone) and its workers. */
  threads: number;
}
