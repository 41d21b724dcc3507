// Local GitHub Actions cache service: the real @actions/cache (in a child process) saves and restores through it and azurite.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCacheService, type CacheCall, type RunningCacheService } from '../../src/sim/github/cache/index.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/actions-cache-client.ts', import.meta.url));
const RESULT_MARKER = '@@cache-result@@';

type ClientResult = { ok: true; value: number | string | null } | { ok: false; error: string };

interface ClientRun {
  result: ClientResult;
  stdout: string;
  stderr: string;
}

interface Command {
  op: 'save' | 'restore';
  paths: string[];
  key: string;
  restoreKeys?: string[];
}

let svc: RunningCacheService;
let root: string;

/** Runs the real @actions/cache in a child with a clean environment: only PATH/HOME, the service's env and the runner dirs. */
async function runClient(workspace: string, command: Command, envOverride: Record<string, string> = {}): Promise<ClientRun> {
  const runnerTemp = join(root, 'runner-temp');
  await mkdir(runnerTemp, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    ...svc.env,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    ...envOverride,
  };
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(command)], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  assert.ok(line, `no result from the cache client (exit ${code}):\n${stdout}\n${stderr}`);
  return { result: JSON.parse(line.slice(RESULT_MARKER.length)) as ClientResult, stdout, stderr };
}

function value(run: ClientRun): number | string | null {
  assert.ok(run.result.ok, `cache client threw: ${run.result.ok ? '' : run.result.error}\n${run.stdout}`);
  return run.result.value;
}

/** A fresh workspace with `data/state.db` holding `content`. */
async function workspaceWith(name: string, content: Buffer | string): Promise<string> {
  const ws = join(root, name);
  await mkdir(join(ws, 'data'), { recursive: true });
  await writeFile(join(ws, 'data', 'state.db'), content);
  return ws;
}

async function emptied(ws: string): Promise<void> {
  await rm(join(ws, 'data'), { recursive: true, force: true });
}

function callsSince(n: number): CacheCall[] {
  return svc.calls().slice(n);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-cache-test-'));
  svc = await startCacheService();
});

