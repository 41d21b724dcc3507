// Projectplace simulator: injected faults as a client sees them, rate limiting, latency, and the request log.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { advanceClock, clearFaults, setFaults, setSwitches, startProjectplaceSim, type Item, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { control, getBearerToken, oauth1Header, rawGet, signedFetch } from './pp-helpers.ts';

let sim: RunningSim;
let bigDoc: Item;
before(async () => {
  sim = await startProjectplaceSim({ documents: 30, largeDocuments: [1_000_000] });
  bigDoc = [...sim.state.items.values()].find((i) => i.name.startsWith('large-1-')) as Item;
});
after(async () => {
  await sim.close();
});
afterEach(() => {
  clearFaults(sim.state);
});

const wsPath = (): string => `/1/projects/${[...sim.state.workspaces.keys()][0] as number}/documents?recursive=true`;
const signedRaw = (path: string): ReturnType<typeof rawGet> =>
  rawGet(sim.url + path, { authorization: oauth1Header(sim.url + path, 'GET', sim.credentials) });

describe('faults', () => {
  it('5xx: count limits how often a rule fires; the next request succeeds', async () => {
    for (const kind of ['500', '502', '503'] as const) {
      const r = await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/1/account$', kind, count: 2 }] });
      assert.equal(r.status, 200);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await signedFetch(sim, '/1/account');
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses, [Number(kind), Number(kind), 200]);
    }
  });

  it('429 carries Retry-After; method restricts the rule', async () => {
    setFaults(sim.state, [{ path: '^/2/account/projects$', kind: '429', retryAfter: 7, method: 'POST' }]);
    const post = await signedFetch(sim, '/2/account/projects', { method: 'POST', body: '{}' });
    assert.equal(post.status, 429);
    assert.equal(post.headers.get('retry-after'), '7');
    await post.arrayBuffer();
    const get = await signedFetch(sim, '/2/account/projects');
    assert.equal(get.status, 405, 'GET is not faulted (and has no route)');
    await get.arrayBuffer();
  });

  it('rate: a seeded share of requests fail', async () => {
    setFaults(sim.state, [{ path: '^/1/account$', kind: '503', rate: 0.5 }]);
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      const res = await signedFetch(sim, '/1/account');
      if (res.status === 503) failed++;
      await res.arrayBuffer();
    }
    assert.ok(failed > 5 && failed < 35, `${failed} of 40 failed`);
  });

  it('reset: headers and part of the body arrive, then the connection is reset', async () => {
    setFaults(sim.state, [{ path: '^/1/documents/', kind: 'reset', count: 1 }]);
    const r = await signedRaw(`/1/documents/${bigDoc.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.contentLength, 1_000_000);
    assert.ok(r.received < 1_000_000, `received ${r.received}`);
    assert.ok(r.error, 'the client sees an error');
    const viaFetch = await (async () => {
      setFaults(sim.state, [{ path: '^/1/documents/', kind: 'reset', count: 1 }]);
      try {
        const res = await signedFetch(sim, `/1/documents/${bigDoc.id}`);
        await res.arrayBuffer();
        return 'ok';
      } catch (e) {
        return (e as Error).name;
      }
    })();
    assert.notEqual(viaFetch, 'ok');
  });

  it('short: full Content-Length announced, half the body sent, connection closed', async () => {
    setFaults(sim.state, [{ path: '^/1/documents/', kind: 'short', count: 1 }]);
    const r = await signedRaw(`/1/documents/${bigDoc.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.contentLength, 1_000_000);
    assert.equal(r.received, 500_000);
    assert.ok(r.error);
    const entry = sim.state.requests.at(-1);
    assert.equal(entry?.bytes, 500_000);
    // JSON listings can be truncated too.
    setFaults(sim.state, [{ path: '^/1/projects/', kind: 'short', count: 1 }]);
    await assert.rejects(async () => {
      const res = await signedFetch(sim, wsPath());
      await res.json();
    });
  });

  it('slow: the body arrives complete, in small chunks with pauses', async () => {
    const plain = await signedFetch(sim, wsPath());
    const expected = await plain.text();
    setFaults(sim.state, [{ path: '^/1/projects/', kind: 'slow', chunkBytes: 1024, delayMs: 30 }]);
    const started = Date.now();
    const res = await signedFetch(sim, wsPath());
    const body = await res.text();
    const elapsed = Date.now() - started;
    assert.equal(body, expected);
    const chunks = Math.ceil(Buffer.byteLength(expected) / 1024);
    assert.ok(elapsed >= (chunks - 1) * 30 * 0.8, `${elapsed} ms for ${chunks} chunks`);
  });

  it('faults apply to redirect blobs as well', async () => {
    setSwitches(sim.state, { downloadRedirect: true });
    try {
      setFaults(sim.state, [{ path: '^/__sim/blob/', kind: '503', count: 1 }]);
      const res = await signedFetch(sim, `/1/documents/${bigDoc.id}`);
      assert.equal(res.status, 503);
      await res.arrayBuffer();
    } finally {
      setSwitches(sim.state, { downloadRedirect: false });
    }
  });

  it('rejects malformed rules with 400; DELETE clears', async () => {
    const bad = await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '(', kind: '500' }] });
    assert.equal(bad.status, 400);
    const badKind = await control(sim, 'POST', '/__sim/faults', { rules: [{ path: 'x', kind: '418' }] });
    assert.equal(badKind.status, 400);
    await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '.', kind: '500' }] });
    assert.equal(sim.state.faults.rules.length, 1);
    await control(sim, 'DELETE', '/__sim/faults');
    assert.equal(sim.state.faults.rules.length, 0);
  });
});

