// The ProSonata connector: the shared conformance suite against the simulator, the mapping of records to documents
// (ids, names, versions, canonical JSON exactly as served), open() from the listing, and the settings parser.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ProsonataConnector, DEFAULT_RESOURCES, PRIMARY_KEYS } from '../../src/connectors/prosonata/index.ts';
import { canonicalJson, parseLossless, versionOf } from '../../src/connectors/prosonata/canonical.ts';
import { parseProsonataSettings } from '../../src/connectors/prosonata/settings.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { startProsonataSim, type RunningProsonataSim } from '../../src/sim/prosonata/index.ts';
import { connectorConformance } from './conformance.ts';
import { canonical, connectorFor, contents, control, expected, listAll, rawSettings, sha256 } from './prosonata-helpers.ts';

describe('prosonata conformance', () => {
  // Record names are made from primary keys ("4711.json"): ProSonata has no user-given names to pass through, so the
  // suite's hostile-names test cannot hold for this source. It still runs, reported as TODO with this reason.
  beforeEach((t) => {
    if ('todo' in t && t.name.startsWith('names arrive as the service has them')) t.todo('does not apply: ProSonata record names are generated from primary keys');
  });
  connectorConformance('prosonata (App-Integration)', async () => {
    const sim = await startProsonataSim({ seed: 5 });
    const connector = connectorFor(sim, 'app');
    const badCredentials = connectorFor(sim, 'app', { 'api-key': 'not-the-key' });
    return {
      connector,
      badCredentials,
      async contentSha256(item) {
        const pk = item.name.replace(/\.json$/, '');
        const r = (await control(sim, 'GET', `/__sim/records/${item.containerId}/${pk}`)) as { list: unknown };
        const text = canonical(r.list);
        return { sha256: sha256(text), size: Buffer.byteLength(text) };
      },
      breakListing: async () => void (await control(sim, 'POST', '/__sim/faults', { rules: [{ path: '^/api/v1/', kind: '500' }] })),
      heal: async () => void (await control(sim, 'DELETE', '/__sim/faults')),
      async close() {
        await Promise.all([connector.close(), badCredentials.close()]);
        await sim.close();
      },
    };
  });
});

