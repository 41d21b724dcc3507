// Projectplace simulator: hostile answers on listing endpoints (broken JSON, wrong types, extra fields, HTML and empty
// 200s, paging that repeats or never ends), as a client sees them.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { clearFaults, PHANTOM_ID_BASE, setFaults, startProjectplaceSim, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { wrongTypes } from '../../src/sim/projectplace/hostile.ts';
import { control, signedFetch } from './pp-helpers.ts';

let sim: RunningSim;
before(async () => {
  sim = await startProjectplaceSim({ documents: 30, workspaces: 4 });
});
after(async () => {
  await sim.close();
});
afterEach(() => {
  clearFaults(sim.state);
});

const wsId = (): number => [...sim.state.workspaces.keys()][0] as number;
const treePath = (): string => `/1/projects/${wsId()}/documents?recursive=true&include_urls=true`;
const treePattern = '^/1/projects/\\d+/documents$';

async function getText(path: string): Promise<{ status: number; type: string | null; length: string | null; text: string }> {
  const res = await signedFetch(sim, path);
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), text: await res.text() };
}

async function page(body: Record<string, unknown>): Promise<Array<{ id: number; name: string; archive_status: number }>> {
  const res = await signedFetch(sim, '/2/account/projects', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200);
  return (await res.json()) as Array<{ id: number; name: string; archive_status: number }>;
}

/** Removes the fields extra-fields adds, recursively. */
function stripExtras(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripExtras);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!['x_feature_flags', 'x_whiteboards', '_links', 'x_note'].includes(k)) out[k] = stripExtras(x);
  return out;
}

