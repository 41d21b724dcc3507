// The manifest in the backup repo: one JSONL file per container, one line per item, sorted by id; the source of truth.

import { compareIds, entryFromLine, entryToLine, type Entry } from './entry.ts';
import { CatFileBatch } from './store/cat-file.ts';
import { GitError, type Git } from './store/git.ts';

export const manifestRoot = '.workspace-backup/manifest';

export function manifestPath(source: string, container: string): string {
  return `${manifestRoot}/${source}/${container.replace(/[^A-Za-z0-9_-]/g, '_')}.jsonl`;
}

/** The file's text for these entries (one container's). */
export function renderManifest(entries: Entry[]): string {
  return [...entries].sort((a, b) => compareIds(a.id, b.id)).map((e) => entryToLine(e) + '\n').join('');
}

/**
 * Reads every manifest of `source` at `ref` from git objects (no working tree needed), through one `git cat-file
 * --batch`: a state rebuild of 2,000 workspaces took 53 s with one git process per manifest (bench/RESULTS.md).
 */
export async function readManifests(git: Git, ref: string, source: string): Promise<Entry[]> {
  const dir = `${manifestRoot}/${source}`;
  const ls = await git.run(['ls-tree', '-z', ref, dir + '/'], { allowFail: true });
  if (ls.code !== 0) return [];
  const files = ls.stdout
    .split('\0')
    .map((rec) => /^\d+ blob ([0-9a-f]+)\t(.*\.jsonl)$/s.exec(rec))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ oid: m[1]!, path: m[2]! }));
  const entries: Entry[] = [];
  const batch = CatFileBatch.start(git);
  try {
    for (const file of files) {
      const blob = await batch.readSmall(file.oid);
      if (!blob) throw new GitError(`the manifest ${file.path} at ${ref} is missing from the repository`);
      blob.data.toString('utf8').split('\n').forEach((line, i) => {
        if (line.trim()) entries.push(entryFromLine(line, source, `${file.path}:${i + 1}`));
      });
    }
  } finally {
    await batch.close();
  }
  return entries;
}
