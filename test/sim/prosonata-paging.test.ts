// ProSonata simulator: page/perPage (default 100, max 1000 and the switches for above it), pages past the end,
// orderBy, filters, determinism by seed, and a 30,000-row resource generated and served cheaply.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setSwitches, startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { api, walk, type Rec } from './prosonata-helpers.ts';

let sim: RunningProsonataSim;
before(async () => {
  sim = await startProsonataSim({ seed: 3, counts: { projecttimes: 2500 }, switches: { apiLimit: 100_000 } });
});
after(async () => {
  await sim.close();
});

const ids = (rows: Rec[], pk = 'timeID'): number[] => rows.map((r) => r[pk] as number);

describe('paging', () => {
  test('default perPage is 100; pages are 1-based and disjoint; totalCount is the whole list', async () => {
    const p1 = await api(sim, '/projecttimes');
    assert.equal(p1.meta.perPage, 100);
    assert.equal(p1.data.length, 100);
    assert.equal(p1.meta.totalCount, 2500);
    const p2 = await api(sim, '/projecttimes?page=2');
    assert.equal(p2.meta.page, 2);
    assert.equal(new Set([...ids(p1.data), ...ids(p2.data)]).size, 200);
    assert.ok(Math.max(...ids(p1.data)) < Math.min(...ids(p2.data)));
  });

  test('perPage up to 1000 is honoured; above it is capped to 1000', async () => {
    assert.equal((await api(sim, '/projecttimes?perPage=1000')).data.length, 1000);
    const big = await api(sim, '/projecttimes?perPage=5000');
    assert.equal(big.status, 200);
    assert.equal(big.data.length, 1000);
    assert.equal(big.meta.perPage, 1000);
  });

  test('switch perPageOverMax: capEchoRequested says 5000 but serves 1000; error answers 400', async () => {
    setSwitches(sim.state, { perPageOverMax: 'capEchoRequested' });
    try {
      const a = await api(sim, '/projecttimes?perPage=5000');
      assert.equal(a.meta.perPage, 5000);
      assert.equal(a.data.length, 1000);
      // A client computing ceil(totalCount / meta.perPage) pages would stop after one page here.
      assert.equal(Math.ceil(a.meta.totalCount! / a.meta.perPage!), 1);
      setSwitches(sim.state, { perPageOverMax: 'error' });
      const b = await api(sim, '/projecttimes?perPage=5000');
      assert.equal(b.status, 400);
      assert.equal(b.meta.status, 400);
    } finally {
      setSwitches(sim.state, { perPageOverMax: 'cap' });
    }
  });

  test('invalid page/perPage fall back to the defaults', async () => {
    const a = await api(sim, '/projecttimes?perPage=abc&page=0');
    assert.equal(a.meta.perPage, 100);
    assert.equal(a.meta.page, 1);
  });

  test('a page past the end: 200 with data [] by default, 404 "Data not found." with emptyList=notFound', async () => {
    const a = await api(sim, '/projecttimes?perPage=1000&page=4');
    assert.equal(a.status, 200);
    assert.deepEqual(a.data, []);
    assert.equal(a.meta.totalCount, 2500);
    setSwitches(sim.state, { emptyList: 'notFound' });
    try {
      const b = await api(sim, '/projecttimes?perPage=1000&page=4');
      assert.equal(b.status, 404);
      assert.equal(b.meta.message, 'Data not found.');
      assert.equal((await api(sim, '/projecttimes?detail=no-such-text-anywhere')).status, 404);
    } finally {
      setSwitches(sim.state, { emptyList: 'empty' });
    }
  });

  test('walking all pages at perPage=1000 returns every record once', async () => {
    const { rows, totals } = await walk(sim, 'projecttimes', 1000, '&orderBy=timeID ASC');
    assert.deepEqual(totals, [2500, 2500, 2500]);
    assert.equal(rows.length, 2500);
    assert.equal(new Set(ids(rows)).size, 2500);
  });
});

