// The manifest in the backup repo: one JSONL file per container, one line per item, sorted by id; the source of truth.

import { compareIds, entryFromLine, entryToLine, type Entry } from './entry.ts';
import type { Git } from './store/git.ts';

export const manifestRoot = '.workspace-backup/manifest';

export function manifestPath(source: string, container: string): string {
  return `${manifestRoot}/${source}/${container.replace(/[^A-Za-z0-9_-]/g, '_')}.jsonl`;
}

/** The file's text for these entries (one container's). */
export function renderManifest(entries: Entry[]): string {
  return [...entries].sort((a, b) => compareIds(a.id, b.id)).map((e) => entryToLine(e) + '\n').join('');
}

/** Reads every manifest of `source` at `ref` from git objects (no working tree needed). */
export async function readManifests(git: Git, ref: string, source: string): Promise<Entry[]> {
  const dir = `${manifestRoot}/${source}`;
  const ls = await git.run(['ls-tree', '-z', '--name-only', ref, dir + '/'], { allowFail: true });
  if (ls.code !== 0) return [];
  const files = ls.stdout.split('\0').filter((f) => f.endsWith('.jsonl'));
  const entries: Entry[] = [];
  for (const file of files) {
    const text = (await git.run(['cat-file', 'blob', `${ref}:${file}`])).stdout;
    text.split('\n').forEach((line, i) => {
      if (line.trim()) entries.push(entryFromLine(line, source, `${file}:${i + 1}`));
    });
  }
  return entries;
}
