// ProSonata simulator: fixed 15-minute windows with a plan's budget, apiLimitRemaining/apiLimitReset on every
// answer, 429 over budget, a fresh budget after the (scaled) window, and the counters tests assert on.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { advanceClock, PLAN_LIMITS, setSwitches, startProsonataSim } from '../../src/sim/prosonata/index.ts';
import { api, control } from './prosonata-helpers.ts';

/** A quarter-hour boundary, so a window starts exactly when the simulator does. */
const ALIGNED = Date.UTC(2025, 0, 6, 9, 0, 0);

describe('budget per plan', () => {
  test('each plan has its documented calls per window; every answer reports what is left', async () => {
    for (const plan of [1, 3, 5, 10, 20] as const) {
      const sim = await startProsonataSim({ plan, startTime: ALIGNED });
      try {
        const a = await api(sim, '/projects?perPage=1');
        assert.equal(a.meta.apiLimitRemaining, PLAN_LIMITS[plan] - 1, `plan ${plan}`);
        assert.equal(a.meta.apiLimitReset, 900);
      } finally {
        await sim.close();
      }
    }
  });

  test('remaining counts down on every kind of answer; reset counts down with the clock', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED });
    try {
      const seen: number[] = [];
      seen.push((await api(sim, '/projects')).meta.apiLimitRemaining!);
      seen.push((await api(sim, '/projects/999999')).meta.apiLimitRemaining!);
      seen.push((await api(sim, '/users', sim.headers.timekeeper)).meta.apiLimitRemaining!);
      seen.push((await api(sim, '/projects', { 'X-API-Key': 'wrong' })).meta.apiLimitRemaining!);
      assert.deepEqual(seen, [49, 48, 47, 46]);
      advanceClock(sim.state, 300);
      assert.equal((await api(sim, '/projects')).meta.apiLimitReset, 600);
      // The control API and the HTML 404 of a wrong path use no budget.
      await control(sim, 'GET', '/__sim/state');
      await fetch(sim.url + '/nowhere');
      assert.equal((await api(sim, '/projects')).meta.apiLimitRemaining, 44);
    } finally {
      await sim.close();
    }
  });
});

describe('over budget', () => {
  test('the call after the last one is 429 in the envelope, with the wait in its message and apiLimitReset', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED, switches: { apiLimit: 3 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await api(sim, '/projects')).status, 200);
      advanceClock(sim.state, 120);
      const a = await api(sim, '/projects');
      assert.equal(a.status, 429);
      assert.equal(a.meta.status, 429);
      assert.equal(a.meta.apiLimitRemaining, 0);
      assert.equal(a.meta.apiLimitReset, 780);
      assert.match(a.meta.message ?? '', /780 seconds/);
      assert.deepEqual(a.data, []);
      assert.equal(a.headers.get('retry-after'), null);
      setSwitches(sim.state, { retryAfterHeader: true });
      assert.equal((await api(sim, '/projects')).headers.get('retry-after'), '780');
      const s = sim.stats();
      assert.equal(s.counted, 3);
      assert.equal(s.limited, 2);
      assert.equal(s.maxCountedInWindow, 3);
    } finally {
      await sim.close();
    }
  });

  test('with timeScale 900 a window lasts a second: after apiLimitReset (scaled) the budget is back', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED, timeScale: 900, switches: { apiLimit: 2 } });
    try {
      await api(sim, '/projects');
      await api(sim, '/projects');
      const refused = await api(sim, '/projects');
      assert.equal(refused.status, 429);
      const reset = refused.meta.apiLimitReset!;
      assert.ok(reset >= 1 && reset <= 900, `reset ${reset}`);
      await sleep((reset * 1000) / 900 + 30);
      const again = await api(sim, '/projects');
      assert.equal(again.status, 200);
      assert.equal(again.meta.apiLimitRemaining, 1);
      const windows = sim.stats().windows;
      assert.equal(windows.length, 2);
      assert.deepEqual(windows.map((w) => [w.counted, w.limited]), [[2, 1], [1, 0]]);
      const gap = windows[1]!.start - windows[0]!.start;
      assert.ok(gap > 0 && gap % 900_000 === 0, `windows ${gap} ms apart`);
    } finally {
      await sim.close();
    }
  });

  test('a client that waits for apiLimitReset when remaining hits 0 walks 2500 rows with no 429', async () => {
    // 3600: a window lasts a quarter of a second.
    const sim = await startProsonataSim({ timeScale: 3600, counts: { projecttimes: 2500 }, switches: { apiLimit: 2 } });
    try {
      let rows = 0;
      for (let page = 1; ; page++) {
        const a = await api(sim, `/projecttimes?perPage=500&page=${page}&orderBy=timeID ASC`);
        assert.equal(a.status, 200);
        rows += a.data.length;
        if (page * 500 >= a.meta.totalCount!) break;
        if (a.meta.apiLimitRemaining === 0) await sleep((a.meta.apiLimitReset! * 1000) / 3600 + 20);
      }
      assert.equal(rows, 2500);
      const s = sim.stats();
      assert.equal(s.limited, 0);
      assert.equal(s.counted, 5);
      assert.ok(s.maxCountedInWindow <= 2);
    } finally {
      await sim.close();
    }
  });
});

describe('window switches', () => {
  test('windowAlignment=firstRequest: the window starts at the first call', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED + 100_000, switches: { windowAlignment: 'firstRequest', apiLimit: 1 } });
    try {
      assert.equal((await api(sim, '/projects')).meta.apiLimitReset, 900);
      advanceClock(sim.state, 899);
      assert.equal((await api(sim, '/projects')).status, 429);
      advanceClock(sim.state, 2);
      assert.equal((await api(sim, '/projects')).status, 200);
    } finally {
      await sim.close();
    }
  });

  test('the budget is shared by all keys of the account, or per key with rateLimitScope=key', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED, switches: { apiLimit: 2 } });
    try {
      await api(sim, '/projects', sim.headers.app);
      await api(sim, '/projects', sim.headers.admin);
      assert.equal((await api(sim, '/projects', sim.headers.teamlead)).status, 429);
      setSwitches(sim.state, { rateLimitScope: 'key' });
      assert.equal((await api(sim, '/projects', sim.headers.teamlead)).meta.apiLimitRemaining, 1);
    } finally {
      await sim.close();
    }
  });

  test('countUnauthenticated=false: wrong keys use no budget', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED, switches: { countUnauthenticated: false } });
    try {
      const bad = await api(sim, '/projects', { 'X-API-Key': 'wrong' });
      assert.equal(bad.status, 401);
      assert.equal(bad.meta.apiLimitRemaining, 50);
      assert.equal((await api(sim, '/projects')).meta.apiLimitRemaining, 49);
    } finally {
      await sim.close();
    }
  });

  test('GET /__sim/stats counts requests; DELETE /__sim/ratelimit gives a fresh budget', async () => {
    const sim = await startProsonataSim({ startTime: ALIGNED, switches: { apiLimit: 1 } });
    try {
      await api(sim, '/projects');
      await api(sim, '/projects');
      const { json } = await control<{ requests: number; counted: number; limited: number; byStatus: Record<string, number> }>(sim, 'GET', '/__sim/stats');
      assert.equal(json.requests, 2);
      assert.equal(json.counted, 1);
      assert.equal(json.limited, 1);
      assert.deepEqual(json.byStatus, { 200: 1, 429: 1 });
      await control(sim, 'DELETE', '/__sim/ratelimit');
      assert.equal((await api(sim, '/projects')).status, 200);
    } finally {
      await sim.close();
    }
  });
});
