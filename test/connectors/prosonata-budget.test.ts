// The ProSonata connector under the API budget: it waits for the next window when what is left reaches its reserve,
// waits after a 429 instead of failing, and never spends more than the plan allows. The simulator runs 600 to 3600
// times faster than real time (a 15-minute window lasts 1.5 s to 0.25 s); the connector is told the same time scale.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiBudget } from '../../src/connectors/prosonata/budget.ts';
import { DEFAULT_RESOURCES } from '../../src/connectors/prosonata/index.ts';
import type { Item } from '../../src/engine/model.ts';
import { startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { ALIGNED, captureLogger, connectorFor, contents, control, expected, listAll, spendBudget } from './prosonata-helpers.ts';

describe('ApiBudget (fake clock)', () => {
  test('waits only when what is left is at or below the reserve, until the reset plus jitter, in real time', async () => {
    let now = 1000;
    const slept: number[] = [];
    const b = new ApiBudget(5, {
      timeScale: 10,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
      random: () => 0.5,
    });
    await b.ready();
    b.observe(6, 100);
    await b.ready();
    assert.deepEqual(slept, [], 'six left, five kept: one more call may go');
    b.observe(5, 100);
    await b.ready();
    // (100 s to the reset + 1 s + 2 × 0.5 s of jitter) at ten service seconds per real second.
    assert.deepEqual(slept, [10_200]);
    assert.equal(b.remaining, undefined, 'a new window: unknown until the next answer');
    assert.equal(b.waits, 1);
    b.exhausted(undefined);
    await b.ready();
    assert.equal(slept[1], 6_200, 'a 429 without a reset waits a minute');
    b.observe(0, 99_999);
    await b.ready();
    assert.equal(slept[2], 360_200, 'a reset beyond an hour is capped at an hour');
    b.observe(Number.NaN, 10);
    b.observe(3, undefined);
    await b.ready();
    assert.equal(slept.length, 3, 'answers without usable numbers change nothing');
  });
});

/** Our requests (the connector's App-Integration) and everyone's, per rate-limit window. */
async function perWindow(sim: RunningProsonataSim): Promise<{ ours: number[]; all: number[] }> {
  const log = (await control(sim, 'GET', '/__sim/requests')) as Array<{ at: number; counted: boolean; auth: string }>;
  const windowMs = sim.state.switches.windowSeconds * 1000;
  const ours = new Map<number, number>();
  const all = new Map<number, number>();
  for (const r of log) {
    if (!r.counted) continue;
    const w = Math.floor(r.at / windowMs);
    all.set(w, (all.get(w) ?? 0) + 1);
    if (r.auth === 'app') ours.set(w, (ours.get(w) ?? 0) + 1);
  }
  const keys = [...all.keys()].sort((a, b) => a - b);
  return { ours: keys.map((k) => ours.get(k) ?? 0), all: keys.map((k) => all.get(k) ?? 0) };
}

describe('plan 1: 50 calls per window', () => {
  test('30,000 time entries and every other resource, listed across windows within the budget, exactly', async () => {
    const sim = await startProsonataSim({ seed: 4, plan: 1, timeScale: 600, startTime: ALIGNED, counts: { projecttimes: 30_000 } });
    const { logger, lines } = captureLogger();
    const connector = connectorFor(sim, 'app', { 'rate-limit-reserve': 5 }, { logger });
    try {
      // Another integration of the account has already spent 40 of this window's 50 calls.
      assert.deepEqual(new Set(await spendBudget(sim, 40)), new Set([200]));
      const containers = await connector.listContainers();
      const listed = new Map<string, Item[]>();
      // Three resources at a time, as the engine lists them.
      const queue = [...containers];
      await Promise.all(
        [0, 1, 2].map(async () => {
          for (let c = queue.shift(); c; c = queue.shift()) listed.set(c.id, await listAll(connector, c.id));
        }),
      );
      for (const r of DEFAULT_RESOURCES) assert.equal(listed.get(r)?.length, sim.state.tables[r as 'users'].rows.size, r);

      const items = listed.get('projecttimes')!;
      assert.equal(items.length, 30_000);
      const got = await contents(connector, items);
      const want = await expected(sim, 'projecttimes', 'timeID');
      assert.equal(got.size, want.size);
      for (const [id, text] of want) if (got.get(id) !== text) assert.fail(`projecttimes ${id} differs from the simulator's record`);

      const s = sim.stats();
      assert.equal(s.limited, 0, 'no call was refused');
      assert.ok(s.maxCountedInWindow <= 50, `at most 50 calls in a window, saw ${s.maxCountedInWindow}`);
      const { ours, all } = await perWindow(sim);
      assert.ok(ours.filter((n) => n > 0).length >= 2, `the listing spans several windows: ${ours.join(', ')}`);
      for (const n of all) assert.ok(n <= 50 - 5, `the reserve of 5 stays free in every window: ${all.join(', ')}`);
      // 1 call to check the credentials, 12 resources of one page, 30 pages of time entries: no call wasted.
      assert.equal(ours.reduce((a, b) => a + b, 0), 1 + 12 + 30);
      assert.ok(connector.client.budget.waits >= 1);
      assert.ok(lines.some((l) => l.level === 'info' && /waiting .* for the next window/.test(l.line)));
    } finally {
      await connector.close();
      await sim.close();
    }
  });

  for (const retryAfterHeader of [false, true]) {
    test(`a window used up by another integration: the 429 is waited out, not an error (Retry-After header: ${retryAfterHeader})`, async () => {
      const started = performance.now();
      const sim = await startProsonataSim({ seed: 6, plan: 1, timeScale: 1800, startTime: ALIGNED, switches: { retryAfterHeader } });
      const { logger, lines } = captureLogger();
      const connector = connectorFor(sim, 'app', { 'rate-limit-reserve': 0 }, { logger });
      try {
        await spendBudget(sim, 50);
        const items = await listAll(connector, 'contacts');
        // The first window (0.5 s of real time from the simulator's start) had no call left for us: the listing cannot
        // have finished before it turned, however long spending the budget took on a loaded machine.
        const waited = performance.now() - started;
        const want = await expected(sim, 'contacts', 'contactID');
        assert.deepEqual(new Map([...(await contents(connector, items))]), want);
        const s = sim.stats();
        assert.equal(s.limited, 1, 'one refusal (ours), then it waited for the window');
        assert.ok(s.maxCountedInWindow <= 50);
        assert.ok(waited >= 480, `it waited for the window (0.5 s) to turn (${Math.round(waited)} ms after the simulator started)`);
        assert.ok(lines.some((l) => /429/.test(l.line) && /waiting for the next window/.test(l.line)));
      } finally {
        await connector.close();
        await sim.close();
      }
    });
  }

  test('a budget that never comes back fails the call after the configured number of 429s, with a clear message', async () => {
    const sim = await startProsonataSim({ seed: 6, timeScale: 3600, switches: { apiLimit: 0 } });
    const connector = connectorFor(sim, 'app', {}, { maxRateLimited: 2 });
    try {
      await assert.rejects(connector.listContainers(), (e: Error) => e.name === 'ServiceError' && /API budget used up \(429\)/.test(e.message));
      assert.equal(sim.stats().limited, 3);
    } finally {
      await connector.close();
      await sim.close();
    }
  });
});