describe('rate limit and latency switches', () => {
  it('answers 429 with Retry-After once a client exceeds its window; other clients unaffected', async () => {
    setSwitches(sim.state, { rateLimit: { requests: 3, windowSeconds: 60 } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await signedFetch(sim, '/1/account');
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
      const token = await getBearerToken(sim);
      const other = await fetch(sim.url + '/1/account', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(other.status, 200);
      await other.arrayBuffer();
      advanceClock(sim.state, 61);
      const later = await signedFetch(sim, '/1/account');
      assert.equal(later.status, 200);
      await later.arrayBuffer();
    } finally {
      advanceClock(sim.state, -61);
      setSwitches(sim.state, { rateLimit: null });
      sim.state.auth.windows.clear();
    }
  });

  it('adds latency to each response', async () => {
    setSwitches(sim.state, { latencyMs: 150 });
    try {
      const started = Date.now();
      const res = await signedFetch(sim, '/1/account');
      await res.arrayBuffer();
      assert.ok(Date.now() - started >= 140);
    } finally {
      setSwitches(sim.state, { latencyMs: 0 });
    }
  });
});

describe('request log', () => {
  it('records method, path, query, status, auth kind and body bytes; control calls are not logged', async () => {
    await control(sim, 'DELETE', '/__sim/requests');
    const a = await signedFetch(sim, '/1/account/projects?include_archived=1');
    const aBody = Buffer.from(await a.arrayBuffer());
    const token = await getBearerToken(sim);
    const b = await fetch(`${sim.url}/1/documents/${bigDoc.id}`, { headers: { authorization: `Bearer ${token}` } });
    await b.arrayBuffer();
    const c = await fetch(`${sim.url}/1/account`);
    await c.arrayBuffer();
    const d = await signedFetch(sim, '/1/account', { credentials: { consumerSecret: 'bad' } });
    await d.arrayBuffer();
    const log = await control<{ method: string; path: string; query: string; status: number; auth: string; bytes: number }[]>(sim, 'GET', '/__sim/requests');
    assert.equal(log.status, 200);
    const tokenBytes = log.json[1]?.bytes;
    assert.deepEqual(log.json, [
      { method: 'GET', path: '/1/account/projects', query: 'include_archived=1', status: 200, auth: 'oauth1', bytes: aBody.length },
      { method: 'POST', path: '/oauth2/access_token', query: '', status: 200, auth: 'oauth2', bytes: tokenBytes },
      { method: 'GET', path: `/1/documents/${bigDoc.id}`, query: '', status: 200, auth: 'oauth2', bytes: 1_000_000 },
      { method: 'GET', path: '/1/account', query: '', status: 401, auth: 'none', bytes: log.json[3]?.bytes },
      { method: 'GET', path: '/1/account', query: '', status: 401, auth: 'oauth1', bytes: log.json[4]?.bytes },
    ]);
    assert.ok((tokenBytes ?? 0) > 50);
    await control(sim, 'DELETE', '/__sim/requests');
    assert.deepEqual((await control<unknown[]>(sim, 'GET', '/__sim/requests')).json, []);
  });
});