describe('hostile answers', () => {
  it('truncated-json: a complete 200 whose body is a cut prefix of the real one (Content-Length matches the cut)', async () => {
    const plain = await getText(treePath());
    setFaults(sim.state, [{ path: treePattern, kind: 'truncated-json', count: 1 }]);
    const cut = await getText(treePath());
    assert.equal(cut.status, 200);
    assert.equal(Number(cut.length), Buffer.byteLength(cut.text));
    assert.ok(cut.text.length > 0 && cut.text.length < plain.text.length);
    assert.ok(plain.text.startsWith(cut.text));
    assert.throws(() => JSON.parse(cut.text));
    assert.equal((await getText(treePath())).text, plain.text, 'count 1: the next answer is whole');
  });

  it('invalid-json: one trailing comma, otherwise the real body', async () => {
    const plain = await getText(treePath());
    setFaults(sim.state, [{ path: treePattern, kind: 'invalid-json' }]);
    const bad = await getText(treePath());
    assert.equal(bad.status, 200);
    assert.throws(() => JSON.parse(bad.text));
    assert.equal(bad.text.replace(/,([}\]])$/, '$1'), plain.text);
  });

  it('wrong-types: each variant changes one value to the wrong type', async () => {
    const plain = JSON.parse((await getText(treePath())).text) as { containers: Array<{ id: unknown; name: unknown; contents: unknown }> };
    const first = plain.containers[0]!;
    setFaults(sim.state, [{ path: treePattern, kind: 'wrong-types', variant: 'id-object' }]);
    let t = JSON.parse((await getText(treePath())).text) as typeof plain;
    assert.deepEqual(t.containers[0]!.id, { id: first.id, type: 'Document' });
    setFaults(sim.state, [{ path: treePattern, kind: 'wrong-types', variant: 'name-number' }]);
    t = JSON.parse((await getText(treePath())).text) as typeof plain;
    assert.equal(t.containers[0]!.name, 4711);
    setFaults(sim.state, [{ path: treePattern, kind: 'wrong-types', variant: 'list-for-object' }]);
    t = JSON.parse((await getText(treePath())).text) as typeof plain;
    assert.ok(Array.isArray(t.containers[0]!.contents), 'a folder\'s contents became a list');
    setFaults(sim.state, [{ path: treePattern, kind: 'wrong-types', variant: 'object-for-list' }]);
    t = JSON.parse((await getText(treePath())).text) as typeof plain;
    assert.ok(!Array.isArray(t.containers) && typeof t.containers === 'object', 'the folder list became an object');
    // On a workspace page (a JSON array) too.
    setFaults(sim.state, [{ path: '^/2/account/projects$', kind: 'wrong-types', variant: 'object-for-list' }]);
    const res = await signedFetch(sim, '/2/account/projects', { method: 'POST', body: '{}' });
    const body = (await res.json()) as Record<string, unknown>;
    assert.ok(!Array.isArray(body) && Array.isArray(body.items));
    // Without a variant, each firing draws one; every draw is one of the four.
    assert.deepEqual(wrongTypes([{ id: 1 }], 'list-for-object'), [[{ id: 1 }]]);
    assert.deepEqual(wrongTypes({ a: 1 }, 'id-object'), { id: { id: 0 } });
  });

  it('extra-fields: every object gains unknown fields; without them the body is the real one', async () => {
    const plain = JSON.parse((await getText(treePath())).text) as unknown;
    setFaults(sim.state, [{ path: treePattern, kind: 'extra-fields' }]);
    const extra = JSON.parse((await getText(treePath())).text) as Record<string, unknown>;
    assert.ok(extra.x_feature_flags && extra._links && Array.isArray(extra.x_whiteboards));
    assert.deepEqual(stripExtras(extra), plain);
  });

  it('html-200: a maintenance page with status 200, before auth (as a proxy answers)', async () => {
    setFaults(sim.state, [{ path: '^/2/account/projects$', kind: 'html-200' }]);
    const res = await fetch(sim.url + '/2/account/projects', { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /^<!DOCTYPE html>/);
  });

  it('empty-200: status 200, JSON content type, no body', async () => {
    setFaults(sim.state, [{ path: '^/1/account/members$', kind: 'empty-200' }]);
    const r = await getText('/1/account/members?include_external_users=1');
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^application\/json/);
    assert.equal(r.text, '');
    assert.equal(r.length, '0');
  });

  it('repeat-page: row_number is ignored, the first page comes back', async () => {
    const first = await page({ limit: 2 });
    const second = await page({ limit: 2, row_number: 2 });
    assert.notDeepEqual(second.map((w) => w.id), first.map((w) => w.id));
    setFaults(sim.state, [{ path: '^/2/account/projects$', kind: 'repeat-page' }]);
    assert.deepEqual(await page({ limit: 2, row_number: 2 }), first);
    assert.deepEqual(await page({ limit: 2, row_number: 400 }), first);
  });

  it('endless-pages: every page is full, of workspaces never seen before', async () => {
    const real = await page({ limit: 100 });
    setFaults(sim.state, [{ path: '^/2/account/projects$', kind: 'endless-pages' }]);
    const p0 = await page({ limit: 100 });
    assert.equal(p0.length, 100);
    assert.deepEqual(p0.slice(0, real.length), real, 'the real ones first');
    const seen = new Set(p0.map((w) => w.id));
    for (const row of [100, 200, 5000]) {
      const p = await page({ limit: 100, row_number: row });
      assert.equal(p.length, 100);
      for (const w of p) {
        assert.ok(w.id >= PHANTOM_ID_BASE);
        assert.ok(!seen.has(w.id), `id ${w.id} new`);
        seen.add(w.id);
      }
    }
    const archived = await page({ limit: 3, row_number: 100, filter: { archive_status: [1] } });
    assert.ok(archived.every((w) => w.archive_status === 1));
  });

  it('answers that are not 200 JSON pass through unchanged', async () => {
    setFaults(sim.state, [{ path: treePattern, kind: 'invalid-json' }]);
    const r = await getText('/1/projects/1/documents?recursive=true');
    assert.equal(r.status, 404);
    assert.match(r.text, /not found/);
  });

  it('rate draws and count limit apply as for other faults; bad rules are refused with 400', async () => {
    setFaults(sim.state, [{ path: treePattern, kind: 'empty-200', rate: 0.5 }]);
    let empty = 0;
    for (let i = 0; i < 30; i++) if ((await getText(treePath())).text === '') empty++;
    assert.ok(empty > 3 && empty < 27, `${empty} of 30 empty`);
    for (const rule of [
      { path: 'x', kind: 'invalid-json', variant: 'id-object' },
      { path: 'x', kind: 'wrong-types', variant: 'id-number' },
      { path: 'x', kind: 'wrong-json' },
    ]) {
      const r = await control(sim, 'POST', '/__sim/faults', { rules: [rule] });
      assert.equal(r.status, 400, JSON.stringify(rule));
    }
    const ok = await control<{ rules: unknown[] }>(sim, 'POST', '/__sim/faults', { rules: [{ path: 'x', kind: 'wrong-types', variant: 'name-number', count: 2 }] });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.rules, [{ path: 'x', kind: 'wrong-types', variant: 'name-number', count: 2 }]);
  });
});
