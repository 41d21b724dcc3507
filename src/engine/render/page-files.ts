// Writes the site's files: only those whose content changed, each replaced whole (never half-written for a reader).

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** What a file was made from and what was written: if the file on disk still has that size and mtime, it is ours. */
export interface FileState {
  /** Hash of the template set and the page's data. */
  h: string;
  s: number;
  m: number;
}

export interface Written {
  file: string;
  state: FileState;
  /** False when the disk already had the same bytes. */
  written: boolean;
}

/**
 * Writes `made` to `file` below `out` unless the disk already holds the same bytes. Synchronous file calls on purpose:
 * for many small files they cost a fraction of the promise-based ones. `exists` undefined: not known; a new file is
 * then created only if there is none (O_EXCL), and one that is there is treated as existing.
 */
export function writeFileOf(out: string, file: string, hash: string, made: Buffer | string, exists: boolean | undefined): Written {
  const path = join(out, file);
  const bytes = typeof made === 'string' ? Buffer.from(made, 'utf8') : made;
  if (exists === undefined) {
    const fd = openNew(path, 'wx', true);
    if (fd !== undefined) return writeAndClose(fd, file, hash, bytes);
    exists = true;
  }
  if (exists) {
    const onDisk = readOrUndefined(path);
    if (onDisk && onDisk.equals(bytes)) {
      const st = statSync(path);
      return { file, state: { h: hash, s: st.size, m: st.mtimeMs }, written: false };
    }
  }
  // A page that exists is replaced by a rename, so a reader (serve, a browser) never sees half of it.
  const target = exists ? `${path}.${process.pid}.${threadId}.tmp` : path;
  const written = writeAndClose(openNew(target, 'w')!, file, hash, bytes);
  if (exists) renameSync(target, path);
  return written;
}

function writeAndClose(fd: number, file: string, hash: string, bytes: Buffer): Written {
  let st: Stats;
  try {
    writeSync(fd, bytes);
    st = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file, state: { h: hash, s: st.size, m: st.mtimeMs }, written: true };
}

/** Decides which files need writing (from the last render's states) and counts what was written. */
export class Writer {
  written = 0;
  unchanged = 0;
  readonly after = new Map<string, FileState>();
  #out: string;
  #before: Map<string, FileState>;
  #existing: Set<string> | undefined;

  /** `existing`: the files on disk, when listed; without it, each file is looked at when it is written. */
  constructor(out: string, before: Map<string, FileState>, existing?: Set<string>) {
    this.#out = out;
    this.#before = before;
    this.#existing = existing;
  }

  #exists(file: string): boolean | undefined {
    return this.#existing ? this.#existing.has(file) : undefined;
  }

  /** True (and counted) when the file on disk is what the last render wrote from the same inputs: nothing to make. */
  skip(file: string, hash: string): boolean {
    const known = this.#before.get(file);
    if (!known || known.h !== hash || this.#existing?.has(file) === false) return false;
    const st = statOrUndefined(join(this.#out, file));
    if (!st || st.size !== known.s || st.mtimeMs !== known.m) return false;
    this.after.set(file, known);
    this.unchanged++;
    return true;
  }

  record(w: Written): void {
    this.after.set(w.file, w.state);
    if (w.written) this.written++;
    else this.unchanged++;
  }

  /** Writes a file skip() did not find unchanged (unless the disk already has the same bytes). */
  write(file: string, hash: string, made: Buffer | string): void {
    this.record(writeFileOf(this.#out, file, hash, made, this.#exists(file)));
  }

  /** Writes a file unless it is unchanged; `make` is only called when it must be written or compared. */
  put(file: string, hash: string, make: () => Buffer | string): void {
    if (!this.skip(file, hash)) this.write(file, hash, make());
  }
}

/**
 * Opens a file to write, making its folder the first time one is missing (a document page's bucket). With `orExisting`
 * (flags 'wx'), undefined when the file is there already.
 */
function openNew(path: string, flags: 'w' | 'wx', orExisting = false): number | undefined {
  for (let attempt = 0; ; attempt++) {
    try {
      return openSync(path, flags);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && orExisting) return undefined;
      if (code !== 'ENOENT' || attempt > 0) throw err;
      mkdirSync(dirname(path), { recursive: true });
    }
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