describe('orderBy', () => {
  test('field DESC, with "+" or a space, and ASC as the default direction', async () => {
    const desc = await api(sim, '/projecttimes?orderBy=timeID+DESC&perPage=5');
    const all = [...sim.state.tables.projecttimes.rows.keys()].sort((a, b) => b - a);
    assert.deepEqual(ids(desc.data), all.slice(0, 5));
    const spaced = await api(sim, `/projecttimes?orderBy=${encodeURIComponent('timeID DESC')}&perPage=5`);
    assert.deepEqual(ids(spaced.data), all.slice(0, 5));
    const asc = await api(sim, '/projecttimes?orderBy=timeID&perPage=5');
    assert.deepEqual(ids(asc.data), all.slice(-5).reverse());
  });

  test('several comma-separated terms: date DESC, then timeID DESC', async () => {
    const a = await api(sim, `/projecttimes?orderBy=${encodeURIComponent('date DESC,timeID DESC')}&perPage=1000`);
    for (let i = 1; i < a.data.length; i++) {
      const p = a.data[i - 1] as Rec;
      const c = a.data[i] as Rec;
      assert.ok((p.date as string) > (c.date as string) || (p.date === c.date && (p.timeID as number) > (c.timeID as number)), `row ${i}`);
    }
  });

  test('sorting by a joined field (customerID on projecttimes) works', async () => {
    const a = await api(sim, '/projecttimes?orderBy=customerID&perPage=1000');
    const c = a.data.map((r) => r.customerID as number);
    assert.deepEqual(c, [...c].sort((x, y) => x - y));
  });

  test('decimal strings sort numerically (servicetemplates by netValue)', async () => {
    const a = await api(sim, '/servicetemplates?orderBy=netValue DESC&perPage=1000');
    const v = a.data.map((r) => Number(r.netValue));
    assert.deepEqual(v, [...v].sort((x, y) => y - x));
  });

  test('an unsortable field is ignored by default, 400 with unknownOrderBy=error', async () => {
    const a = await api(sim, '/projecttimes?orderBy=detail DESC&perPage=3');
    assert.equal(a.status, 200);
    assert.deepEqual(ids(a.data), [...sim.state.tables.projecttimes.rows.keys()].sort((x, y) => x - y).slice(0, 3));
    setSwitches(sim.state, { unknownOrderBy: 'error' });
    try {
      assert.equal((await api(sim, '/projecttimes?orderBy=detail DESC')).status, 400);
    } finally {
      setSwitches(sim.state, { unknownOrderBy: 'ignore' });
    }
  });
});

describe('filters', () => {
  test('equality, substring (detail) and date ranges with > and <', async () => {
    const project = (await api(sim, '/projecttimes?perPage=1')).data[0]?.projectID as number;
    const byProject = await api(sim, `/projecttimes?projectID=${project}&perPage=1000`);
    assert.ok(byProject.data.length > 0 && byProject.data.every((r) => r.projectID === project));
    const detail = await api(sim, '/projecttimes?detail=LAUFEND&perPage=1000');
    assert.ok(detail.data.length > 0 && detail.data.every((r) => (r.detail as string).includes('[LAUFEND:')));
    const range = await api(sim, `/projecttimes?date=${encodeURIComponent('>2023-01-01')}&date2=${encodeURIComponent('<2023-01-31')}&perPage=1000`);
    assert.ok(range.data.length > 0);
    assert.ok(range.data.every((r) => (r.date as string) >= '2023-01-01' && (r.date as string) <= '2023-01-31'));
    const german = await api(sim, `/projecttimes?date=${encodeURIComponent('>01.01.2023')}&date2=${encodeURIComponent('<31.01.2023')}&perPage=1000`);
    assert.deepEqual(ids(german.data), ids(range.data));
  });

  test('unknown parameters are ignored', async () => {
    const a = await api(sim, '/projecttimes?colour=blue&perPage=1');
    assert.equal(a.meta.totalCount, 2500);
  });
});

describe('generation', () => {
  test('the same seed gives the same records; another seed other ones', async () => {
    const a = await startProsonataSim({ seed: 11 });
    const b = await startProsonataSim({ seed: 11 });
    const c = await startProsonataSim({ seed: 12 });
    try {
      const [ra, rb, rc] = await Promise.all([a, b, c].map((s) => api(s, '/projecttimes?perPage=1000')));
      assert.deepEqual(ra?.data, rb?.data);
      assert.notDeepEqual(ra?.data, rc?.data);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('30,000 projecttimes start fast and are served in 30 pages of 1000', async () => {
    const t0 = performance.now();
    const big = await startProsonataSim({ counts: { projecttimes: 30_000 }, plan: 20 });
    const startMs = performance.now() - t0;
    try {
      assert.ok(startMs < 2000, `start took ${startMs} ms`);
      const t1 = performance.now();
      const { rows } = await walk(big, 'projecttimes', 1000, '&orderBy=timeID ASC');
      const walkMs = performance.now() - t1;
      assert.equal(rows.length, 30_000);
      assert.equal(new Set(ids(rows)).size, 30_000);
      assert.ok(walkMs < 5000, `walk took ${walkMs} ms`);
      assert.equal(big.stats().counted, 30);
    } finally {
      await big.close();
    }
  });
});
