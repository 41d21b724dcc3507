// ProSonata simulator: the control API (add, edit, delete records; switches; changes; faults; reset), edits between
// pages (the drift switch), the API's own writes with their measured quirks, and the CLI.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setSwitches, startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { api, control, walk, type Rec } from './prosonata-helpers.ts';
import { untilSimReady } from '../helpers/sim-cli.ts';

let sim: RunningProsonataSim;
before(async () => {
  sim = await startProsonataSim({ seed: 5, counts: { projecttimes: 600 }, switches: { apiLimit: 100_000 } });
});
after(async () => {
  await sim.close();
});

const firstId = (resource: 'projecttimes' | 'projects' | 'customers'): number => Math.min(...sim.state.tables[resource].rows.keys());

describe('control API: records', () => {
  test('PATCH edits a record; lists, single GETs and joined fields of other resources follow', async () => {
    const projectID = firstId('projects');
    const r = await control<{ ok: boolean; record: Rec }>(sim, 'PATCH', `/__sim/records/projects/${projectID}`, { projectName: 'Umbenannt – "neu"' });
    assert.equal(r.status, 200);
    assert.equal(r.json.record.projectName, 'Umbenannt – "neu"');
    const one = await api<Rec>(sim, `/projects/${projectID}`);
    assert.equal(one.data.projectName, 'Umbenannt – "neu"');
    const times = await api(sim, `/projecttimes?projectID=${projectID}&perPage=1000`);
    assert.ok(times.data.length > 0);
    assert.ok(times.data.every((t) => t.projectName === 'Umbenannt – "neu"'));
  });

  test('POST adds a record with the next id (or a chosen one); DELETE removes it', async () => {
    const before = (await api(sim, '/customers?perPage=1')).meta.totalCount!;
    const added = await control<{ id: number; record: Rec }>(sim, 'POST', '/__sim/records/customers', { customerName: 'Neukunde GmbH' });
    assert.equal(added.status, 200);
    assert.equal(added.json.id, sim.state.tables.customers.nextId - 1);
    assert.equal(added.json.record.customerName, 'Neukunde GmbH');
    assert.equal(added.json.record.hourlyRateDiscount, 0);
    const list = await api(sim, '/customers?perPage=1000');
    assert.equal(list.meta.totalCount, before + 1);
    assert.equal(list.data.at(-1)?.customerName, 'Neukunde GmbH');
    const chosen = await control<{ id: number }>(sim, 'POST', '/__sim/records/customers', { id: 5, customerName: 'Fünf' });
    assert.equal(chosen.json.id, 5);
    assert.equal((await control(sim, 'POST', '/__sim/records/customers', { id: 5, customerName: 'again' })).status, 409);
    assert.equal((await control(sim, 'DELETE', `/__sim/records/customers/${added.json.id}`)).status, 200);
    assert.equal((await control(sim, 'DELETE', '/__sim/records/customers/5')).status, 200);
    assert.equal((await api(sim, `/customers/${added.json.id}`)).status, 404);
    assert.equal((await api(sim, '/customers?perPage=1')).meta.totalCount, before);
    assert.equal((await control(sim, 'DELETE', '/__sim/records/customers/5')).status, 404);
    assert.equal((await control(sim, 'GET', '/__sim/records/nothing')).status, 404);
  });

  test('GET /__sim/records/{resource} is every record as a list serves it; /{id} has stored, list and single forms', async () => {
    const all = await control<Rec[]>(sim, 'GET', '/__sim/records/projecttimes');
    const walked = await walk(sim, 'projecttimes', 1000, '&orderBy=timeID ASC');
    assert.deepEqual(all.json, walked.rows);
    const one = await control<{ stored: Rec; list: Rec; single: Rec }>(sim, 'GET', `/__sim/records/projecttimes/${firstId('projecttimes')}`);
    assert.ok('freeTimeInput' in one.json.single && !('freeTimeInput' in one.json.list));
    assert.ok(!('projectName' in one.json.stored));
  });

  test('GET /__sim/changes logs every change with its source', async () => {
    const { json } = await control<{ source: string; op: string; resource: string }[]>(sim, 'GET', '/__sim/changes');
    assert.ok(json.some((c) => c.source === 'control' && c.op === 'update' && c.resource === 'projects'));
    assert.ok(json.some((c) => c.source === 'control' && c.op === 'delete' && c.resource === 'customers'));
  });

  test('switches are checked: unknown names and bad values answer 400', async () => {
    assert.equal((await control(sim, 'POST', '/__sim/switches', { nope: 1 })).status, 400);
    assert.equal((await control(sim, 'POST', '/__sim/switches', { emptyList: 'maybe' })).status, 400);
    assert.equal((await control(sim, 'POST', '/__sim/switches', { drift: { ops: ['explode'] } })).status, 400);
    const ok = await control<{ emptyList: string }>(sim, 'POST', '/__sim/switches', { emptyList: 'notFound' });
    assert.equal(ok.json.emptyList, 'notFound');
    await control(sim, 'POST', '/__sim/switches', { emptyList: 'empty' });
  });
});

