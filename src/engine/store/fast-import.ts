// Builds commits with `git fast-import`: content streams straight into git objects, no working tree needed (DESIGN §8).

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { crashPoint } from '../../lib/crash-point.ts';
import { GitError, type Git } from './git.ts';

export interface Signature {
  name: string;
  email: string;
  date: Date;
}

export type FileChange =
  | { op: 'put'; path: string; file: string; size: number }
  | { op: 'write'; path: string; data: Buffer | string }
  | { op: 'blob'; path: string; mode: string; sha: string }
  /** A blob sent earlier with FastImport.blob(). */
  | { op: 'mark'; path: string; mark: number }
  | { op: 'rename'; from: string; to: string }
  | { op: 'delete'; path: string };

/** A blob's content: in memory, or a file of a known size. */
export type BlobContent = { file: string; size: number } | { data: Buffer };

export interface CommitSpec {
  /** The branch to commit on: the import ref unless given (a lane, see Store in sync.ts). A new one starts empty. */
  ref?: string;
  /** Branches of this import to merge: the commit gets their tips as second, third… parents. */
  merge?: string[];
  author: Signature;
  committer: Signature;
  message: string;
  changes: FileChange[];
}

/**
 * C-style quoting for fast-import paths: always quoted, so spaces, quotes and any byte are unambiguous. Only ASCII
 * characters are escaped (a non-ASCII character goes to git as its UTF-8 bytes, unescaped), so one pass over the
 * string does it: called for every file of every commit, it allocates nothing more than the result.
 */
export function quotePath(path: string): string {
  return '"' + path.replace(quoted, escapeChar) + '"';
}