after(async () => {
  await svc?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('GitHub cache service with the real @actions/cache', () => {
  it('exposes the v2 environment and no GITHUB_SERVER_URL', () => {
    assert.equal(svc.env.ACTIONS_RESULTS_URL, svc.url);
    assert.ok(svc.env.ACTIONS_RUNTIME_TOKEN);
    assert.ok(svc.env.ACTIONS_CACHE_SERVICE_V2);
    assert.equal(svc.env.GITHUB_SERVER_URL, undefined);
  });

  it('saves a directory and restores it byte-exact with the exact key', async () => {
    const content = Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(4096)]);
    const ws = await workspaceWith('exact', content);
    const mark = svc.calls().length;
    const id = value(await runClient(ws, { op: 'save', paths: ['data'], key: 'exact-key' }));
    assert.equal(typeof id, 'number');
    assert.ok((id as number) > 0);

    const saved = svc.entries().find((e) => e.key === 'exact-key');
    assert.ok(saved);
    assert.match(saved.version, /^[0-9a-f]{64}$/);
    assert.ok(saved.size > 0);

    const saveCalls = callsSince(mark);
    assert.deepEqual(
      saveCalls.map((c) => [c.method, c.status]),
      [
        ['CreateCacheEntry', 200],
        ['FinalizeCacheEntryUpload', 200],
      ],
    );
    assert.deepEqual(saveCalls[0]?.request, { key: 'exact-key', version: saved.version });
    assert.deepEqual(saveCalls[1]?.request, { key: 'exact-key', version: saved.version, size_bytes: String(saved.size) });

    await emptied(ws);
    const mark2 = svc.calls().length;
    const matched = value(await runClient(ws, { op: 'restore', paths: ['data'], key: 'exact-key' }));
    assert.equal(matched, 'exact-key');
    assert.deepEqual(await readFile(join(ws, 'data', 'state.db')), content);
    const restoreCalls = callsSince(mark2);
    assert.deepEqual(
      restoreCalls.map((c) => [c.method, c.status]),
      [['GetCacheEntryDownloadURL', 200]],
    );
    // restore_keys is omitted when empty (protobuf JSON drops defaults).
    assert.deepEqual(restoreCalls[0]?.request, { key: 'exact-key', version: saved.version });
  });

  it('restores the newest entry matching a restore-key prefix', async () => {
    const ws1 = await workspaceWith('prefix-1', 'state one');
    assert.ok((value(await runClient(ws1, { op: 'save', paths: ['data'], key: 'state-1' })) as number) > 0);
    const ws2 = await workspaceWith('prefix-2', 'state two');
    assert.ok((value(await runClient(ws2, { op: 'save', paths: ['data'], key: 'state-2' })) as number) > 0);

    const ws = join(root, 'prefix-restore');
    await mkdir(ws, { recursive: true });
    const mark = svc.calls().length;
    const run = await runClient(ws, { op: 'restore', paths: ['data'], key: 'other-primary', restoreKeys: ['state-'] });
    assert.equal(value(run), 'state-2');
    assert.match(run.stdout, /Cache hit for restore-key: state-2/);
    assert.equal(await readFile(join(ws, 'data', 'state.db'), 'utf8'), 'state two');
    const [call] = callsSince(mark);
    assert.equal(call?.method, 'GetCacheEntryDownloadURL');
    assert.deepEqual((call?.request as { restore_keys?: string[] }).restore_keys, ['state-']);
  });

  it('a miss returns undefined without throwing', async () => {
    const ws = join(root, 'miss');
    await mkdir(ws, { recursive: true });
    const mark = svc.calls().length;
    const run = await runClient(ws, { op: 'restore', paths: ['data'], key: 'never-saved', restoreKeys: ['nope-'] });
    assert.equal(value(run), null);
    assert.doesNotMatch(run.stdout, /::warning::/);
    assert.deepEqual(
      callsSince(mark).map((c) => [c.method, c.status]),
      [['GetCacheEntryDownloadURL', 200]],
    );
  });

  it('a different path list is a different version and misses', async () => {
    const ws = join(root, 'version-miss');
    await mkdir(ws, { recursive: true });
    const run = await runClient(ws, { op: 'restore', paths: [join(ws, 'data')], key: 'exact-key' });
    assert.equal(value(run), null);
  });

  it('saving the same key twice keeps the first entry; the second save returns -1 without throwing', async () => {
    const ws1 = await workspaceWith('dup-1', 'first content');
    assert.ok((value(await runClient(ws1, { op: 'save', paths: ['data'], key: 'dup-key' })) as number) > 0);
    const ws2 = await workspaceWith('dup-2', 'second content');
    const mark = svc.calls().length;
    const second = await runClient(ws2, { op: 'save', paths: ['data'], key: 'dup-key' });
    assert.equal(value(second), -1);
    assert.match(second.stdout, /Failed to save: Unable to reserve cache with key dup-key/);
    assert.deepEqual(
      callsSince(mark).map((c) => [c.method, c.status]),
      [['CreateCacheEntry', 409]],
    );
    assert.equal(svc.entries().filter((e) => e.key === 'dup-key').length, 1);

    await emptied(ws2);
    assert.equal(value(await runClient(ws2, { op: 'restore', paths: ['data'], key: 'dup-key' })), 'dup-key');
    assert.equal(await readFile(join(ws2, 'data', 'state.db'), 'utf8'), 'first content');
  });

  it('a bad token: restore warns and returns undefined, save returns -1', async () => {
    const ws = join(root, 'bad-token');
    await mkdir(ws, { recursive: true });
    const mark = svc.calls().length;
    const run = await runClient(ws, { op: 'restore', paths: ['data'], key: 'exact-key' }, { ACTIONS_RUNTIME_TOKEN: 'wrong-token' });
    assert.equal(value(run), null);
    assert.match(run.stdout, /::warning::Failed to restore: .*401/);
    const ws2 = await workspaceWith('bad-token-save', 'x');
    const save = await runClient(ws2, { op: 'save', paths: ['data'], key: 'bad-token-key' }, { ACTIONS_RUNTIME_TOKEN: 'wrong-token' });
    assert.equal(value(save), -1);
    assert.deepEqual(
      callsSince(mark).map((c) => [c.method, c.status]),
      [
        ['GetCacheEntryDownloadURL', 401],
        ['CreateCacheEntry', 401],
      ],
    );
    assert.equal(svc.entries().some((e) => e.key === 'bad-token-key'), false);
  });

  it('GITHUB_SERVER_URL on 127.0.0.1 counts as GHES: the client falls back to v1 and misses (the isGhes pitfall)', async () => {
    const ws = join(root, 'ghes');
    await mkdir(ws, { recursive: true });
    const mark = svc.calls().length;
    const run = await runClient(ws, { op: 'restore', paths: ['data'], key: 'exact-key' }, { GITHUB_SERVER_URL: 'http://127.0.0.1:9' });
    assert.equal(value(run), null);
    assert.match(run.stdout, /::warning::Failed to restore: Cache service responded with 404/);
    const calls = callsSince(mark);
    assert.ok(calls.length >= 1);
    assert.ok(calls.every((c) => c.status === 404 && c.method.includes('_apis/artifactcache')), JSON.stringify(calls));
  });

  it('round-trips a 10 MB file byte-exact', async () => {
    const content = randomBytes(10 * 1024 * 1024);
    const digest = createHash('sha256').update(content).digest('hex');
    const ws = await workspaceWith('big', content);
    assert.ok((value(await runClient(ws, { op: 'save', paths: ['data'], key: 'big-key' })) as number) > 0);
    const entry = svc.entries().find((e) => e.key === 'big-key');
    assert.ok(entry && entry.size > 10 * 1024 * 1024, 'random bytes do not compress');
    await emptied(ws);
    assert.equal(value(await runClient(ws, { op: 'restore', paths: ['data'], key: 'big-key' })), 'big-key');
    const back = await readFile(join(ws, 'data', 'state.db'));
    assert.equal(back.length, content.length);
    assert.equal(createHash('sha256').update(back).digest('hex'), digest);
  });

  it('after evictAll every restore misses', async () => {
    assert.ok(svc.entries().length > 0);
    await svc.evictAll();
    assert.deepEqual(svc.entries(), []);
    const ws = join(root, 'evicted');
    await mkdir(ws, { recursive: true });
    const run = await runClient(ws, { op: 'restore', paths: ['data'], key: 'exact-key', restoreKeys: ['state-', 'big-'] });
    assert.equal(value(run), null);
    // The key is free again after eviction.
    const ws2 = await workspaceWith('evicted-save', 'fresh');
    assert.ok((value(await runClient(ws2, { op: 'save', paths: ['data'], key: 'exact-key' })) as number) > 0);
  });
});

