// Document bytes, generated on the fly from (seed, document id, version) with an AES-128-CTR keystream; never stored.

import { createCipheriv, createHash, type Cipheriv } from 'node:crypto';
import { Readable } from 'node:stream';
import { currentVersion, type SimState } from './model.ts';

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

function keyAndIv(seed: number, id: number, verNr: number): { key: Buffer; iv: bigint } {
  const digest = createHash('sha256').update(`projectplace-sim|${seed}|${id}|${verNr}`).digest();
  return { key: digest.subarray(0, 16), iv: BigInt('0x' + digest.subarray(16, 32).toString('hex')) };
}

function counterBlock(iv: bigint, block: bigint): Buffer {
  const v = (iv + block) & ((1n << 128n) - 1n);
  return Buffer.from(v.toString(16).padStart(32, '0'), 'hex');
}

/** A readable stream of bytes [start, end) of one document version; respects backpressure, constant memory. */
export class ContentStream extends Readable {
  private readonly cipher: Cipheriv;
  private remaining: number;
  private skip: number;

  constructor(seed: number, id: number, verNr: number, start: number, end: number) {
    super({ highWaterMark: CHUNK });
    const { key, iv } = keyAndIv(seed, id, verNr);
    const block = Math.floor(start / 16);
    this.cipher = createCipheriv('aes-128-ctr', key, counterBlock(iv, BigInt(block)));
    this.skip = start - block * 16;
    this.remaining = Math.max(0, end - start);
  }

  override _read(): void {
    for (;;) {
      if (this.remaining <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, this.remaining + this.skip);
      let out = this.cipher.update(ZEROS.subarray(0, n));
      if (this.skip > 0) {
        out = out.subarray(this.skip);
        this.skip = 0;
      }
      this.remaining -= out.length;
      if (!this.push(out)) return;
    }
  }
}

/** Bytes [start, end) of a version (end defaults to its size). */
export function versionStream(seed: number, id: number, verNr: number, size: number, start = 0, end = size): ContentStream {
  return new ContentStream(seed, id, verNr, Math.min(start, size), Math.min(end, size));
}

export async function versionSha256(seed: number, id: number, verNr: number, size: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let total = 0;
  for await (const chunk of versionStream(seed, id, verNr, size)) {
    hash.update(chunk as Buffer);
    total += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size: total };
}

/** The sha256 and size of a document's current version, computed by generating it. Rejects for unknown ids. */
export async function documentSha256(state: SimState, id: number): Promise<{ sha256: string; size: number }> {
  const item = state.items.get(id);
  const version = item && item.kind === 'document' ? currentVersion(item) : undefined;
  if (!version) throw new Error(`no document ${id}`);
  return versionSha256(state.seed, id, version.verNr, version.size);
}

const TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** Content-Type by file extension, else application/octet-stream. */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return 'application/octet-stream';
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
