// Writes a SimResponse to the socket: streamed with backpressure, counting body bytes, applying body faults.

import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimResponse } from './http.ts';
import type { FaultRule } from './model.ts';

function bodyLength(r: SimResponse): number {
  if (r.body === null) return 0;
  return Buffer.isBuffer(r.body) ? r.body.length : r.body.length;
}

async function* chunks(r: SimResponse): AsyncGenerator<Buffer> {
  if (r.body === null) return;
  if (Buffer.isBuffer(r.body)) {
    yield r.body;
    return;
  }
  const stream = r.body.open();
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}

/**
 * Sends the response. Body faults: `reset` sends headers and half the body, then resets the connection (RST);
 * `short` announces the full Content-Length, sends half, then closes the connection (FIN);
 * `slow` sends the body in small chunks with pauses.
 */
export async function sendResponse(
  req: IncomingMessage,
  res: ServerResponse,
  r: SimResponse,
  fault: FaultRule | undefined,
  onBytes: (n: number) => void,
): Promise<void> {
  const length = bodyLength(r);
  const headers: Record<string, string | string[]> = { ...r.headers };
  if (r.status !== 204 && r.status !== 304) headers['content-length'] = String(length);
  const kind = fault?.kind;
  if (kind === 'reset' || kind === 'short') headers.connection = 'close';
  res.writeHead(r.status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }

  const limit = kind === 'reset' || kind === 'short' ? Math.floor(length / 2) : length;
  const slowChunk = kind === 'slow' ? (fault?.chunkBytes ?? 1024) : Infinity;
  const slowDelay = kind === 'slow' ? (fault?.delayMs ?? 50) : 0;

  const ac = new AbortController();
  const onClose = (): void => ac.abort();
  res.once('close', onClose);
  let sent = 0;
  try {
    outer: for await (const chunk of chunks(r)) {
      let offset = 0;
      while (offset < chunk.length) {
        if (sent >= limit || res.destroyed) break outer;
        const n = Math.min(chunk.length - offset, limit - sent, slowChunk);
        const piece = chunk.subarray(offset, offset + n);
        offset += n;
        sent += n;
        onBytes(n);
        if (kind === 'slow') {
          res.write(piece);
          await sleep(slowDelay, undefined, { signal: ac.signal });
        } else if (!res.write(piece)) {
          await once(res, 'drain', { signal: ac.signal });
        }
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) {
      res.destroy(e as Error);
      return;
    }
  } finally {
    res.off('close', onClose);
  }
  if (res.destroyed) return;

  if (kind === 'reset' || kind === 'short') {
    // Let what was written (at least the headers) reach the client before the connection goes away.
    res.flushHeaders();
    await new Promise<void>((resolve) => res.write('', () => resolve()));
    await sleep(20);
    const socket = req.socket;
    if (kind === 'reset') socket.resetAndDestroy();
    else {
      socket.end();
      socket.destroySoon();
    }
    return;
  }
  res.end();
}