describe('Twirp protocol edges (plain HTTP)', () => {
  const post = async (method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; type: string | null }> => {
    const res = await fetch(new URL(`/twirp/github.actions.results.api.v1.CacheService/${method}`, svc.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${svc.env.ACTIONS_RUNTIME_TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), json: await res.json() };
  };

  it('answers JSON Twirp errors for unknown methods, paths, bad JSON and missing auth', async () => {
    const unknown = await post('DeleteCacheEntry', {});
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json as { code: string }).code, 'bad_route');
    assert.equal(unknown.type, 'application/json');

    const other = await fetch(new URL('/_apis/artifactcache/cache?keys=x', svc.url));
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { code: string }).code, 'bad_route');

    const bad = await post('CreateCacheEntry', '{not json');
    assert.equal(bad.status, 400);
    assert.equal((bad.json as { code: string }).code, 'malformed');

    const missing = await post('CreateCacheEntry', { key: 'k' });
    assert.equal(missing.status, 400);
    assert.equal((missing.json as { code: string }).code, 'invalid_argument');

    const noAuth = await post('GetCacheEntryDownloadURL', { key: 'k', version: 'v' }, { authorization: '' });
    assert.equal(noAuth.status, 401);
    assert.equal((noAuth.json as { code: string }).code, 'unauthenticated');
  });

  it('finalizing without an upload fails, and an unfinalized entry is not restorable', async () => {
    const created = await post('CreateCacheEntry', { key: 'pending', version: 'v1' });
    assert.equal(created.status, 200);
    const url = (created.json as { signed_upload_url: string }).signed_upload_url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/actions-cache\/[^?]+\?.*sp=cw/);
    const miss = await post('GetCacheEntryDownloadURL', { key: 'pending', version: 'v1' });
    assert.deepEqual(miss.json, { ok: false });
    const fin = await post('FinalizeCacheEntryUpload', { key: 'pending', version: 'v1', size_bytes: '5' });
    assert.equal(fin.status, 412);
    const noReservation = await post('FinalizeCacheEntryUpload', { key: 'nothing', version: 'v1', size_bytes: '5' });
    assert.equal(noReservation.status, 404);
  });
});
