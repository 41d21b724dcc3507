// Projectplace simulator: OAuth1 verification (signed by oauth-1.0a, an independent client) and OAuth2 client credentials.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { advanceClock, setSwitches, startProjectplaceSim, type RunningSim } from '../../src/sim/projectplace/index.ts';
import { getBearerToken, oauth1Header, rawGet, signedFetch } from './pp-helpers.ts';

let sim: RunningSim;
before(async () => {
  sim = await startProjectplaceSim({ documents: 20 });
});
after(async () => {
  await sim.close();
});

describe('OAuth1', () => {
  it('accepts a GET signed by oauth-1.0a, with query parameters in the signature', async () => {
    const res = await signedFetch(sim, '/1/account/projects?include_archived=1');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { projects: unknown[] };
    assert.ok(body.projects.length >= 3);
  });

  it('accepts a JSON POST (body not signed) and a form POST (form parameters signed)', async () => {
    const res = await signedFetch(sim, '/2/account/projects', { method: 'POST', body: JSON.stringify({ limit: 2 }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 2);
    const form = await signedFetch(sim, '/1/account/projects', { method: 'POST', form: { name: 'Neu ü a/b & c=d', owner_id: '1' } });
    assert.equal(form.status, 200);
    const created = (await form.json()) as { id: number; name: string };
    assert.equal(created.name, 'Neu ü a/b & c=d');
    assert.equal(sim.state.workspaces.get(created.id)?.name, 'Neu ü a/b & c=d');
  });

  it('verifies form body parameters (tampered form value → 401)', async () => {
    const url = sim.url + '/1/account/projects';
    const headers = (): Record<string, string> => ({
      authorization: oauth1Header(url, 'POST', sim.credentials, { form: { name: 'one' } }),
      'content-type': 'application/x-www-form-urlencoded',
    });
    const bad = await fetch(url, { method: 'POST', headers: headers(), body: 'name=two' });
    assert.equal(bad.status, 401);
    assert.equal(await bad.text(), 'Unauthorized: invalid signature\n');
    const ok = await fetch(url, { method: 'POST', headers: headers(), body: 'name=one' });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  });

  it('rejects a bad signature with 401, text body and WWW-Authenticate: OAuth', async () => {
    const res = await signedFetch(sim, '/1/account', { credentials: { consumerSecret: 'wrong' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^OAuth realm="/);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'Unauthorized: invalid signature\n');
  });

  it('rejects a reused nonce (same nonce, timestamp, client, token) with 401', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const first = await signedFetch(sim, '/1/account', { nonce: 'fixednonce123', timestamp: ts });
    assert.equal(first.status, 200);
    const again = await signedFetch(sim, '/1/account', { nonce: 'fixednonce123', timestamp: ts });
    assert.equal(again.status, 401);
    assert.match(again.headers.get('www-authenticate') ?? '', /^OAuth /);
    assert.match(await again.text(), /nonce already used/);
    const otherTs = await signedFetch(sim, '/1/account', { nonce: 'fixednonce123', timestamp: ts - 1 });
    assert.equal(otherTs.status, 200, 'same nonce with another timestamp is a different combination');
  });

  it('rejects a stale timestamp with 401 and a far-future one with 400', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await signedFetch(sim, '/1/account', { timestamp: now - 901 });
    assert.equal(stale.status, 401);
    assert.match(stale.headers.get('www-authenticate') ?? '', /^OAuth /);
    assert.match(await stale.text(), /^Unauthorized: timestamp expired/);
    const fresh = await signedFetch(sim, '/1/account', { timestamp: now - 800 });
    assert.equal(fresh.status, 200);
    const future = await signedFetch(sim, '/1/account', { timestamp: now + 3600 });
    assert.equal(future.status, 400);
    assert.match(await future.text(), /^Bad Request: timestamp set/);
  });

  it('rejects an unknown consumer key and an unknown token with 401', async () => {
    const key = await signedFetch(sim, '/1/account', { credentials: { consumerKey: 'nobody' } });
    assert.equal(key.status, 401);
    assert.match(key.headers.get('www-authenticate') ?? '', /^OAuth /);
    assert.match(await key.text(), /client credentials not found/);
    const token = await signedFetch(sim, '/1/account', { credentials: { accessToken: 'nobody' } });
    assert.equal(token.status, 401);
    assert.match(await token.text(), /token credentials not found/);
  });

  it('rejects malformed protocol parameters with 400', async () => {
    const method = await signedFetch(sim, '/1/account', { mutateHeader: (h) => h.replace('HMAC-SHA1', 'PLAINTEXT') });
    assert.equal(method.status, 400);
    assert.match(await method.text(), /only HMAC-SHA1 supported/);
    const missing = await signedFetch(sim, '/1/account', { mutateHeader: (h) => h.replace(/oauth_nonce="[^"]*",?\s*/, '') });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /missing oauth_nonce parameter/);
  });

  it('ignores realm and accepts the Host as the client wrote it (case-insensitive host)', async () => {
    const url = sim.url.replace('127.0.0.1', 'LOCALHOST') + '/1/account';
    const authorization = oauth1Header(url.replace('LOCALHOST', 'localhost'), 'GET', sim.credentials).replace('OAuth ', 'OAuth realm="x", ');
    const res = await rawGet(sim.url + '/1/account', { authorization, host: `LOCALHOST:${sim.port}` });
    assert.equal(res.status, 200);
  });

  it('requires auth on every service path', async () => {
    for (const path of ['/1/account', '/1/account/projects', '/1/user/me/profile', '/2/documents/1', '/1/documents/1', '/1/account/members']) {
      const res = await fetch(sim.url + path);
      assert.equal(res.status, 401, path);
      const challenges = res.headers.get('www-authenticate') ?? '';
      assert.match(challenges, /OAuth realm=/);
      assert.match(challenges, /Bearer realm=/);
      await res.arrayBuffer();
    }
  });

  it('writes JSON error bodies when errorFormat is json', async () => {
    setSwitches(sim.state, { errorFormat: 'json' });
    try {
      const res = await signedFetch(sim, '/1/account', { credentials: { consumerSecret: 'wrong' } });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: 'invalid signature' });
    } finally {
      setSwitches(sim.state, { errorFormat: 'text' });
    }
  });
});

describe('OAuth2 client credentials', () => {
  const tokenUrl = (): string => sim.url + '/oauth2/access_token';
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('issues a Bearer token via Basic auth with `expires`, usable on service paths', async () => {
    const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64');
    const res = await fetch(tokenUrl(), { method: 'POST', headers: { ...form, authorization: `Basic ${basic}` }, body: 'grant_type=client_credentials' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.match(String(body.access_token), /^[0-9a-f]{40}$/);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires, 2_592_000);
    assert.equal('expires_in' in body, false);
    const me = await fetch(sim.url + '/1/user/me/profile', { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { last_name: string }).last_name, 'Robot');
  });

  it('accepts client_id/client_secret in the body; emits expires_in by switch', async () => {
    setSwitches(sim.state, { emitExpiresIn: true });
    try {
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.credentials.clientId, client_secret: sim.credentials.clientSecret });
      const res = await fetch(tokenUrl(), { method: 'POST', headers: form, body: body.toString() });
      assert.equal(res.status, 200);
      const json = (await res.json()) as Record<string, unknown>;
      assert.equal(json.expires_in, 2_592_000);
    } finally {
      setSwitches(sim.state, { emitExpiresIn: false });
    }
  });

  it('answers 401 for an unknown client, 400 for a missing or unsupported grant', async () => {
    const unknown = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { ...form, authorization: `Basic ${Buffer.from('nobody:nothing').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    assert.equal(unknown.status, 401);
    await unknown.arrayBuffer();
    const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64');
    const missing = await fetch(tokenUrl(), { method: 'POST', headers: { ...form, authorization: `Basic ${basic}` }, body: '' });
    assert.equal(missing.status, 400);
    await missing.arrayBuffer();
    const unsupported = await fetch(tokenUrl(), { method: 'POST', headers: { ...form, authorization: `Basic ${basic}` }, body: 'grant_type=password' });
    assert.equal(unsupported.status, 400);
    await unsupported.arrayBuffer();
    const get = await fetch(tokenUrl());
    assert.equal(get.status, 405);
    await get.arrayBuffer();
  });

  it('rejects unknown and expired tokens with 401 and WWW-Authenticate: Bearer', async () => {
    const unknown = await fetch(sim.url + '/1/account', { headers: { authorization: 'Bearer 0123456789012345678901234567890123456789' } });
    assert.equal(unknown.status, 401);
    assert.match(unknown.headers.get('www-authenticate') ?? '', /^Bearer /);
    await unknown.arrayBuffer();

    setSwitches(sim.state, { tokenLifetimeSeconds: 60 });
    const token = await getBearerToken(sim);
    setSwitches(sim.state, { tokenLifetimeSeconds: 2_592_000 });
    const ok = await fetch(sim.url + '/1/account', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    advanceClock(sim.state, 61);
    try {
      const expired = await fetch(sim.url + '/1/account', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(expired.status, 401);
      assert.match(expired.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
      assert.match(await expired.text(), /token expired/);
    } finally {
      advanceClock(sim.state, -61);
    }
  });

  it('expires a token for real with a 1-second lifetime', async () => {
    setSwitches(sim.state, { tokenLifetimeSeconds: 1 });
    const token = await getBearerToken(sim);
    setSwitches(sim.state, { tokenLifetimeSeconds: 2_592_000 });
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await fetch(sim.url + '/1/account', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(expired.status, 401);
    await expired.arrayBuffer();
  });
});
