// The damas simulator's control routes: nodes added, edited, replaced and deleted between runs; switches checked;
// faults (5xx, resets mid-body) and latency; the request log and stats; reset back to the seed's account.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { call, control, signIn } from './damas-helpers.ts';

type Json = Record<string, unknown>;
let sim: RunningDamasSim;
let token: string;
before(async () => {
  sim = await startDamasSim({ seed: 21, counts: { assets: 10 } });
  token = await signIn(sim, 'backup');
});
after(() => sim.close());

test('nodes: add exactly as given, read, edit (null unsets), replace, delete; ids with slashes go in ?id=', async () => {
  const id = '/Ctl/a;b?c#d';
  await control(sim, 'POST', '/__sim/nodes', { _id: id, k: 1, drop: true });
  const q = `?id=${encodeURIComponent(id)}`;
  assert.deepEqual(await control(sim, 'GET', `/__sim/node${q}`), { _id: id, k: 1, drop: true });
  assert.deepEqual(await control(sim, 'PATCH', `/__sim/node${q}`, { k: 2, drop: null }), { _id: id, k: 2 });
  assert.deepEqual(await control(sim, 'PUT', `/__sim/node${q}`, { only: 'this' }), { _id: id, only: 'this' });
  const served = await call(sim, 'POST', '/api/read/', { token, body: [id] });
  assert.deepEqual(served.json, [{ _id: id, only: 'this' }]);
  await control(sim, 'DELETE', `/__sim/node${q}`);
  assert.equal((await call(sim, 'POST', '/api/read/', { token, body: [id] })).status, 404);
  await assert.rejects(control(sim, 'POST', '/__sim/nodes', { _id: '/Alpha' }), /409/);
  const all = (await control(sim, 'GET', '/__sim/nodes')) as Json[];
  assert.equal(all.length, sim.state.nodes.size);
  const changes = (await control(sim, 'GET', '/__sim/changes')) as Json[];
  assert.deepEqual(changes.filter((c) => c.id === id).map((c) => c.op), ['create', 'update', 'update', 'delete']);
});

test('switches are checked; unknown ones and bad values are refused', async () => {
  await assert.rejects(control(sim, 'POST', '/__sim/switches', { nope: true }), /unknown switch/);
  await assert.rejects(control(sim, 'POST', '/__sim/switches', { authorMode: 'yes' }), /boolean/);
  await assert.rejects(control(sim, 'POST', '/__sim/switches', { defaultExpiresIn: 'later' }), /duration/);
  const s = (await control(sim, 'POST', '/__sim/switches', { defaultExpiresIn: '2h' })) as Json;
  assert.equal(s.defaultExpiresIn, '2h');
});

test('faults: a 5xx a given number of times, a reset mid-body; latency; all counted in the request log and stats', async () => {
  await control(sim, 'DELETE', '/__sim/requests');
  await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/api/read', kind: '503', count: 2 }, { path: '^/api/search_mongo', kind: 'reset', count: 1 }] });
  assert.equal((await call(sim, 'POST', '/api/read/', { token, body: ['/Alpha'] })).status, 503);
  assert.equal((await call(sim, 'POST', '/api/read/', { token, body: ['/Alpha'] })).status, 503);
  assert.equal((await call(sim, 'POST', '/api/read/', { token, body: ['/Alpha'] })).status, 200);
  await assert.rejects(call(sim, 'POST', '/api/search_mongo/', { token, body: { query: {}, limit: 0 } }));
  assert.equal((await call(sim, 'POST', '/api/search_mongo/', { token, body: { query: {} } })).status, 200);
  await control(sim, 'DELETE', '/__sim/faults');
  await control(sim, 'POST', '/__sim/switches', { latencyMs: 120 });
  const t0 = performance.now();
  await call(sim, 'POST', '/api/read/', { token, body: ['/Alpha'] });
  assert.ok(performance.now() - t0 >= 100, 'latency applied');
  await control(sim, 'POST', '/__sim/switches', { latencyMs: 0 });
  const stats = (await control(sim, 'GET', '/__sim/stats')) as { requests: number; byStatus: Record<string, number>; byRoute: Record<string, number> };
  assert.equal(stats.requests, 6);
  assert.equal(stats.byStatus['503'], 2);
  assert.equal(stats.byRoute['POST /api/read'], 4);
  const log = (await control(sim, 'GET', '/__sim/requests')) as Json[];
  assert.ok(log.every((e) => e.user === 'backup' || e.status === 503 || e.status === 200));
});

test('reset regenerates the seed’s account and forgets changes and faults', async () => {
  const before = JSON.stringify((await control(sim, 'GET', '/__sim/nodes')) as Json[]);
  await control(sim, 'DELETE', `/__sim/node?id=${encodeURIComponent('/Alpha')}`);
  await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '.', kind: '500' }] });
  await control(sim, 'POST', '/__sim/reset');
  const afterReset = (await control(sim, 'GET', '/__sim/nodes')) as Json[];
  // lastlogin of the backup user is the one difference: signIn wrote it before.
  const strip = (v: string) => v.replace(/,"lastlogin":\d+/g, '');
  assert.equal(strip(JSON.stringify(afterReset)), strip(before));
  assert.deepEqual(((await control(sim, 'GET', '/__sim/faults')) as Json).rules, []);
});
