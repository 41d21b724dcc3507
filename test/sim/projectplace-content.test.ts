// Projectplace simulator: document downloads (bytes, headers, redirect, ranges) and streaming with constant memory.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { documentSha256, mutate, setSwitches, startProjectplaceSim, versionStream, type Item, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { control, signedFetch } from './pp-helpers.ts';

const BIG = 64 * 1024 * 1024;
let sim: RunningSim;
before(async () => {
  sim = await startProjectplaceSim({ documents: 30, largeDocuments: [BIG, 0] });
});
after(async () => {
  await sim.close();
});

/** Documents, without the 64 MiB one unless asked. */
function docs(withBig = false): Item[] {
  return [...sim.state.items.values()].filter((i) => i.kind === 'document' && (withBig || (i.versions.at(-1)?.size ?? 0) < BIG));
}

/** A gc() function without --expose-gc (test-only trick). */
function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap plus Buffer memory: what would grow if a body were held in memory. */
function liveMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function sha256Of(res: Response): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body as ReadableStream<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

describe('downloads', () => {
  it('GET /1/documents/{id} streams the current version; hash equals documentSha256; headers by name', async () => {
    for (const item of docs().filter((d) => d.name === 'Report.docx' || (d.versions.at(-1)?.size ?? 0) > 100_000).slice(0, 4)) {
      const res = await signedFetch(sim, `/1/documents/${item.id}`);
      assert.equal(res.status, 200);
      const expected = await documentSha256(sim.state, item.id);
      assert.equal(Number(res.headers.get('content-length')), expected.size);
      assert.deepEqual(await sha256Of(res), expected);
      if (item.name === 'Report.docx') {
        assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      }
    }
  });

  it('encodes hostile names in Content-Disposition (RFC 5987)', async () => {
    const item = docs().find((d) => d.name === '<script>alert(1)</script>.html');
    assert.ok(item);
    const res = await signedFetch(sim, `/1/documents/${item.id}`);
    assert.equal(res.headers.get('content-disposition'), "attachment; filename*=UTF-8''%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html");
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    await res.arrayBuffer();
  });

  it('serves a 0-byte document', async () => {
    const item = docs().find((d) => d.name.startsWith('large-2-0'));
    assert.ok(item);
    const res = await signedFetch(sim, `/1/documents/${item.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    assert.deepEqual(await documentSha256(sim.state, item.id), { sha256: createHash('sha256').digest('hex'), size: 0 });
  });

  it('content is deterministic per (seed, id, version) and changes with a new version', async () => {
    const item = docs().find((d) => (d.versions.at(-1)?.size ?? 0) > 1000);
    assert.ok(item);
    const before = await documentSha256(sim.state, item.id);
    assert.deepEqual(await documentSha256(sim.state, item.id), before);
    const viaControl = await control<{ sha256: string; size: number }>(sim, 'GET', `/__sim/documents/${item.id}/sha256`);
    assert.deepEqual(viaControl.json, before);
    mutate(sim.state, { op: 'edit', id: item.id });
    const afterEdit = await documentSha256(sim.state, item.id);
    assert.notEqual(afterEdit.sha256, before.sha256);
    const res = await signedFetch(sim, `/1/documents/${item.id}`);
    assert.deepEqual(await sha256Of(res), afterEdit);
  });

  it('answers 404 for deleted, unknown, folder and link ids', async () => {
    const victim = docs().find((d) => d.parentId !== null) as Item;
    mutate(sim.state, { op: 'delete', id: victim.id });
    const folder = [...sim.state.items.values()].find((i) => i.kind === 'folder') as Item;
    const link = [...sim.state.items.values()].find((i) => i.kind === 'link') as Item;
    for (const id of [victim.id, 9_999_999, folder.id, link.id]) {
      const res = await signedFetch(sim, `/1/documents/${id}`);
      assert.equal(res.status, 404, String(id));
      await res.arrayBuffer();
    }
    const hash = await control(sim, 'GET', `/__sim/documents/${victim.id}/sha256`);
    assert.equal(hash.status, 404);
  });

  it('redirects to an unauthenticated blob URL with downloadRedirect', async () => {
    const item = docs().find((d) => (d.versions.at(-1)?.size ?? 0) > 1000) as Item;
    setSwitches(sim.state, { downloadRedirect: true });
    try {
      const res = await signedFetch(sim, `/1/documents/${item.id}`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = res.headers.get('location') ?? '';
      assert.match(location, new RegExp(`^${sim.url}/__sim/blob/[0-9a-f]{32}$`));
      await res.arrayBuffer();
      const blob = await fetch(location);
      assert.equal(blob.status, 200);
      assert.deepEqual(await sha256Of(blob), await documentSha256(sim.state, item.id));
      const followed = await signedFetch(sim, `/1/documents/${item.id}`);
      assert.equal(followed.status, 200);
      assert.deepEqual(await sha256Of(followed), await documentSha256(sim.state, item.id));
      const bogus = await fetch(`${sim.url}/__sim/blob/00000000000000000000000000000000`);
      assert.equal(bogus.status, 404);
      await bogus.arrayBuffer();
    } finally {
      setSwitches(sim.state, { downloadRedirect: false });
    }
  });

  it('honours Range only with acceptRanges', async () => {
    const item = docs().find((d) => (d.versions.at(-1)?.size ?? 0) > 5000) as Item;
    const size = item.versions.at(-1)?.size as number;
    const full = Buffer.from(await (await signedFetch(sim, `/1/documents/${item.id}`)).arrayBuffer());
    const ignored = await signedFetch(sim, `/1/documents/${item.id}`, { headers: { range: 'bytes=100-' } });
    assert.equal(ignored.status, 200);
    await ignored.arrayBuffer();
    setSwitches(sim.state, { acceptRanges: true });
    try {
      const part = await signedFetch(sim, `/1/documents/${item.id}`, { headers: { range: 'bytes=1001-4000' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 1001-4000/${size}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), full.subarray(1001, 4001));
      const tail = await signedFetch(sim, `/1/documents/${item.id}`, { headers: { range: 'bytes=-7' } });
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(size - 7));
      const bad = await signedFetch(sim, `/1/documents/${item.id}`, { headers: { range: `bytes=${size}-` } });
      assert.equal(bad.status, 416);
      await bad.arrayBuffer();
    } finally {
      setSwitches(sim.state, { acceptRanges: false });
    }
  });
});

describe('streaming', () => {
  it('streams 64 MiB with backpressure: the server stops generating while the client does not read', async () => {
    const item = docs(true).find((d) => d.name.startsWith('large-1-')) as Item;
    assert.equal(item.versions.at(-1)?.size, BIG);
    const gc = forceGc();
    gc();
    const memBefore = liveMemory();
    const started = Date.now();
    const res = await signedFetch(sim, `/1/documents/${item.id}`);
    assert.equal(Number(res.headers.get('content-length')), BIG);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const hash = createHash('sha256');
    let size = 0;
    const first = await reader.read();
    hash.update(first.value as Uint8Array);
    size += (first.value as Uint8Array).length;
    await new Promise((r) => setTimeout(r, 300));
    const entry = sim.state.requests.at(-1);
    assert.ok(entry && entry.path === `/1/documents/${item.id}`);
    const pausedBytes = entry.bytes;
    assert.ok(pausedBytes < 24 * 1024 * 1024, `server wrote ${pausedBytes} bytes while the client was paused`);
    // Live memory after a forced GC, every 8 MiB. Freed Buffers are sometimes still counted for a moment, so single
    // samples spike; a body held in memory would keep every late sample above 40 MiB.
    const samples: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.length;
      if ((size & 0x7fffff) < value.length) {
        gc();
        samples.push(liveMemory() - memBefore);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    assert.equal(size, BIG);
    const lateMin = Math.min(...samples.slice(-3));
    assert.ok(lateMin < 24 * 1024 * 1024, `live memory stayed ${lateMin} bytes above the start late in the stream`);
    assert.deepEqual({ sha256: hash.digest('hex'), size }, await documentSha256(sim.state, item.id));
    console.log(
      `64 MiB download: ${(BIG / 1024 / 1024 / seconds).toFixed(0)} MiB/s (incl. 300 ms pause), ` +
        `live-memory growth after GC per 8 MiB: ${samples.map((x) => (x / 1024 / 1024).toFixed(1)).join(' ')} MiB, server bytes while paused ${pausedBytes}`,
    );
  });

  it('generates content fast with constant memory (in-process, 256 MiB)', async () => {
    const started = Date.now();
    let n = 0;
    for await (const chunk of versionStream(1, 1234567, 1, 256 * 1024 * 1024)) n += (chunk as Buffer).length;
    assert.equal(n, 256 * 1024 * 1024);
    console.log(`content generation: ${(256 / ((Date.now() - started) / 1000)).toFixed(0)} MiB/s`);
  });

  it('a stream from an offset equals the tail of the full stream', async () => {
    const collect = async (s: AsyncIterable<unknown>): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    const full = await collect(versionStream(7, 1000001, 2, 200_003));
    for (const start of [0, 1, 15, 16, 17, 65_535, 65_536, 131_073, 200_000]) {
      assert.deepEqual(await collect(versionStream(7, 1000001, 2, 200_003, start)), full.subarray(start), String(start));
    }
  });
});