const quoted = /["\\\x00-\x1f\x7f]/g;

function escapeChar(c: string): string {
  if (c === '"') return '\\"';
  if (c === '\\') return '\\\\';
  if (c === '\n') return '\\n';
  return '\\' + c.charCodeAt(0).toString(8).padStart(3, '0');
}

/** Name and email as git accepts them: no angle brackets or newlines. */
function ident(s: Signature): string {
  const clean = (v: string) => v.replace(/[<>\n\r\0]/g, '').trim();
  const name = clean(s.name) || 'unknown';
  const email = clean(s.email) || 'unknown@invalid';
  return `${name} <${email}> ${Math.floor(s.date.getTime() / 1000)} +0000`;
}

export class FastImport {
  readonly ref: string;
  #child: ChildProcessWithoutNullStreams;
  #failure: Error | undefined;
  #stdinError: Error | undefined;
  #stderr = '';
  #closed: Promise<number>;
  #mark = 0;
  #parent: string | undefined;
  #first = true;
  #commits = 0;
  /** Serialises commits: the stream is one conversation. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(child: ChildProcessWithoutNullStreams, ref: string, parent: string | undefined) {
    this.#child = child;
    this.ref = ref;
    this.#parent = parent;
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString('utf8')).slice(-4000);
    });
    // A write into a fast-import that died fails with EPIPE before its last words (say "No space left on device")
    // have been read from stderr: the error is composed once the process has closed (see #stopped).
    child.stdin.on('error', (e) => {
      this.#stdinError ??= e;
    });
    this.#closed = new Promise((resolve) => {
      child.on('close', (code) => {
        if (code !== 0) this.#failure ??= new GitError(`git fast-import failed (exit ${code}): ${this.#stderr.trim()}`);
        resolve(code ?? 1);
      });
    });
  }

  /**
   * Starts an import onto `ref`, whose first commit has `parent` (the branch head) as parent. `feature done` makes
   * fast-import refuse a stream cut short: a killed run updates no ref.
   */
  static async start(git: Git, ref: string, parent: string | undefined): Promise<FastImport> {
    await git.run(['update-ref', '-d', ref], { allowFail: true });
    // Measured (bench/RESULTS.md): zlib and delta search made fast-import the run's bottleneck (12.6 s for 171 MB of
    // documents, 3.4 s without). Documents are mostly compressed formats already (docx, xlsx, pdf, images), so blobs
    // are stored uncompressed and streamed. fast-import only ever tries a delta against the blob just before in the
    // stream, which in a backup is an unrelated document: with the threshold at 1 KiB (was 64 KiB) 1 GB of 50 KB
    // documents stored in 25 s instead of 57 s. GitHub's own repacks compress and delta them later.
    const child = git.spawn(['-c', 'core.compression=0', '-c', 'pack.compression=0', 'fast-import', '--quiet', '--done', '--max-pack-size=2g', '--big-file-threshold=1k']);
    const fi = new FastImport(child, ref, parent);
    await fi.#write('feature done\n');
    return fi;
  }

  get commits(): number {
    return this.#commits;
  }

  /** The import ref has a commit to build on: the branch head it started from, or one made in this import. */
  get hasTip(): boolean {
    return !this.#first || this.#parent !== undefined;
  }

  /**
   * Sends one file's content as a blob on its own, for a later commit to name with { op: 'mark' } (bulk commits: the
   * content streams to git as it arrives, only the path and the mark wait for the commit).
   */
  blob(content: BlobContent): Promise<number> {
    const run = this.#queue.then(() => this.#blob(content));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** One blob command: from memory, or streamed from a file whose size must not change meanwhile. */
  async #blob(content: BlobContent): Promise<number> {
    const mark = ++this.#mark;
    const size = 'data' in content ? content.data.length : content.size;
    await this.#write(`blob\nmark :${mark}\ndata ${size}\n`);
    if ('data' in content) {
      await this.#write(content.data);
    } else {
      let written = 0;
      for await (const chunk of createReadStream(content.file)) {
        written += (chunk as Buffer).length;
        await this.#write(chunk as Buffer);
      }
      if (written !== size) throw new GitError(`${content.file} changed size while being committed (${written} ≠ ${size})`);
    }
    await this.#write('\n');
    crashPoint('commit.blob-sent');
    return mark;
  }

  /** Queues one commit; resolves when its bytes are handed to git. */
  commit(spec: CommitSpec): Promise<void> {
    const run = this.#queue.then(() => this.#commit(spec));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #commit(spec: CommitSpec): Promise<void> {
    const marks = new Map<FileChange, number>();
    for (const change of spec.changes) {
      if (change.op === 'put') marks.set(change, await this.#blob({ file: change.file, size: change.size }));
    }
    const message = Buffer.from(spec.message.endsWith('\n') ? spec.message : spec.message + '\n', 'utf8');
    const ref = spec.ref ?? this.ref;
    let head = `commit ${ref}\nmark :${++this.#mark}\nauthor ${ident(spec.author)}\ncommitter ${ident(spec.committer)}\ndata ${message.length}\n`;
    await this.#write(head);
    await this.#write(message);
    head = '';
    if (ref === this.ref) {
      if (this.#first && this.#parent) head += `from ${this.#parent}\n`;
      this.#first = false;
    }
    for (const m of spec.merge ?? []) head += `merge ${m}\n`;
    for (const change of spec.changes) {
      switch (change.op) {
        case 'put':
          head += `M 100644 :${marks.get(change)} ${quotePath(change.path)}\n`;
          break;
        case 'write': {
          const data = Buffer.isBuffer(change.data) ? change.data : Buffer.from(change.data, 'utf8');
          await this.#write(head + `M 100644 inline ${quotePath(change.path)}\ndata ${data.length}\n`);
          await this.#write(data);
          // Content handed to git inline (a small document, a manifest) counts as a blob sent, as a streamed one does.
          crashPoint('commit.blob-sent');
          head = '\n';
          break;
        }
        case 'blob':
          head += `M ${change.mode} ${change.sha} ${quotePath(change.path)}\n`;
          break;
        case 'mark':
          head += `M 100644 :${change.mark} ${quotePath(change.path)}\n`;
          break;
        case 'rename':
          head += `R ${quotePath(change.from)} ${quotePath(change.to)}\n`;
          break;
        case 'delete':
          head += `D ${quotePath(change.path)}\n`;
          break;
      }
    }
    await this.#write(head + '\n');
    this.#commits++;
    crashPoint('commit.sent');
  }

  /** Ends the stream; resolves to the new tip of `ref` (undefined when no commit was made). */
  async finish(git: Git): Promise<string | undefined> {
    await this.#queue;
    await this.#write('done\n');
    this.#child.stdin.end();
    await this.#closed;
    if (this.#failure) throw this.#failure;
    return this.#commits > 0 ? git.resolve(this.ref) : undefined;
  }

  /** Kills the import without updating any ref. */
  abort(): void {
    this.#child.kill('SIGKILL');
  }

  async #write(chunk: string | Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#stdinError) await this.#stopped();
    if (!this.#child.stdin.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#child.stdin.off('drain', done);
          this.#child.off('close', done);
          resolve();
        };
        this.#child.stdin.once('drain', done);
        this.#child.once('close', done);
      });
    }
    if (this.#failure) throw this.#failure;
    if (this.#stdinError) await this.#stopped();
  }

  /** fast-import stopped reading: waits for it to end (its stderr read to the end), then fails with what it said. */
  async #stopped(): Promise<never> {
    await this.#closed;
    this.#failure ??= new GitError(`git fast-import stopped reading: ${this.#stdinError?.message}; ${this.#stderr.trim()}`);
    throw this.#failure;
  }
}
