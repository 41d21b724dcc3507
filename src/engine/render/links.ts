// Where the site's links to content point: relative paths into the backup's working tree (CLI), or GitHub URLs (Pages).

import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SiteLinks } from './types.ts';

/** A repo path as a URL path: every segment percent-encoded, so names with `#`, `?`, `%` or spaces stay one path. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** encodePath, remembering folders: the many files of one folder share its encoded prefix. */
export function cachedEncoder(): (path: string) => string {
  const dirs = new Map<string, string>();
  return (path) => {
    const cut = path.lastIndexOf('/');
    if (cut === -1) return encodeURIComponent(path);
    const dir = path.slice(0, cut);
    let enc = dirs.get(dir);
    if (enc === undefined) {
      enc = encodePath(dir);
      dirs.set(dir, enc);
    }
    return `${enc}/${encodeURIComponent(path.slice(cut + 1))}`;
  };
}

/** Every method takes a repo path already URL-encoded (encodePath), so a path is encoded once however often it is linked. */
export interface ContentLinks {
  /** The current file; relative to the site's root in local mode. */
  file(encPath: string): string;
  /** A folder of the repo. */
  folder(encPath: string): string;
  /** The file's history (github mode only). */
  history(encPath: string): string | undefined;
  /** One version's file (github mode only). */
  version(commit: string, encPath: string): string | undefined;
  /** True when links are relative to the site's root (to be prefixed with the page's way back to the root). */
  relative: boolean;
}

export function contentLinks(links: SiteLinks, outDir: string): ContentLinks {
  if (links.mode === 'github') {
    const base = links.repoUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+\//.test(base + '/')) throw new Error(`links.repoUrl is ${JSON.stringify(links.repoUrl)}; expected https://github.com/<owner>/<repo>`);
    const branch = encodePath(links.branch);
    return {
      relative: false,
      file: (p) => `${base}/blob/${branch}/${p}`,
      folder: (p) => `${base}/tree/${branch}/${p}`,
      history: (p) => `${base}/commits/${branch}/${p}`,
      version: (c, p) => `${base}/blob/${encodeURIComponent(c)}/${p}`,
    };
  }
  const rel = relative(outDir, links.repoDir);
  // Another drive (Windows) has no relative way: an absolute file URL then.
  const prefix = /^[A-Za-z]:/.test(rel) || rel.startsWith('\\\\') ? pathToFileURL(links.repoDir).href + '/' : rel === '' ? '' : encodePath(rel.split(sep).join('/')) + '/';
  return {
    relative: !prefix.startsWith('file:'),
    file: (p) => prefix + p,
    folder: (p) => prefix + p + '/',
    history: () => undefined,
    version: () => undefined,
  };
}
