// Reads many small objects for the site in one `git cat-file --batch`: every name written at once, the answers parsed
// as they stream in (no round trip per object, unlike the one-at-a-time reader in store/cat-file.ts).

import { isPartialClone, missingObjects } from '../store/cat-file.ts';
import type { Git } from '../store/git.ts';

/**
 * Calls `onObject` with each object's name and bytes, in the order asked; names git does not have go to `onMissing`.
 * `noLazyFetch`: in a partial clone, answer "missing" instead of fetching objects one by one (GIT_NO_LAZY_FETCH).
 */
export async function eachBlob(
  git: Git,
  names: string[],
  onObject: (name: string, data: Buffer) => void,
  opts: { noLazyFetch?: boolean; onMissing?: (name: string) => void } = {},
): Promise<void> {
  if (names.length === 0) return;
  const child = git.spawn(['cat-file', '--batch'], { env: opts.noLazyFetch ? { GIT_NO_LAZY_FETCH: '1' } : {} });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  child.stdin.on('error', () => {});
  child.stdin.end(names.join('\n') + '\n');
  let next = 0;
  let buf: Buffer = Buffer.alloc(0);
  /** Bytes still to come of the object being read (its size plus the newline after it), or -1 between objects. */
  let want = -1;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (want === -1) {
        const nl = buf.indexOf(0x0a);
        if (nl === -1) break;
        const header = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        const m = /^[0-9a-f]+ \w+ (\d+)$/.exec(header);
        if (m) want = Number(m[1]) + 1;
        else opts.onMissing?.(names[next++] ?? header); // "<name> missing" or "ambiguous"
        continue;
      }
      if (buf.length < want) break;
      onObject(names[next++]!, buf.subarray(0, want - 1));
      buf = buf.subarray(want);
      want = -1;
    }
  }
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`git cat-file failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8').trim()}`);
}

/** Several objects whole, in one `git cat-file --batch`; missing ones are left out. */
export async function readBlobs(git: Git, names: string[], opts: { noLazyFetch?: boolean } = {}): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await eachBlob(git, names, (name, data) => out.set(name, data), opts);
  return out;
}

/**
 * Blobs of `commit`'s tree by object id, in a clone that may be partial: what is promised but absent is first fetched
 * in one batch from the promisor remote (as git itself does before a checkout), never one object at a time. Ids that
 * stay unavailable (offline, no remote) are not asked for at all (git before 2.44 ignores GIT_NO_LAZY_FETCH and would
 * try each alone) and go to `onMissing`.
 */
export async function eachBlobFetchingMissing(git: Git, commit: string, oids: string[], onObject: (oid: string, data: Buffer) => void, onMissing: (oid: string) => void = () => {}): Promise<void> {
  let wanted = oids;
  if (oids.length > 0 && (await isPartialClone(git))) {
    let absent = await missingObjects(git, commit);
    const missing = oids.filter((o) => absent.has(o));
    const remote = missing.length > 0 ? await promisorRemote(git) : undefined;
    if (remote) {
      await git.run(['-c', 'fetch.negotiationAlgorithm=noop', 'fetch', remote, '--no-tags', '--no-write-fetch-head', '--recurse-submodules=no', '--filter=blob:none', '--stdin'], {
        input: missing.join('\n') + '\n',
        allowFail: true,
      });
      absent = await missingObjects(git, commit);
    }
    wanted = oids.filter((o) => !absent.has(o));
    for (const o of oids) if (absent.has(o)) onMissing(o);
  }
  await eachBlob(git, wanted, onObject, { noLazyFetch: true, onMissing });
}

/** The remote a partial clone's missing objects come from. */
async function promisorRemote(git: Git): Promise<string | undefined> {
  const ext = await git.run(['config', '--get', 'extensions.partialclone'], { allowFail: true });
  if (ext.code === 0 && ext.stdout.trim()) return ext.stdout.trim();
  const r = await git.run(['config', '--get-regexp', '^remote\\..*\\.promisor$'], { allowFail: true });
  for (const line of r.stdout.split('\n')) {
    const m = /^remote\.(.+)\.promisor true$/i.exec(line.trim());
    if (m) return m[1];
  }
  return undefined;
}