describe('edits between pages (drift)', () => {
  test('a delete among rows already served makes offset paging skip a row, and totalCount changes', async () => {
    await control(sim, 'POST', '/__sim/switches', { drift: { ops: ['delete'], resources: ['projecttimes'], times: 1 } });
    try {
      const expected = new Set((await control<Rec[]>(sim, 'GET', '/__sim/records/projecttimes')).json.map((r) => r.timeID as number));
      const { rows, totals } = await walk(sim, 'projecttimes', 100, '&orderBy=timeID ASC');
      const after = new Set((await control<Rec[]>(sim, 'GET', '/__sim/records/projecttimes')).json.map((r) => r.timeID as number));
      assert.equal(after.size, expected.size - 1);
      const got = new Set(rows.map((r) => r.timeID as number));
      const missed = [...after].filter((id) => !got.has(id));
      assert.equal(missed.length, 1, 'one surviving row was never served');
      assert.notEqual(totals[0], totals.at(-1));
    } finally {
      setSwitches(sim.state, { drift: null });
    }
  });

  test('an insert during the walk adds a record and raises totalCount; an edit changes a served row', async () => {
    await control(sim, 'POST', '/__sim/switches', { drift: { ops: ['insert', 'edit'], every: 2, resources: ['projecttimes'], times: 2 } });
    try {
      const { rows, totals } = await walk(sim, 'projecttimes', 100, '&orderBy=timeID ASC');
      assert.equal(totals[0]! + 1, totals.at(-1));
      const now = (await control<Rec[]>(sim, 'GET', '/__sim/records/projecttimes')).json;
      const changed = rows.filter((r) => {
        const cur = now.find((n) => n.timeID === r.timeID);
        return cur && JSON.stringify(cur) !== JSON.stringify(r);
      });
      assert.equal(changed.length, 1);
      const { json } = await control<{ source: string; op: string }[]>(sim, 'GET', '/__sim/changes');
      assert.deepEqual(json.filter((c) => c.source === 'drift').map((c) => c.op), ['delete', 'insert', 'update']);
    } finally {
      setSwitches(sim.state, { drift: null });
    }
  });

  test('a client that checks totalCount on the last page against the first and re-walks ends complete', async () => {
    await control(sim, 'POST', '/__sim/switches', { drift: { ops: ['delete', 'insert'], resources: ['projecttimes'], times: 3 } });
    try {
      let result = await walk(sim, 'projecttimes', 100, '&orderBy=timeID ASC');
      let walks = 1;
      while (result.totals[0] !== result.totals.at(-1)) {
        result = await walk(sim, 'projecttimes', 100, '&orderBy=timeID ASC');
        walks++;
      }
      assert.ok(walks >= 2);
      const truth = (await control<Rec[]>(sim, 'GET', '/__sim/records/projecttimes')).json;
      assert.deepEqual(result.rows, truth);
    } finally {
      setSwitches(sim.state, { drift: null });
    }
  });
});

