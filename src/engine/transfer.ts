// Downloads one document while hashing it: streamed to a temp file (or, when small, into one buffer), size-checked,
// restarted when cut short.

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crashPoint } from '../lib/crash-point.ts';
import { diskFullError, isDiskFull, TransferError } from '../lib/errors.ts';
import { withRetry, type RetryOptions } from '../lib/http/retry.ts';
import type { Connector, Download, Item } from './model.ts';

/** A verified download: its content in a temp file (the caller removes it) or, for a small document, in memory. */
export type Downloaded = { size: number; sha256: string } & ({ file: string; data?: undefined } | { data: Buffer; file?: undefined });

/**
 * Documents the service announces at this size or less are kept in memory rather than in a temp file: a file
 * written, read back and removed less per document (most office files of an account are under 1 MiB), and never
 * more than this many bytes per download in flight or waiting to be committed (PendingWork holds 16). At 30,000
 * documents the node process spent 59 s of CPU with 64 KiB here, 42 s with 1 MiB (bench/RESULTS.md, issue 7).
 */
export const inMemoryMax = 1024 * 1024;

export interface TransferOptions {
  tempDir: string;
  retry: RetryOptions;
  signal?: AbortSignal;
  /** Called with each chunk's length, for progress. */
  onBytes?: (n: number) => void;
}

/**
 * One attempt streams the body through sha256 into a fresh temp file, then checks the byte count against the
 * Content-Length the service announced. A short body is a TransferError (retryable): the next attempt starts over,
 * and the partial file is removed, so nothing half-written can be committed.
 */
export async function downloadToTemp(connector: Connector, item: Item, opts: TransferOptions): Promise<Downloaded> {
  return withRetry(async () => {
    const download = await connector.open(item, opts.signal);
    crashPoint('transfer.started');
    if (download.size !== undefined && download.size <= inMemoryMax) return intoMemory(item, download, opts);
    return intoFile(item, download, opts);
  }, opts.retry);
}

/**
 * A small document: copied into one buffer of the announced size as the chunks come (one allocation, the chunks
 * freed at once; gathering them and joining at the end held the document twice), hashed as they come.
 */
async function intoMemory(item: Item, download: Download, opts: TransferOptions): Promise<Downloaded> {
  const hash = createHash('sha256');
  const data = Buffer.allocUnsafe(download.size!);
  let size = 0;
  let chunks = 0;
  try {
    for await (const chunk of download.body) {
      if (chunks++ === 1) crashPoint('transfer.partial');
      if (size + chunk.length > download.size!) throw new TransferError(`download of document ${item.id} sent more than the ${download.size} bytes announced`);
      hash.update(chunk);
      data.set(chunk, size);
      size += chunk.length;
      opts.onBytes?.(chunk.length);
    }
  } catch (e) {
    download.cancel();
    if (e instanceof TransferError) throw e;
    throw new TransferError(`download of document ${item.id} broke after ${size} bytes: ${(e as Error).message}`, { cause: e });
  }
  if (size !== download.size) throw new TransferError(`download of document ${item.id} ended after ${size} of ${download.size} bytes`);
  crashPoint('transfer.complete');
  return { data, size, sha256: hash.digest('hex') };
}

async function intoFile(item: Item, download: Download, opts: TransferOptions): Promise<Downloaded> {
  const file = join(opts.tempDir, `${item.id}-${randomBytes(6).toString('hex')}.part`);
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(file, { flags: 'wx' });
  let partial = false;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!partial && size > 0) {
        // Mid-body: an earlier chunk went on to the temp file (on disk, or on its way there). Counted by chunks
        // rather than by out.bytesWritten, which depends on how fast the disk keeps up, so the crash campaign
        // reaches this point the same number of times on every machine.
        partial = true;
        crashPoint('transfer.partial');
      }
      hash.update(chunk);
      size += chunk.length;
      opts.onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(download.body, counter, out, { signal: opts.signal });
    if (download.size !== undefined && size !== download.size) {
      throw new TransferError(`download of document ${item.id} ended after ${size} of ${download.size} bytes`);
    }
    crashPoint('transfer.complete');
    return { file, size, sha256: hash.digest('hex') };
  } catch (e) {
    download.cancel();
    await rm(file, { force: true });
    if (e instanceof TransferError) throw e;
    // A full disk is not the service's fault and no retry will help: stop the run.
    if (isDiskFull(e)) throw diskFullError(opts.tempDir, e);
    throw new TransferError(`download of document ${item.id} broke after ${size} bytes: ${(e as Error).message}`, { cause: e });
  }
}