describe('records as documents', () => {
  let sim: RunningProsonataSim;
  let connector: ProsonataConnector;
  before(async () => {
    // irregularTypes: some rows serve their key and a number as strings, as POST answers do.
    sim = await startProsonataSim({ seed: 9, counts: { projecttimes: 2600 }, switches: { irregularTypes: true } });
    connector = connectorFor(sim, 'app');
  });
  after(async () => {
    await connector.close();
    await sim.close();
  });

  test('containers are the configured resources, in order; the defaults cover the account', async () => {
    const cs = await connector.listContainers();
    assert.deepEqual(
      cs.map((c) => c.id),
      [...DEFAULT_RESOURCES],
    );
    assert.ok(cs.every((c) => c.name === c.id && c.archived === false));
    assert.equal(connector.listsWholeAccount, true);
    const subset = connectorFor(sim, 'app', { resources: 'projecttimes, users' });
    assert.equal(subset.listsWholeAccount, false);
    assert.deepEqual((await subset.listContainers()).map((c) => c.id), ['projecttimes', 'users']);
    await subset.close();
  });

  test('every resource lists exactly the simulator’s records, each as canonical JSON of what the API served', async () => {
    for (const resource of DEFAULT_RESOURCES) {
      const items = await listAll(connector, resource);
      const want = await expected(sim, resource, PRIMARY_KEYS[resource]!);
      assert.equal(items.length, want.size, `${resource}: count`);
      const got = await contents(connector, items);
      for (const [id, text] of want) assert.equal(got.get(id), text, `${resource} ${id}`);
      for (const item of items) {
        const pk = item.id.slice(resource.length + 1);
        assert.match(pk, /^\d+$/);
        assert.equal(item.kind, 'document');
        assert.equal(item.name, `${pk}.json`);
        assert.equal(item.parentId, null);
        assert.equal(item.containerId, resource);
        const bytes = Buffer.from(got.get(item.id)!);
        assert.equal(item.size, bytes.length);
        assert.equal(item.version, sha256(got.get(item.id)!).slice(0, 16));
        assert.equal(item.modifiedAt, undefined);
        assert.equal(item.modifier, undefined);
      }
    }
  });

  test('mixed types stay as served: a key served as "17" and a number served as a string are not coerced', async () => {
    const items = await listAll(connector, 'projecttimes');
    const got = await contents(connector, items);
    const irregular = items.find((i) => Number(i.name.replace('.json', '')) % 7 === 3)!;
    const pk = irregular.name.replace('.json', '');
    const text = got.get(irregular.id)!;
    assert.match(text, new RegExp(`"timeID": "${pk}"`));
    assert.match(text, /"category": "\d+"/);
    // Decimal hours are strings on GET ("1.25"), and stay strings.
    assert.match(text, /"workingTime": "\d+\.\d\d"/);
    const regular = items.find((i) => Number(i.name.replace('.json', '')) % 7 === 1)!;
    assert.match(got.get(regular.id)!, /"timeID": \d+,/);
    assert.match(got.get(regular.id)!, /"category": \d+,/);
    // The id is the key as a number either way, so a record whose key type flips keeps its id (and file).
    assert.equal(irregular.id, `projecttimes-${Number(pk)}`);
  });

  test('open() serves the listing; it makes no request', async () => {
    const items = await listAll(connector, 'customers');
    const before = sim.stats().requests;
    await contents(connector, items);
    assert.equal(sim.stats().requests, before);
    await assert.rejects(connector.open({ ...items[0]!, id: 'customers-999999', name: '999999.json' }), /not in this run's listing/);
  });

  test('an edited record gets a new version; the others keep theirs', async () => {
    const first = await listAll(connector, 'projecttasks');
    const target = first[3]!;
    await control(sim, 'PATCH', `/__sim/records/projecttasks/${target.name.replace('.json', '')}`, { taskName: 'Umbenannt' });
    const second = await listAll(connector, 'projecttasks');
    const byId = new Map(second.map((i) => [i.id, i]));
    assert.equal(second.length, first.length);
    for (const i of first) {
      if (i.id === target.id) assert.notEqual(byId.get(i.id)!.version, i.version);
      else assert.equal(byId.get(i.id)!.version, i.version, i.id);
    }
    // An item from the earlier listing no longer matches what open() would serve.
    await assert.rejects(connector.open(target), /listed again/);
  });
});

describe('canonical JSON', () => {
  test('keys sorted at every depth, 2-space indent, trailing newline, numbers as written', () => {
    const parsed = parseLossless('{"b":1.50,"a":{"z":[1e2,"x",{"y":true,"x":null}],"c":12345678901234567890},"10":[],"2":{}}');
    assert.equal(
      canonicalJson(parsed),
      [
        '{',
        '  "10": [],',
        '  "2": {},',
        '  "a": {',
        '    "c": 12345678901234567890,',
        '    "z": [',
        '      1e2,',
        '      "x",',
        '      {',
        '        "x": null,',
        '        "y": true',
        '      }',
        '    ]',
        '  },',
        '  "b": 1.50',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('a change of type is a change of version; the same values in another order are not', () => {
    const v = (s: string) => versionOf(Buffer.from(canonicalJson(parseLossless(s))));
    assert.equal(v('{"a":"1.25","b":2}'), v('{"b":2,"a":"1.25"}'));
    assert.notEqual(v('{"a":"1.25"}'), v('{"a":1.25}'));
    assert.notEqual(v('{"a":1.25}'), v('{"a":1.250}'));
    assert.match(v('{}'), /^[0-9a-f]{16}$/);
  });
});

describe('settings', () => {
  const base = { url: 'https://acme.prosonata.software', 'api-key': 'k-123456789' };

  test('defaults, aliases and spellings', () => {
    const s = parseProsonataSettings({ workspaceUrl: 'https://acme.prosonata.software/', app_id: '4711', apiKey: ' k-123456789 ' });
    assert.deepEqual(s, {
      url: 'https://acme.prosonata.software',
      appId: '4711',
      apiKey: 'k-123456789',
      resources: DEFAULT_RESOURCES.map((name) => ({ name, pk: PRIMARY_KEYS[name] })),
      reserve: 5,
    });
    const t = parseProsonataSettings({ ...base, resources: ['invoices', 'projecttimes', 'things:thingID', { name: 'other', pk: 'otherID' }], 'rate-limit-reserve': '0' });
    assert.deepEqual(t.resources, [
      { name: 'invoices', pk: 'invoiceID' },
      { name: 'projecttimes', pk: 'timeID' },
      { name: 'things', pk: 'thingID' },
      { name: 'other', pk: 'otherID' },
    ]);
    assert.equal(t.reserve, 0);
    assert.equal(t.appId, undefined);
    // The simulator's base, with or without /api/v1.
    assert.equal(parseProsonataSettings({ ...base, url: 'http://127.0.0.1:8080/api/v1' }).url, 'http://127.0.0.1:8080/api/v1');
  });

  test('clear ConfigErrors that never contain the key', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: base.url }, /api-key is missing/],
      [{ 'api-key': 'k-123456789' }, /url is missing/],
      [{ ...base, url: 'acme.prosonata.software' }, /expected a URL/],
      [{ ...base, url: 'http://acme.prosonata.software' }, /plain http would send the API key unencrypted/],
      [{ ...base, url: 'https://acme.prosonata.software/?apiKey=x' }, /no query/],
      [{ ...base, url: 'ftp://acme.prosonata.software' }, /expected an https URL/],
      [{ ...base, colour: 'blue' }, /unknown configuration key "prosonata.colour"/],
      [{ ...base, resources: 'projecttimes, widgets' }, /"widgets", whose primary key is not known.*widgets:<primary key field>/],
      [{ ...base, resources: 'projecttimes projecttimes' }, /names projecttimes twice/],
      [{ ...base, resources: ['Project Times'] }, /expected resource names/],
      [{ ...base, resources: [] }, /is empty/],
      [{ ...base, 'rate-limit-reserve': -1 }, /rate-limit-reserve is -1/],
      [{ ...base, 'app-id': 'a b' }, /app-id/],
      [{ ...base, 'api-key': 'k-123 456789' }, /white space/],
      [{ ...base, apiKey: 'k-123456789' }, /given twice/],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => parseProsonataSettings(raw), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !/k-123/.test(e.message), JSON.stringify(raw));
    }
    assert.throws(() => parseProsonataSettings('x'), ConfigError);
  });

  test('a settings object from rawSettings builds a working connector', async () => {
    const sim = await startProsonataSim({ seed: 2 });
    try {
      const c = new ProsonataConnector(parseProsonataSettings(rawSettings(sim, 'app', { url: sim.apiUrl })));
      assert.equal((await listAll(c, 'users')).length, sim.state.tables.users.rows.size);
      await c.close();
    } finally {
      await sim.close();
    }
  });
});
