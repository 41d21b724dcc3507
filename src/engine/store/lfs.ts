// Git LFS on the writing side: pointer files, and moving downloaded content into the repo's LFS object store.

import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint } from '../../lib/crash-point.ts';

/** The pointer file git stores in place of a large file (git-lfs spec v1). */
export function lfsPointer(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

/** Where git-lfs keeps an object: <gitdir>/lfs/objects/ab/cd/abcd…. */
export function lfsObjectPath(gitDir: string, sha256: string): string {
  return join(gitDir, 'lfs', 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** Moves a verified temp file into the LFS store (same filesystem: an atomic rename). Keeps an existing object. */
export async function storeLfsObject(gitDir: string, tempFile: string, sha256: string): Promise<void> {
  const target = lfsObjectPath(gitDir, sha256);
  await mkdir(join(target, '..'), { recursive: true });
  const existing = await stat(target).catch(() => undefined);
  if (existing) return;
  // The object is never copied in place: the whole, hashed temp file is renamed, so a crash leaves it absent or whole.
  crashPoint('lfs.before-rename');
  await rename(tempFile, target);
  crashPoint('lfs.stored');
}

/** A .gitattributes pattern that matches exactly one path, with glob and attribute-syntax characters escaped. */
export function exactPattern(path: string): string {
  // Whitespace would end the pattern, so it becomes a character class; glob characters are bracketed. The leading
  // slash anchors the pattern and keeps '#', '!' and '"' from meaning anything at its start.
  return '/' + path.replace(/[\s*?[\]\\]/g, (c) => (/\s/.test(c) ? '[[:space:]]' : c === '\\' ? '[\\\\]' : `[${c}]`));
}

const beginMarker = '# workspace-backup: large files in git LFS (maintained by the tool; edit above this block)';
const endMarker = '# workspace-backup: end';

/**
 * Rewrites the tool's block of .gitattributes to list exactly these LFS paths, keeping whatever a person wrote outside
 * it. With `root` (a source's top folder, such as "Projectplace"), only that source's patterns are replaced: the
 * repo holds several sources, each run lists its own.
 */
export function renderGitattributes(existing: string, lfsPaths: Iterable<string>, root?: string): string {
  const lines = existing.split('\n');
  const start = lines.indexOf(beginMarker);
  const end = lines.indexOf(endMarker);
  const hasBlock = start >= 0 && end > start;
  const outside = hasBlock ? [...lines.slice(0, start), ...lines.slice(end + 1)] : lines;
  const head = outside.join('\n').replace(/\n+$/, '');
  const mine = root === undefined ? undefined : exactPattern(root + '/');
  const others = hasBlock && mine !== undefined ? lines.slice(start + 1, end).filter((l) => l.trim() && !l.startsWith(mine)) : [];
  const patterns = [...new Set(lfsPaths)].map((p) => `${exactPattern(p)} filter=lfs diff=lfs merge=lfs -text`);
  const block = [...new Set([...others, ...patterns])].sort();
  return (head ? head + '\n' : '') + [beginMarker, ...block, endMarker].join('\n') + '\n';
}
