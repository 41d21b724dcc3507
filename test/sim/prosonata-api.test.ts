// ProSonata simulator: the envelope, both auth modes and group rights, error envelopes, the HTML 404 of a wrong
// base path, single records, JSONP, and the mixed types real records have.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setSwitches, startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { api, type Rec } from './prosonata-helpers.ts';

let sim: RunningProsonataSim;
before(async () => {
  // A budget large enough that this file never meets it (rate limiting has its own file).
  sim = await startProsonataSim({ seed: 7, plan: 20, switches: { apiLimit: 100_000 } });
});
after(async () => {
  await sim.close();
});

describe('envelope', () => {
  test('a list answers {meta, data} with status, paging, totalCount, the caller and the budget', async () => {
    const a = await api(sim, '/projects', sim.headers.admin);
    assert.equal(a.status, 200);
    assert.match(a.contentType, /^application\/json/);
    assert.deepEqual(Object.keys(JSON.parse(a.text)), ['meta', 'data']);
    assert.deepEqual(Object.keys(a.meta), [
      'status', 'perPage', 'page', 'totalCount', 'requestUserID', 'requestUsername', 'usergroupName', 'apiLimitRemaining', 'apiLimitReset',
    ]);
    assert.equal(a.meta.status, 200);
    assert.equal(a.meta.perPage, 100);
    assert.equal(a.meta.page, 1);
    assert.equal(a.meta.totalCount, sim.state.tables.projects.rows.size);
    assert.equal(a.meta.requestUserID, 1);
    assert.equal(a.meta.requestUsername, 'Admin1');
    assert.equal(a.meta.usergroupName, 'Administrator');
    assert.ok(Array.isArray(a.data));
    assert.equal(typeof (a.data[0] as Rec).projectID, 'number');
  });

  test('a single record answers data as an object, without paging fields', async () => {
    const id = [...sim.state.tables.projecttimes.rows.keys()][3] as number;
    const a = await api<Rec>(sim, `/projecttimes/${id}`);
    assert.equal(a.status, 200);
    assert.ok(!Array.isArray(a.data) && typeof a.data === 'object');
    assert.equal(a.data.timeID, id);
    assert.equal(a.meta.perPage, undefined);
    assert.equal(a.meta.totalCount, undefined);
    assert.equal(typeof a.meta.apiLimitRemaining, 'number');
    // Single GETs carry freeTimeInput, list rows do not (measured on a live account).
    assert.ok('freeTimeInput' in a.data);
    const list = await api(sim, '/projecttimes?perPage=1');
    assert.ok(!('freeTimeInput' in (list.data[0] as Rec)));
  });

  test('an unknown id is 404 "Data not found." in the same envelope with data []', async () => {
    const a = await api(sim, '/projecttimes/999999999', sim.headers.admin);
    assert.equal(a.status, 404);
    assert.deepEqual(a.data, []);
    assert.equal(a.meta.status, 404);
    assert.equal(a.meta.message, 'Data not found.');
    assert.equal(a.meta.requestUserID, 1);
    assert.equal(a.meta.usergroupName, 'Administrator');
    assert.equal(typeof a.meta.apiLimitRemaining, 'number');
    assert.equal(typeof a.meta.apiLimitReset, 'number');
  });

  test('?jsonp wraps the envelope in a callback (default "callback")', async () => {
    const res = await fetch(`${sim.apiUrl}/projecttimecategories?jsonp=meinCallback&perPage=1`, { headers: sim.headers.app });
    assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
    const text = await res.text();
    assert.match(text, /^meinCallback\(\{"meta":\{"status":200,/);
    const plain = await fetch(`${sim.apiUrl}/projecttimecategories?jsonp&perPage=1`, { headers: sim.headers.app });
    assert.match(await plain.text(), /^callback\(/);
  });
});

describe('auth', () => {
  test('App-Integration: X-APP-ID + X-API-Key; meta names the integration, not a user', async () => {
    const a = await api(sim, '/users');
    assert.equal(a.status, 200);
    assert.equal(String(a.meta.requestAppID), sim.credentials.appId);
    assert.equal(a.meta.requestIntegration, sim.credentials.integrationName);
    assert.equal(a.meta.requestUserID, undefined);
    assert.equal(a.meta.usergroupName, undefined);
  });

  test('a wrong key, a wrong App-ID, a personal key under an App-ID, or no key: 401 in the envelope', async () => {
    const cases: Record<string, string>[] = [
      { 'X-API-Key': 'nope' },
      { 'X-APP-ID': sim.credentials.appId, 'X-API-Key': 'nope' },
      { 'X-APP-ID': '99999', 'X-API-Key': sim.credentials.appKey },
      { 'X-APP-ID': sim.credentials.appId, ...sim.headers.admin },
      {},
    ];
    for (const headers of cases) {
      const a = await api(sim, '/projects', headers);
      assert.equal(a.status, 401, JSON.stringify(headers));
      assert.equal(a.meta.status, 401);
      assert.equal(typeof a.meta.message, 'string');
      assert.deepEqual(a.data, []);
      assert.equal(a.meta.requestUserID, undefined);
    }
  });

  test('users is admin-only: a non-admin personal key gets 403, switchable to 401; never an empty 200', async () => {
    const admin = await api(sim, '/users', sim.headers.admin);
    assert.equal(admin.status, 200);
    assert.ok(admin.data.length >= 3);
    const lead = await api(sim, '/users', sim.headers.teamlead);
    assert.equal(lead.status, 403);
    assert.deepEqual(lead.data, []);
    assert.equal(lead.meta.usergroupName, 'Teamleiter');
    const one = await api(sim, '/users/1', sim.headers.timekeeper);
    assert.equal(one.status, 403);
    setSwitches(sim.state, { forbiddenStatus: 401 });
    try {
      assert.equal((await api(sim, '/users', sim.headers.teamlead)).status, 401);
    } finally {
      setSwitches(sim.state, { forbiddenStatus: 403 });
    }
  });

  test('quotations need Teamleiter or higher', async () => {
    assert.equal((await api(sim, '/quotations', sim.headers.teamlead)).status, 200);
    assert.equal((await api(sim, '/quotations', sim.headers.timekeeper)).status, 403);
  });

  test('Zeiterfasser 1 sees only their own projecttimes and their own projects', async () => {
    const mine = await api(sim, '/projecttimes?perPage=1000', sim.headers.timekeeper);
    assert.equal(mine.status, 200);
    const own = [...sim.state.tables.projecttimes.rows.values()].filter((r) => r.userID === 3).length;
    assert.equal(mine.meta.totalCount, own);
    assert.ok(own > 0 && own < sim.state.tables.projecttimes.rows.size);
    assert.ok(mine.data.every((r) => r.userID === 3));
    const other = [...sim.state.tables.projecttimes.rows.values()].find((r) => r.userID !== 3) as Rec;
    assert.equal((await api(sim, `/projecttimes/${other.timeID}`, sim.headers.timekeeper)).status, 404);
    const projects = await api(sim, '/projects?perPage=1000', sim.headers.timekeeper);
    const all = await api(sim, '/projects?perPage=1000', sim.headers.teamlead);
    assert.ok(projects.meta.totalCount! > 0 && projects.meta.totalCount! < all.meta.totalCount!);
    const myself = await api(sim, '/projecttimes?userID=myself&perPage=1000', sim.headers.admin);
    assert.ok(myself.data.length > 0 && myself.data.every((r) => r.userID === 1));
  });

  test('keys as query parameters work (documented), unless switched off', async () => {
    const q = `?appID=${sim.credentials.appId}&apiKey=${sim.credentials.appKey}&perPage=1`;
    assert.equal((await api(sim, `/projects${q}`, {})).status, 200);
    setSwitches(sim.state, { queryAuth: false });
    try {
      assert.equal((await api(sim, `/projects${q}`, {})).status, 401);
    } finally {
      setSwitches(sim.state, { queryAuth: true });
    }
  });
});

describe('paths', () => {
  test('a wrong base path answers an HTML 404 page, not JSON', async () => {
    for (const path of ['/api/v2/projects', '/projects', '/api/v1', '/api/projects', '/api/v1/projects/1/times']) {
      const res = await fetch(sim.url + path, { headers: sim.headers.app });
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      const text = await res.text();
      assert.match(text, /^<!DOCTYPE html>/);
      assert.throws(() => JSON.parse(text));
    }
  });

  test('an unknown resource under /api/v1: JSON 404, or HTML with the switch', async () => {
    const a = await api(sim, '/timers');
    assert.equal(a.status, 404);
    assert.equal(a.meta.status, 404);
    setSwitches(sim.state, { unknownResource: 'html' });
    try {
      const b = await api(sim, '/timers');
      assert.equal(b.status, 404);
      assert.match(b.contentType, /^text\/html/);
    } finally {
      setSwitches(sim.state, { unknownResource: 'json' });
    }
  });

  test('invoices: GET /invoices/{id} exists; the list only with the invoicesList switch', async () => {
    const id = [...sim.state.tables.invoices.rows.keys()][0] as number;
    const one = await api<Rec>(sim, `/invoices/${id}`);
    assert.equal(one.status, 200);
    assert.ok(Array.isArray(one.data.positions));
    assert.equal((await api(sim, '/invoices')).status, 404);
    setSwitches(sim.state, { invoicesList: true });
    try {
      const list = await api(sim, '/invoices');
      assert.equal(list.status, 200);
      assert.equal(list.meta.totalCount, sim.state.tables.invoices.rows.size);
    } finally {
      setSwitches(sim.state, { invoicesList: false });
    }
  });

  test('crmevents are also served at the documented /crmevent/{id}', async () => {
    const id = [...sim.state.tables.crmevents.rows.keys()][0] as number;
    const a = await api<Rec>(sim, `/crmevent/${id}`);
    const b = await api<Rec>(sim, `/crmevents/${id}`);
    assert.equal(a.status, 200);
    assert.deepEqual(a.data, b.data);
  });

  test('a method the resource lacks answers 405 in the envelope', async () => {
    const a = await api(sim, '/projecttimecategories', sim.headers.app, { method: 'POST', body: { categoryName: 'x' } });
    assert.equal(a.status, 405);
    assert.equal(a.meta.status, 405);
  });
});

describe('records', () => {
  test('every resource lists with its primary key, and the ids are the stored ones', async () => {
    const pks: Record<string, string> = {
      addresses: 'addressID', contacts: 'contactID', customers: 'customerID', externalcosts: 'documentID', projects: 'projectID',
      projecttasks: 'taskID', projecttimecategories: 'category', projecttimes: 'timeID', users: 'userID', workingtimes: 'workingTimeID',
      crmevents: 'eventID', quotations: 'quotationID', servicetemplates: 'templateID',
    };
    for (const [resource, pk] of Object.entries(pks)) {
      const a = await api(sim, `/${resource}?perPage=1000`);
      assert.equal(a.status, 200, resource);
      const ids = a.data.map((r) => r[pk]);
      assert.equal(ids.length, sim.state.tables[resource as 'projects'].rows.size, resource);
      assert.ok(ids.every((id) => typeof id === 'number'), resource);
    }
  });

  test('types are mixed as on the real API: decimal strings, numeric-looking strings as numbers, leading zeros kept', async () => {
    const times = await api(sim, '/projecttimes?perPage=50');
    for (const t of times.data) {
      assert.equal(typeof t.timeID, 'number');
      assert.match(t.workingTime as string, /^\d+\.\d\d$/);
      assert.equal(typeof t.isInvoiced, 'number');
    }
    const inv = await api<Rec>(sim, `/invoices/${[...sim.state.tables.invoices.rows.keys()][0]}`);
    assert.match(inv.data.netValue as string, /^\d+\.\d\d$/);
    assert.equal(inv.data.tax, '19.0');
    const addresses = await api(sim, '/addresses?perPage=1000');
    const postal = addresses.data.map((a) => a.postalCode);
    assert.ok(postal.some((p) => typeof p === 'number'), 'some postal codes are numbers');
    assert.ok(postal.some((p) => typeof p === 'string' && p.startsWith('0')), 'leading-zero postal codes stay strings');
    const projects = await api(sim, '/projects?perPage=1000');
    assert.ok(projects.data.every((p) => typeof p.timeNeeded === 'number' && Array.isArray(p.usersAssigned)));
    // customerID 0 ("Intern") is a real id, not a missing one.
    const customers = await api(sim, '/customers?perPage=1000');
    assert.equal(customers.data[0]?.customerID, 0);
    assert.equal(customers.data[0]?.customerName, 'Intern');
  });

  test('nested arrays appear in list rows, or only in single GETs with listNestedArrays off', async () => {
    const withNested = await api(sim, '/externalcosts?perPage=1000');
    assert.ok(withNested.data.every((r) => Array.isArray(r.additionalPositions)));
    assert.ok(withNested.data.some((r) => (r.additionalPositions as unknown[]).length > 0));
    setSwitches(sim.state, { listNestedArrays: false });
    try {
      const flat = await api(sim, '/externalcosts?perPage=1000');
      assert.ok(flat.data.every((r) => !('additionalPositions' in r)));
      const one = await api<Rec>(sim, `/externalcosts/${flat.data[0]?.documentID}`);
      assert.ok(Array.isArray(one.data.additionalPositions));
    } finally {
      setSwitches(sim.state, { listNestedArrays: true });
    }
  });

  test('irregularTypes serves some primary keys as strings', async () => {
    setSwitches(sim.state, { irregularTypes: true });
    try {
      const a = await api(sim, '/projecttimes?perPage=100');
      const strings = a.data.filter((r) => typeof r.timeID === 'string');
      assert.ok(strings.length > 0);
      assert.ok(strings.every((r) => Number(r.timeID) % 7 === 3));
    } finally {
      setSwitches(sim.state, { irregularTypes: false });
    }
  });

  test('joined fields follow the record they come from', async () => {
    const t = [...sim.state.tables.projecttimes.rows.values()][0] as Rec;
    const project = sim.state.tables.projects.rows.get(t.projectID as number) as Rec;
    const customer = sim.state.tables.customers.rows.get(project.customerID as number) as Rec;
    const a = await api<Rec>(sim, `/projecttimes/${t.timeID}`);
    assert.equal(a.data.projectName, project.projectName);
    assert.equal(a.data.customerID, project.customerID);
    assert.equal(a.data.customerName, customer.customerName);
  });
});
