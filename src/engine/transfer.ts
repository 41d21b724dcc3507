// Downloads one document to a temp file while hashing it: streamed, size-checked, restarted when cut short.

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crashPoint } from '../lib/crash-point.ts';
import { diskFullError, isDiskFull, TransferError } from '../lib/errors.ts';
import { withRetry, type RetryOptions } from '../lib/http/retry.ts';
import type { Connector, Item } from './model.ts';

export interface Downloaded {
  file: string;
  size: number;
  sha256: string;
}

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
    const file = join(opts.tempDir, `${item.id}-${randomBytes(6).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const download = await connector.open(item, opts.signal);
    crashPoint('transfer.started');
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
  }, opts.retry);
}
