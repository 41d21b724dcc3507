// Records that change while the ProSonata connector pages through a resource (the simulator's drift switch edits
// after list pages). A listing either holds exactly the records that existed when its walk began, or it throws;
// never a silent gap that the engine would read as deletions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServiceError } from '../../src/lib/errors.ts';
import { setSwitches, startProsonataSim, type DriftRule, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { captureLogger, connectorFor, contents, control, expected, listAll, simRecords, type Rec } from './prosonata-helpers.ts';

const RESOURCE = 'projecttimes';
const id = (r: Rec) => `${RESOURCE}-${Number(r.timeID)}`;

interface Run {
  sim: RunningProsonataSim;
  /** The records before the listing and after it: item id → canonical JSON. */
  start: Map<string, string>;
  end: Map<string, string>;
  /** The listing (item id → bytes), or what it threw. */
  listed?: Map<string, string>;
  error?: unknown;
  yielded: number;
  /** Pages of projecttimes asked for. */
  pages: number;
  warnings: string[];
}

/** 3,000 time entries: one descending page, then two ascending ones. */
const N = 3000;
const PAGES = 3;

async function listWithDrift(drift: Partial<DriftRule>, seed = 21): Promise<Run> {
  const sim = await startProsonataSim({ seed, counts: { [RESOURCE]: N }, switches: { apiLimit: 100_000 } });
  const { logger, lines } = captureLogger();
  const connector = connectorFor(sim, 'app', {}, { logger });
  const start = await expected(sim, RESOURCE, 'timeID');
  await connector.listContainers();
  setSwitches(sim.state, { drift: { resources: [RESOURCE], ...drift } as DriftRule });
  const run: Run = { sim, start, end: new Map(), yielded: 0, pages: 0, warnings: [] };
  try {
    const items = [];
    for await (const item of connector.listItems({ id: RESOURCE, name: RESOURCE, archived: false })) {
      run.yielded++;
      items.push(item);
    }
    run.listed = await contents(connector, items);
  } catch (e) {
    run.error = e;
  }
  setSwitches(sim.state, { drift: null });
  run.end = await expected(sim, RESOURCE, 'timeID');
  const requests = (await control(sim, 'GET', '/__sim/requests')) as Array<{ path: string }>;
  run.pages = requests.filter((r) => r.path === `/api/v1/${RESOURCE}`).length;
  run.warnings = lines.filter((l) => l.level === 'warn').map((l) => l.line);
  await connector.close();
  return run;
}

async function close(run: Run): Promise<void> {
  await run.sim.close();
}

/** The ids the drift inserted and deleted (from the simulator's change log). */
async function driftChanges(sim: RunningProsonataSim): Promise<{ inserted: Set<string>; deleted: Set<string> }> {
  const changes = (await control(sim, 'GET', '/__sim/changes')) as Array<{ source: string; op: string; resource: string; id: number }>;
  const of = (op: string) => new Set(changes.filter((c) => c.source === 'drift' && c.op === op && c.resource === RESOURCE).map((c) => `${RESOURCE}-${c.id}`));
  return { inserted: of('insert'), deleted: of('delete') };
}

describe('drift between pages', () => {
  test('a plain offset walk really loses a record in this scenario (the simulator’s drift is real)', async () => {
    const sim = await startProsonataSim({ seed: 21, counts: { [RESOURCE]: N }, switches: { apiLimit: 100_000 } });
    try {
      const before = await simRecords(sim, RESOURCE);
      setSwitches(sim.state, { drift: { every: 1, ops: ['delete'], resources: [RESOURCE], times: 1 } });
      const seen = new Set<string>();
      for (let page = 1; page <= PAGES; page++) {
        const res = await fetch(`${sim.apiUrl}/${RESOURCE}?perPage=1000&page=${page}&orderBy=timeID+ASC`, { headers: sim.headers.app });
        for (const r of ((await res.json()) as { data: Rec[] }).data) seen.add(id(r));
      }
      const after = new Set((await simRecords(sim, RESOURCE)).map(id));
      const lost = [...after].filter((x) => !seen.has(x));
      assert.equal(lost.length, 1, 'one record that exists was on no page');
      assert.equal(before.length, N);
    } finally {
      await sim.close();
    }
  });

  test('a record deleted before its page is reached: the gap is found and the resource walked again, then exact', async () => {
    // After the 2nd page (the first ascending one), one of its records is deleted: every later row moves up one place.
    const run = await listWithDrift({ every: 2, ops: ['delete'], times: 1 });
    try {
      assert.equal(run.error, undefined);
      assert.deepEqual(run.listed, run.end);
      assert.equal(run.end.size, N - 1);
      assert.equal(run.pages, 2 * PAGES, 'two walks');
      assert.ok(run.warnings.some((w) => /changed while it was being listed \(1 of the 3000 records there when the walk began were on no page\)/.test(w)));
    } finally {
      await close(run);
    }
  });

  test('a record deleted after its page was read: the listing is the set at the start (it goes next run), in one walk', async () => {
    const run = await listWithDrift({ every: 1, ops: ['delete'], times: 1 });
    try {
      assert.equal(run.error, undefined);
      assert.deepEqual(run.listed, run.start);
      const { deleted } = await driftChanges(run.sim);
      assert.equal(deleted.size, 1);
      for (const d of deleted) assert.ok(run.listed!.has(d) && !run.end.has(d));
      assert.equal(run.pages, PAGES);
    } finally {
      await close(run);
    }
  });

  test('deletions that never stop: it throws after three walks and yields nothing', async () => {
    const run = await listWithDrift({ every: 1, ops: ['delete'], times: null });
    try {
      assert.ok(run.error instanceof ServiceError);
      assert.match((run.error as Error).message, /projecttimes kept changing while it was being listed .* gave up after 3 walks.*Nothing in projecttimes is treated as deleted/);
      assert.equal(run.yielded, 0);
      assert.equal(run.pages, 3 * PAGES);
    } finally {
      await close(run);
    }
  });

  test('records added during the walk move nothing: one walk, exactly the records there at the start', async () => {
    const run = await listWithDrift({ every: 1, ops: ['insert'], times: null });
    try {
      assert.equal(run.error, undefined);
      assert.deepEqual(run.listed, run.start);
      assert.equal(run.end.size, N + PAGES);
      assert.equal(run.pages, PAGES);
    } finally {
      await close(run);
    }
  });

  test('records edited during the walk: every record listed once, each as one of its versions', async () => {
    const run = await listWithDrift({ every: 1, ops: ['edit'], times: null });
    try {
      assert.equal(run.error, undefined);
      assert.deepEqual([...run.listed!.keys()].sort(), [...run.start.keys()].sort());
      let edited = 0;
      for (const [k, text] of run.listed!) {
        assert.ok(text === run.start.get(k) || text === run.end.get(k), k);
        if (run.start.get(k) !== run.end.get(k)) edited++;
      }
      assert.equal(edited, PAGES);
    } finally {
      await close(run);
    }
  });

  test('mixed inserts, deletions and edits: never a record missing that existed before and after', async () => {
    for (const seed of [31, 32, 33, 34]) {
      const run = await listWithDrift({ every: 1, ops: ['delete', 'insert', 'edit'], times: 6 }, seed);
      try {
        if (run.error !== undefined) {
          assert.ok(run.error instanceof ServiceError, `seed ${seed}: ${String(run.error)}`);
          assert.equal(run.yielded, 0);
          continue;
        }
        const { inserted } = await driftChanges(run.sim);
        const listed = run.listed!;
        for (const k of run.start.keys()) if (run.end.has(k)) assert.ok(listed.has(k), `seed ${seed}: ${k} existed throughout but is missing`);
        for (const k of listed.keys()) assert.ok(run.start.has(k) || inserted.has(k), `seed ${seed}: ${k} never existed`);
        for (const [k, text] of listed) assert.ok(text === run.start.get(k) || text === run.end.get(k), `seed ${seed}: ${k} as it never was`);
      } finally {
        await close(run);
      }
    }
  });
});
