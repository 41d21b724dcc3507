// Reads git objects through one long-lived `git cat-file --batch`: one object at a time, streamed in chunks, so a
// 2 GiB blob never sits in memory; also the tree listings and the missing-object probe that verify and restore share.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError, type Git } from './git.ts';

export interface ObjectHeader {
  oid: string;
  type: string;
  size: number;
}

export interface TreeFile {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

export class CatFileBatch {
  #child: ChildProcessWithoutNullStreams;
  #chunks: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  #stderr = '';
  #queue: Promise<unknown> = Promise.resolve();
  /** Set when a caller's chunk handler failed mid-object: the rest of that object is still in the pipe. */
  #broken = false;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    this.#chunks = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString('utf8')).slice(-4000);
    });
    child.stdin.on('error', () => {});
  }

  /**
   * Starts the reader. `noLazyFetch`: in a partial clone, never fetch a missing object from the promisor remote
   * (GIT_NO_LAZY_FETCH, git >= 2.44; older git ignores it, so callers ask only for objects known to be present).
   */
  static start(git: Git, opts: { noLazyFetch?: boolean } = {}): CatFileBatch {
    return new CatFileBatch(git.spawn(['cat-file', '--batch'], { env: opts.noLazyFetch ? { GIT_NO_LAZY_FETCH: '1' } : {} }));
  }

  /**
   * Streams one object's bytes to `onChunk` (awaited between chunks: backpressure). Returns its header, or undefined
   * when git has no such object. `oid` must be an object id or a name without newlines.
   */
  read(oid: string, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<ObjectHeader | undefined> {
    const run = this.#queue.then(() => this.#readOne(oid, onChunk));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** One small object whole (an LFS pointer, a manifest line file); undefined when missing. */
  async readSmall(oid: string): Promise<{ header: ObjectHeader; data: Buffer } | undefined> {
    const parts: Buffer[] = [];
    const header = await this.read(oid, (c) => {
      parts.push(Buffer.from(c));
    });
    return header && { header, data: Buffer.concat(parts) };
  }

  async #readOne(oid: string, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<ObjectHeader | undefined> {
    if (/[\n\r]/.test(oid)) throw new TypeError(`object name with a newline: ${JSON.stringify(oid)}`);
    if (this.#broken) throw new GitError('git cat-file --batch is out of step after an earlier failure; start a new reader');
    this.#child.stdin.write(oid + '\n');
    const line = await this.#line();
    const parts = line.split(' ');
    if (parts.length !== 3 || !/^\d+$/.test(parts[2]!)) {
      if (line.endsWith(' missing') || line.endsWith(' ambiguous')) return undefined;
      throw new GitError(`git cat-file answered ${JSON.stringify(line)} for ${oid}`);
    }
    const header: ObjectHeader = { oid: parts[0]!, type: parts[1]!, size: Number(parts[2]) };
    let left = header.size;
    while (left > 0) {
      if (this.#buf.length === 0 && !(await this.#more())) throw this.#ended();
      const take = this.#buf.subarray(0, Math.min(left, this.#buf.length));
      this.#buf = this.#buf.subarray(take.length);
      left -= take.length;
      try {
        await onChunk(take);
      } catch (e) {
        this.#broken = true;
        throw e;
      }
    }
    // Each object is followed by one newline.
    if (this.#buf.length === 0 && !(await this.#more())) throw this.#ended();
    this.#buf = this.#buf.subarray(1);
    return header;
  }

  async #more(): Promise<boolean> {
    const r = await this.#chunks.next();
    if (r.done) return false;
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, r.value]) : r.value;
    return true;
  }

  async #line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i >= 0) {
        const line = this.#buf.subarray(0, i).toString('utf8');
        this.#buf = this.#buf.subarray(i + 1);
        return line;
      }
      if (!(await this.#more())) throw this.#ended();
    }
  }

  #ended(): GitError {
    return new GitError(`git cat-file --batch stopped: ${this.#stderr.trim() || 'no output'}`);
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#child.exitCode !== null) return;
    const closed = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    this.#child.stdin.end();
    // Drain whatever is left (after a failure mid-object) so git can exit.
    while (!(await this.#chunks.next()).done);
    await closed;
  }
}

/** Every file (blob, symlink or submodule) in a tree, recursively, with repo-relative paths. Reads tree objects only. */
export async function listTree(git: Git, treeish: string): Promise<TreeFile[]> {
  const { stdout } = await git.run(['ls-tree', '-r', '-z', '--full-tree', treeish]);
  const out: TreeFile[] = [];
  for (const rec of stdout.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (m) out.push({ mode: m[1]!, type: m[2]!, oid: m[3]!, path: m[4]! });
  }
  return out;
}

/** Object ids reachable from this commit's tree that are not in the local object store (a partial clone's promised ones). */
export async function missingObjects(git: Git, commit: string): Promise<Set<string>> {
  const { stdout } = await git.run(['rev-list', '--objects', '--no-walk', '--missing=print', commit], { env: { GIT_NO_LAZY_FETCH: '1' } });
  const missing = new Set<string>();
  for (const line of stdout.split('\n')) if (line.startsWith('?')) missing.add(line.slice(1).trim());
  return missing;
}

/** Does this repository promise objects it does not have (a blobless or treeless clone)? */
export async function isPartialClone(git: Git): Promise<boolean> {
  const r = await git.run(['config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'], { allowFail: true });
  return r.code === 0 && r.stdout.trim() !== '';
}

/** Object sizes from `git cat-file --batch-check` (reads object headers, not data); missing objects are left out. */
export async function objectSizes(git: Git, oids: Iterable<string>): Promise<Map<string, number>> {
  const list = [...new Set(oids)];
  const sizes = new Map<string, number>();
  if (list.length === 0) return sizes;
  const { stdout } = await git.run(['cat-file', '--batch-check'], { input: list.join('\n') + '\n', env: { GIT_NO_LAZY_FETCH: '1' } });
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w+ (\d+)$/.exec(line);
    if (m) sizes.set(m[1]!, Number(m[2]));
  }
  return sizes;
}

/** Parses a git-lfs v1 pointer file; undefined when the bytes are not one. */
export function parseLfsPointer(data: Buffer | string): { oid: string; size: number } | undefined {
  const text = typeof data === 'string' ? data : data.length > 1024 ? '' : data.toString('utf8');
  const m = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n(?:[a-z0-9.-]+ [^\n]*\n)*?oid sha256:([0-9a-f]{64})\nsize (\d+)\n(?:[a-z0-9.-]+ [^\n]*\n)*$/.exec(text);
  return m ? { oid: m[1]!, size: Number(m[2]) } : undefined;
}
