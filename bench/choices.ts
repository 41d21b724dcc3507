// Measures three implementation choices issue 7 asks us not to assume, each against the alternative, in one run:
//  1. the state database: one prepared statement inside one transaction (what StateDb does) against a statement
//     prepared per row, and against one transaction per row (autocommit);
//  2. HTTP: undici's Agent keeping connections alive (what the connectors use) against a new connection per request,
//     on the simulator's listing endpoint;
//  3. the manifest: written once per run for the containers that changed (what the engine does) against rewriting
//     the container's manifest in every document commit.
//
// Usage: node bench/choices.ts [--rows 100000] [--requests 2000] [--commits 3000]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { entryToLine, type Entry } from '../src/engine/entry.ts';
import { FastImport, type FileChange } from '../src/engine/store/fast-import.ts';
import { Git } from '../src/engine/store/git.ts';
import { renderManifest } from '../src/engine/manifest.ts';
import { StateDb } from '../src/engine/state.ts';
import { startProjectplaceSim } from '../src/sim/projectplace/index.ts';

const { values: o } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, requests: { type: 'string', default: '2000' }, commits: { type: 'string', default: '3000' } } });
const rows = Number(o.rows);
const work = mkdtempSync(join(tmpdir(), 'wb-choices-'));
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const results: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10) };

function entry(i: number): Entry {
  return {
    source: 'projectplace', id: String(100000 + i), kind: 'document', name: `Document ${i}.docx`, path: `Projectplace/Workspace ${i % 2000}/Folder/Document ${i}.docx`,
    parent: String(i % 9000), container: String(i % 2000), modifiedAt: '2026-01-15T09:00:00Z', version: '3', modifier: { id: '7', name: 'Ada Lovelace', email: 'ada@example.com' },
    size: 171_000 + i, sha256: 'ab'.repeat(32),
  };
}
const entries = Array.from({ length: rows }, (_, i) => entry(i));

try {
  // 1. SQLite.
  let t0 = performance.now();
  const { state } = StateDb.open(join(work, 'state.db'));
  state.replaceAll('projectplace', entries, 'f'.repeat(40));
  state.close();
  const engine = seconds(t0);
  const perRow = (mode: 'prepare-each' | 'autocommit', n: number) => {
    const db = new DatabaseSync(join(work, `${mode}.db`));
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE entries (source TEXT, id TEXT, container TEXT, line TEXT, PRIMARY KEY (source, id))');
    const sql = 'INSERT INTO entries (source, id, container, line) VALUES (?, ?, ?, ?) ON CONFLICT(source, id) DO UPDATE SET container = excluded.container, line = excluded.line';
    const stmt = db.prepare(sql);
    const t = performance.now();
    if (mode === 'prepare-each') db.exec('BEGIN');
    for (const e of entries.slice(0, n)) (mode === 'prepare-each' ? db.prepare(sql) : stmt).run(e.source, e.id, e.container, entryToLine(e));
    if (mode === 'prepare-each') db.exec('COMMIT');
    const s = seconds(t);
    db.close();
    return s;
  };
  const autocommitRows = Math.min(rows, 10_000);
  const prepareEach = perRow('prepare-each', rows);
  const autocommit = perRow('autocommit', autocommitRows);
  results.sqlite = {
    rows,
    preparedOneTransaction: { seconds: round(engine), rowsPerSecond: Math.round(rows / engine) },
    preparedPerRowOneTransaction: { seconds: round(prepareEach), rowsPerSecond: Math.round(rows / prepareEach) },
    preparedAutocommit: { rows: autocommitRows, seconds: round(autocommit), rowsPerSecond: Math.round(autocommitRows / autocommit) },
  };
  log('sqlite', results.sqlite);

  // 2. HTTP keep-alive.
  const sim = await startProjectplaceSim({ seed: 3, workspaces: 20, documents: 200, hostileNames: false });
  try {
    const tokenRes = await request(`${sim.url}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${sim.credentials.clientId}&client_secret=${sim.credentials.clientSecret}`,
    });
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token;
    const n = Number(o.requests);
    const get = async (agent: Agent) => {
      const r = await request(`${sim.url}/1/account/projects`, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
    };
    const pooled = new Agent({ connections: 16 });
    t0 = performance.now();
    await pool(n, 4, () => get(pooled));
    const keepAlive = seconds(t0);
    await pooled.close();
    t0 = performance.now();
    await pool(n, 4, async () => {
      const once = new Agent({ pipelining: 0 }); // pipelining 0: the connection is closed after its one request
      await get(once);
      await once.close();
    });
    const fresh = seconds(t0);
    results.http = { requests: n, keepAlive: { seconds: round(keepAlive), perSecond: Math.round(n / keepAlive) }, newConnectionEach: { seconds: round(fresh), perSecond: Math.round(n / fresh) } };
    log('http', results.http);
  } finally {
    await sim.close();
  }

  // 3. Manifest batching: document commits with and without the container's manifest rewritten in each.
  const commits = Number(o.commits);
  const doc = join(work, 'doc.bin');
  writeFileSync(doc, Buffer.alloc(20_000, 7));
  const containers = Math.ceil(commits / 50); // 50 documents per container, as in the 100,000-document account
  const manifestRun = async (everyCommit: boolean) => {
    const dir = join(work, everyCommit ? 'manifest-each' : 'manifest-once');
    mkdirSync(dir, { recursive: true });
    const git = await Git.init(dir, 'main');
    const fi = await FastImport.start(git, 'refs/heads/main', undefined);
    const who = { name: 'bench', email: 'bench@example.invalid', date: new Date() };
    const sofar = new Map<string, Entry[]>();
    const t = performance.now();
    for (let i = 0; i < commits; i++) {
      const e = entries[i]!;
      const changes: FileChange[] = [{ op: 'put', path: e.path, file: doc, size: 20_000 }];
      if (everyCommit) {
        const c = String(i % containers);
        const mine = [...(sofar.get(c) ?? []), e];
        sofar.set(c, mine);
        changes.push({ op: 'write', path: `.workspace-backup/manifest/projectplace/${c}.jsonl`, data: renderManifest(mine) });
      }
      await fi.commit({ author: who, committer: who, message: `Add ${e.name}`, changes });
    }
    if (!everyCommit) {
      const byContainer = new Map<string, Entry[]>();
      entries.slice(0, commits).forEach((e, i) => byContainer.set(String(i % containers), [...(byContainer.get(String(i % containers)) ?? []), e]));
      await fi.commit({ author: who, committer: who, message: 'Manifest', changes: [...byContainer].map(([c, list]) => ({ op: 'write' as const, path: `.workspace-backup/manifest/projectplace/${c}.jsonl`, data: renderManifest(list) })) });
    }
    await fi.finish(git);
    return seconds(t);
  };
  const once = await manifestRun(false);
  const each = await manifestRun(true);
  results.manifest = { documentCommits: commits, oncePerRun: { seconds: round(once), commitsPerSecond: Math.round(commits / once) }, inEveryCommit: { seconds: round(each), commitsPerSecond: Math.round(commits / each) } };
  log('manifest', results.manifest);
  console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}

function round(s: number): number {
  return Number(s.toFixed(2));
}

function log(what: string, v: unknown): void {
  process.stderr.write(`${what}: ${JSON.stringify(v)}\n`);
}

async function pool(n: number, limit: number, fn: () => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (i++ < n) await fn();
  }));
}