describe('API writes', () => {
  test('POST projecttimes: 201, insertID and timeID as strings, workingTime a number, no joined fields, detail echoed but stored cut', async () => {
    const category = Math.min(...sim.state.tables.projecttimecategories.rows.keys());
    const projectID = firstId('projects');
    const long = 'x'.repeat(900);
    const a = await api<Rec>(sim, '/projecttimes', sim.headers.timekeeper, {
      method: 'POST',
      body: { category, projectID, workingTime: 1.25, date: '01.06.2026', detail: long },
    });
    assert.equal(a.status, 201);
    assert.equal(typeof a.meta.insertID, 'string');
    assert.equal(a.data.timeID, a.meta.insertID);
    assert.equal(a.data.workingTime, 1.25);
    assert.equal(a.data.detail, long);
    assert.equal(a.data.timeViaApi, 1);
    assert.equal(a.data.userID, 3);
    assert.equal(a.data.date, '2026-06-01');
    assert.ok(!('projectName' in a.data) && !('username' in a.data) && 'freeTimeInput' in a.data);
    const id = Number(a.data.timeID);
    const read = await api<Rec>(sim, `/projecttimes/${id}`, sim.headers.timekeeper);
    assert.equal(read.data.workingTime, '1.25');
    assert.equal((read.data.detail as string).length, 800);
    assert.equal(read.data.timeID, id);

    const put = await api<Rec>(sim, `/projecttimes/${id}`, sim.headers.timekeeper, { method: 'PUT', body: { workingTime: '3.5' } });
    assert.equal(put.status, 200);
    assert.equal(put.data.timeID, id);
    assert.equal(put.data.workingTime, 3.5);
    assert.equal(put.data.category, category);
    const del = await api(sim, `/projecttimes/${id}`, sim.headers.timekeeper, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal((await api(sim, `/projecttimes/${id}`)).status, 404);
  });

  test('POST checks required fields (400), references (409) and who may book for whom (403)', async () => {
    const category = Math.min(...sim.state.tables.projecttimecategories.rows.keys());
    const projectID = firstId('projects');
    assert.equal((await api(sim, '/projecttimes', sim.headers.admin, { method: 'POST', body: { category } })).status, 400);
    assert.equal((await api(sim, '/projecttimes', sim.headers.admin, { method: 'POST', body: { category, projectID: 999999 } })).status, 409);
    const forOther = { category, projectID, userID: 1 };
    assert.equal((await api(sim, '/projecttimes', sim.headers.teamlead, { method: 'POST', body: forOther })).status, 403);
    assert.equal((await api(sim, '/projecttimes', sim.headers.admin, { method: 'POST', body: forOther })).status, 201);
    assert.equal((await api(sim, '/projects', sim.headers.timekeeper, { method: 'POST', body: { projectName: 'x', customerID: 0, contactID: 1 } })).status, 403);
  });
});

describe('faults and reset', () => {
  test('injected 5xx (JSON or HTML) and a reset mid-body use no budget and stop after their count', async () => {
    await control(sim, 'POST', '/__sim/faults', {
      rules: [
        { path: '^/api/v1/projects$', kind: '503', count: 1 },
        { path: '^/api/v1/projects$', kind: 'html-500', count: 1 },
        { path: '^/api/v1/projects$', kind: 'reset', count: 1 },
      ],
    });
    const before = (await api(sim, '/customers?perPage=1')).meta.apiLimitRemaining!;
    const a = await api(sim, '/projects');
    assert.equal(a.status, 503);
    assert.equal(a.meta.status, 503);
    const b = await api(sim, '/projects');
    assert.equal(b.status, 500);
    assert.match(b.contentType, /^text\/html/);
    await assert.rejects(api(sim, '/projects?perPage=1000'));
    const c = await api(sim, '/projects');
    assert.equal(c.status, 200);
    // The reset one was answered (and counted) before its body broke off; the two status faults were not.
    assert.equal(c.meta.apiLimitRemaining, before - 2);
    const { json } = await control<{ fired: number[] }>(sim, 'GET', '/__sim/faults');
    assert.deepEqual(json.fired, [1, 1, 1]);
    await control(sim, 'DELETE', '/__sim/faults');
  });

  test('POST /__sim/reset regenerates the records from the seed', async () => {
    const fresh = await startProsonataSim({ seed: 5, counts: { projecttimes: 600 } });
    try {
      await control(sim, 'POST', '/__sim/reset');
      const a = (await control<Rec[]>(sim, 'GET', '/__sim/records/projects')).json;
      const b = (await control<Rec[]>(fresh, 'GET', '/__sim/records/projects')).json;
      assert.deepEqual(a, b);
      assert.deepEqual((await control<unknown[]>(sim, 'GET', '/__sim/changes')).json, []);
    } finally {
      await fresh.close();
    }
  });
});

test('CLI: prints the URL and keys, serves the API, exits on SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../../src/sim/prosonata/cli.ts', import.meta.url));
  const code = `import { runSimCommand } from ${JSON.stringify(cli)}; await runSimCommand(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, '--', '--seed', '9', '--plan', '3', '--count', 'projecttimes=77'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url, out } = await untilSimReady(child);
  assert.match(out, /projecttimes 77/);
  assert.match(out, /100 calls per 900 s window/);
  const appId = /app id: +(\S+)/.exec(out)?.[1] as string;
  const appKey = /api key: +(\S+)/.exec(out)?.[1] as string;
  const res = await fetch(`${url}/api/v1/projecttimes?perPage=1`, { headers: { 'X-APP-ID': appId, 'X-API-Key': appKey } });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { meta: { totalCount: number } }).meta.totalCount, 77);
  child.kill('SIGTERM');
  const [exitCode] = await once(child, 'exit');
  assert.equal(exitCode, 0);
});
