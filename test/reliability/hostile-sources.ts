// Hostile input for the sources added in issue 9 (damas-core, Pivotal Tracker exports, the old Projectplace sync tool's
// data): each case starts from a repo that already holds a good backup of that source, feeds the real engine (`sync`)
// one hostile input, and judges the run as the Projectplace campaign does (campaign.ts): finished, failed clearly, or
// a safe path; no wrong byte committed; every path passes isSafeSegment per segment; nothing written outside the repo
// folder; nothing backed up before lost or marked deleted while it still exists. Then a clean run must complete.
// Used by test/reliability/hostile-sources.test.ts and scripts/campaign-hostile-sources.ts.
//
// damas: its simulator has no hostile-answer faults (only 5xx and body faults), so the hostile answers come from a
// proxy on loopback in front of it (a real HTTP server forwarding every request, as a misbehaving proxy or gateway
// would); it also records every node it served from /api/read/, which is what "bytes the service served" means here.

import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm, symlink, truncate, unlink, writeFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DamasConnector, parseDamasSettings } from '../../src/connectors/damas/index.ts';
import { PivotalImportConnector } from '../../src/connectors/pivotal-import/index.ts';
import { createProjectplaceSyncImport, isoOfSeconds, type ReferenceStamp } from '../../src/connectors/projectplace-sync-import/index.ts';
import type { Connector } from '../../src/engine/model.ts';
import { sync, type SyncReport } from '../../src/engine/sync.ts';
import { AuthError, ConfigError, DiskFullError, ServiceError, TransferError } from '../../src/lib/errors.ts';
import { startDamasSim, type RunningDamasSim } from '../../src/sim/damas/index.ts';
import { expectedText } from '../connectors/damas-helpers.ts';
import { addComment, addStory, cloneProject, duplicateAttachmentId, generateProject, overlapPaging, writeExport, type JsonObject, type PivotalProject } from '../helpers/pivotal-export.ts';
import { addGoneDocument, nullRow, spoil, writeOldSyncData, type OldSyncSpec } from '../helpers/projectplace-sync-data.ts';
import { unclearMessage } from './campaign.ts';
import { outsideRepo, snapshotRepo, unsafePaths, type RepoSnapshot } from './repo-check.ts';

export type SourceName = 'damas' | 'pivotal' | 'projectplace-sync';
export type Outcome = 'finished' | 'failed clearly' | 'safe path' | 'unclear';

export interface HostileCase {
  source: SourceName;
  /** Table column "hostile input"; unique within its source (the test's name). */
  input: string;
  /** What a correct engine and connector do with it. */
  expect: Outcome[];
  /** The error (or the failures) must match this: it names what was wrong. */
  mentions?: RegExp;
}

export interface CaseResult {
  hostile: HostileCase;
  outcome: Outcome;
  /** The error, the failures of an incomplete run, or why the outcome is unclear. */
  detail: string;
  report?: SyncReport;
  error?: Error;
  headBefore: string | undefined;
  headAfter: string | undefined;
  wrongBytes: string[];
  unsafe: string[];
  outside: string[];
  /** Entries backed up before that are gone, hold bytes never served, or are marked deleted while they still exist. */
  lost: string[];
  next: { complete: boolean; error?: string; wrongBytes: string[] };
  ms: number;
}

/** Everything that makes a result a failure of the campaign. */
export function problems(r: CaseResult): string[] {
  const out: string[] = [];
  if (r.outcome === 'unclear') out.push(`unclear outcome: ${r.detail}`);
  else if (!r.hostile.expect.includes(r.outcome)) out.push(`outcome ${r.outcome}, expected ${r.hostile.expect.join(' or ')}: ${r.detail.slice(0, 400)}`);
  if (r.outcome === 'failed clearly' && r.hostile.mentions && !r.hostile.mentions.test(r.detail)) out.push(`the error does not name what was wrong (${r.hostile.mentions}): ${r.detail.slice(0, 400)}`);
  for (const x of r.wrongBytes) out.push(`wrong bytes: ${x}`);
  for (const x of r.unsafe) out.push(`unsafe path: ${x}`);
  for (const x of r.outside) out.push(`written outside the repo: ${x}`);
  for (const x of r.lost) out.push(`lost: ${x}`);
  if (!r.next.complete) out.push(`the next clean run did not complete: ${r.next.error ?? 'incomplete'}`);
  for (const x of r.next.wrongBytes) out.push(`wrong bytes after the next clean run: ${x}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Judging (the same rules as campaign.ts, for sources without the Projectplace simulator's version log)

const typedErrors = [ServiceError, ConfigError, AuthError, TransferError, DiskFullError];
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Why an error text is not one a person can act on; undefined when it is clear. */
export function unclearText(message: string): string | undefined {
  const why = unclearMessage(message, []);
  if (why) return why;
  if (/\n\s+at .+:\d+/.test(message)) return 'a stack trace';
  if (/\bundefined\b|\bNaN\b|\bnull \(reading/.test(message)) return `a message showing a bug (undefined/NaN): ${message.slice(0, 200)}`;
  return undefined;
}

function judge(report: SyncReport | undefined, error: unknown, namesCase: boolean): { outcome: Outcome; detail: string } {
  if (error !== undefined) {
    const e = error as Error;
    const typed = typedErrors.some((t) => e instanceof t) || e?.name === 'GitError';
    if (!typed) return { outcome: 'unclear', detail: `threw ${e?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 300)}` };
    const why = unclearText(e.message);
    if (why) return { outcome: 'unclear', detail: `threw ${e.name} with ${why}` };
    return { outcome: 'failed clearly', detail: `${e.name}: ${e.message}` };
  }
  const r = report!;
  if (r.complete) return { outcome: namesCase ? 'safe path' : 'finished', detail: '' };
  if (r.failures.length === 0) return { outcome: 'unclear', detail: 'incomplete without a failure' };
  for (const f of r.failures) {
    const why = unclearText(f.error);
    if (why) return { outcome: 'unclear', detail: `failure of ${f.action} ${f.path} has ${why}` };
  }
  return { outcome: 'failed clearly', detail: r.failures.map((f) => `${f.action} ${f.path}: ${f.error}`).join(' | ').slice(0, 800) };
}

/** What the source served: every sha256 it ever gave a document id (undefined: the id is unknown to the oracle). */
type Served = (id: string) => Set<string> | undefined;

/** Every document at the head holds the manifest's bytes, and those are bytes the source served for it. */
function committedBytes(snap: RepoSnapshot, served: Served): string[] {
  const bad: string[] = [];
  const paths = new Map<string, string>();
  for (const e of snap.manifest.values()) {
    if (e.kind !== 'document') continue;
    const other = paths.get(e.path);
    if (other !== undefined) bad.push(`documents ${other} and ${e.id} share the path ${JSON.stringify(e.path)}`);
    paths.set(e.path, e.id);
    const f = snap.files.get(e.path);
    if (!f || f.sha256 === undefined) {
      bad.push(`document ${e.id} ${JSON.stringify(e.path)}: no file at the head`);
      continue;
    }
    if (f.sha256 !== e.sha256) bad.push(`document ${e.id} ${JSON.stringify(e.path)}: bytes hash ${f.sha256.slice(0, 12)}, manifest says ${e.sha256?.slice(0, 12)}`);
    const s = served(e.id);
    if (!s) bad.push(`document ${e.id} ${JSON.stringify(e.path)}: the source never served it`);
    else if (!s.has(f.sha256)) bad.push(`document ${e.id} ${JSON.stringify(e.path)}: ${f.sha256.slice(0, 12)} is no version the source served`);
  }
  for (const [id, hashes] of snap.history) {
    const s = served(id);
    for (const h of hashes) if (s && !s.has(h)) bad.push(`document ${id}: the manifest's history holds ${h.slice(0, 12)}, never served`);
  }
  const linked = new Set([...snap.manifest.values()].map((e) => e.path));
  for (const p of snap.files.keys()) if (!p.startsWith('.workspace-backup/') && p !== '.gitattributes' && !linked.has(p)) bad.push(`file ${JSON.stringify(p)}: in no manifest entry`);
  return bad;
}

/** Documents backed up before: still in the manifest, with their file, not replaced by bytes never served, not marked deleted while alive. */
function lostSince(before: RepoSnapshot, after: RepoSnapshot, served: Served, alive: (id: string) => boolean): string[] {
  const lost: string[] = [];
  for (const b of before.manifest.values()) {
    if (b.kind !== 'document' || !b.sha256) continue;
    const a = after.manifest.get(b.id);
    if (!a) {
      lost.push(`document ${b.id} ${JSON.stringify(b.path)}: gone from the manifest`);
      continue;
    }
    const f = after.files.get(a.path);
    if (!f || f.sha256 === undefined) lost.push(`document ${b.id} ${JSON.stringify(a.path)}: no file at the head`);
    else if (f.sha256 !== b.sha256 && !served(b.id)?.has(f.sha256)) lost.push(`document ${b.id} ${JSON.stringify(a.path)}: bytes replaced by bytes never served`);
    if (a.deletedAt && !b.deletedAt && alive(b.id)) lost.push(`document ${b.id} ${JSON.stringify(a.path)}: marked deleted, still in the source`);
  }
  for (const b of before.manifest.values()) {
    if (b.kind === 'document' || b.deletedAt) continue;
    const a = after.manifest.get(b.id);
    if (!a) lost.push(`${b.kind} ${b.id} ${JSON.stringify(b.path)}: gone from the manifest`);
    else if (a.deletedAt && alive(b.id)) lost.push(`${b.kind} ${b.id} ${JSON.stringify(a.path)}: marked deleted, still in the source`);
  }
  return lost;
}

/** What one case needs from its source. */
interface Prepared {
  /** The connector of the run under test (hostile input armed). */
  hostile: () => Connector;
  /** The connector of a clean run afterwards. */
  clean: () => Connector;
  served: Served;
  /** Is this id (document, folder, container) still in the source? */
  alive: (id: string) => boolean;
  /** Called after the run under test, before the clean run (disarm faults). */
  disarm?: () => Promise<void>;
  close: () => Promise<void>;
}

/** A repo with a good backup, made once per source and copied for each case. */
interface Baseline {
  repo: string;
  cleanup: () => Promise<void>;
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

async function runCase(hostile: HostileCase, baseline: Baseline, prepare: () => Promise<Prepared>): Promise<CaseResult> {
  const box = await tempDir('wb-hostile-src-');
  const repo = join(box, 'repo');
  await cp(baseline.repo, repo, { recursive: true, verbatimSymlinks: true });
  let p: Prepared;
  try {
    p = await prepare();
  } catch (e) {
    await rm(box, { recursive: true, force: true });
    throw e;
  }
  let keep = false;
  try {
    const before = await snapshotRepo(repo);
    const started = Date.now();
    let report: SyncReport | undefined;
    let error: unknown;
    try {
      report = await sync({ connector: p.hostile(), repoDir: repo, retry: fastRetry });
    } catch (e) {
      error = e;
    }
    const ms = Date.now() - started;
    await p.disarm?.();
    const namesCase = hostile.expect.includes('safe path');
    const { outcome, detail } = judge(report, error, namesCase);
    const after = await snapshotRepo(repo);
    const result: CaseResult = {
      hostile,
      outcome,
      detail,
      report,
      error: error as Error | undefined,
      headBefore: before.head,
      headAfter: after.head,
      wrongBytes: committedBytes(after, p.served),
      unsafe: unsafePaths(after),
      outside: outsideRepo(box),
      lost: lostSince(before, after, p.served, p.alive),
      next: { complete: false, wrongBytes: [] },
      ms,
    };
    try {
      const next = await sync({ connector: p.clean(), repoDir: repo, retry: fastRetry });
      result.next.complete = next.complete;
      if (!next.complete) result.next.error = JSON.stringify(next.failures).slice(0, 500);
    } catch (e) {
      result.next.error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    result.next.wrongBytes = committedBytes(await snapshotRepo(repo), p.served);
    if (problems(result).length > 0) {
      keep = true;
      result.detail += ` [repo kept at ${repo}]`;
    }
    return result;
  } finally {
    await p.close();
    if (!keep) await rm(box, { recursive: true, force: true });
  }
}

const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

// ---------------------------------------------------------------------------------------------------------------
// damas-core: a hostile proxy in front of the simulator

export type DamasFault =
  | 'truncated-json'
  | 'invalid-json'
  | 'html-200'
  | 'empty-200'
  | 'wrong-types'
  | 'extra-fields'
  | 'endless-pages'
  | 'repeat-page'
  | 'delete-before-read';

interface ProxyRule {
  path: RegExp;
  fault: DamasFault;
  /** Fire at most this many times (default: always). */
  count?: number;
  fired: number;
}

/** A loopback proxy that forwards to the simulator, mangles matching answers, and records the nodes it served. */
export class DamasProxy {
  readonly sim: RunningDamasSim;
  readonly server: Server;
  url = '';
  rules: ProxyRule[] = [];
  /** Node id → sha256 of every stored form (canonical JSON, computed independently) of the node as served by /api/read/. */
  readonly served = new Map<string, Set<string>>();
  #endless = 0;

  constructor(sim: RunningDamasSim) {
    this.sim = sim;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.#forward(req.method ?? 'GET', req.url ?? '/', req.headers as Record<string, string>, Buffer.concat(chunks)).then(
          (a) => {
            res.writeHead(a.status, { 'content-type': a.type, 'content-length': String(a.body.length) });
            res.end(a.body);
          },
          (e: unknown) => {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`proxy: ${(e as Error).message}`);
          },
        );
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  arm(fault: DamasFault, path: RegExp, count?: number): void {
    this.rules.push({ path, fault, fired: 0, ...(count !== undefined ? { count } : {}) });
  }

  get fired(): number {
    return this.rules.reduce((a, r) => a + r.fired, 0);
  }

  #pick(path: string): ProxyRule | undefined {
    const r = this.rules.find((x) => x.path.test(path) && (x.count === undefined || x.fired < x.count));
    if (r) r.fired++;
    return r;
  }

  async #forward(method: string, url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; type: string; body: Buffer }> {
    const path = url.split('?')[0]!;
    const rule = this.#pick(path);
    if (rule?.fault === 'delete-before-read') {
      // Someone deletes a node the walk listed, just before the client reads it.
      const ids = JSON.parse(body.toString('utf8')) as string[];
      const victim = ids.find((id) => !/^[0-9a-f]{24}$/.test(id)) ?? ids[0]!;
      await fetch(`${this.sim.url}/__sim/node?id=${encodeURIComponent(victim)}`, { method: 'DELETE' });
    }
    const fwd: Record<string, string> = {};
    for (const k of ['content-type', 'authorization', 'accept', 'cookie']) if (headers[k]) fwd[k] = headers[k]!;
    const res = await fetch(`${this.sim.url}${url}`, { method, headers: fwd, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) });
    let answer: { status: number; type: string; body: Buffer } = { status: res.status, type: res.headers.get('content-type') ?? 'application/octet-stream', body: Buffer.from(await res.arrayBuffer()) };
    if (rule && rule.fault !== 'delete-before-read' && res.status < 300) answer = this.#mangle(rule.fault, path, body, answer);
    if (/^\/api\/read\/?$/i.test(path) && (answer.status === 200 || answer.status === 207)) this.#record(answer.body);
    return answer;
  }

  #mangle(fault: DamasFault, path: string, reqBody: Buffer, a: { status: number; type: string; body: Buffer }): { status: number; type: string; body: Buffer } {
    const json = 'application/json; charset=utf-8';
    const text = a.body.toString('utf8');
    switch (fault) {
      case 'truncated-json':
        return { ...a, body: a.body.subarray(0, Math.max(1, Math.floor(a.body.length / 2))) };
      case 'invalid-json':
        return { ...a, body: Buffer.from(text.slice(0, -1) + ',' + text.slice(-1)) };
      case 'html-200':
        return { status: 200, type: 'text/html; charset=utf-8', body: Buffer.from('<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/sso">Please sign in</form></body></html>\n') };
      case 'empty-200':
        return { status: 200, type: json, body: Buffer.alloc(0) };
      case 'wrong-types': {
        const v = JSON.parse(text) as unknown;
        // search_mongo: ids as objects and count as a string; read: every _id an object.
        if (Array.isArray(v)) return { ...a, body: Buffer.from(JSON.stringify(v.map((n) => (n && typeof n === 'object' ? { ...n, _id: { $oid: (n as { _id: unknown })._id } } : n)))) };
        const o = v as { count: number; ids: string[] };
        return { ...a, body: Buffer.from(JSON.stringify({ count: String(o.count), ids: o.ids.map((id) => ({ _id: id })) })) };
      }
      case 'extra-fields': {
        const v = JSON.parse(text) as unknown;
        // A newer server: more keys beside count and ids, and more keys in every node (nodes are free-form: data).
        if (Array.isArray(v)) return { ...a, body: Buffer.from(JSON.stringify(v.map((n) => (n && typeof n === 'object' ? { ...n, _schemaVersion: 2, _meta: { indexed: true } } : n)))) };
        return { ...a, body: Buffer.from(JSON.stringify({ took: 3, ...(v as object), cursor: { next: 'abc' }, _links: [] })) };
      }
      case 'endless-pages': {
        // Every page full of ids never seen before, whatever skip is asked: the listing would never end.
        const q = JSON.parse(reqBody.toString('utf8')) as { limit?: number };
        const v = JSON.parse(text) as { count: number };
        const ids = Array.from({ length: q.limit ?? 10 }, () => `/endless/${String(++this.#endless).padStart(8, '0')}`);
        return { ...a, body: Buffer.from(JSON.stringify({ count: v.count, ids })) };
      }
      case 'repeat-page': {
        // The first page again, whatever skip is asked (a server or proxy that ignores skip).
        const q = JSON.parse(reqBody.toString('utf8')) as { limit?: number };
        const ids = [...this.sim.state.nodes.keys()].sort().slice(0, q.limit ?? 10);
        const v = JSON.parse(text) as { count: number };
        return { ...a, body: Buffer.from(JSON.stringify({ count: v.count, ids })) };
      }
      default:
        void path;
        return a;
    }
  }

  #record(body: Buffer): void {
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    for (const n of Array.isArray(v) ? v : [v]) {
      if (!n || typeof n !== 'object' || typeof (n as { _id?: unknown })._id !== 'string') continue;
      const id = (n as { _id: string })._id;
      const set = this.served.get(id) ?? new Set<string>();
      set.add(sha256(expectedText(n as Record<string, unknown>)));
      this.served.set(id, set);
    }
  }
}

const damasSeed = 17;
const damasCounts = { projects: 2, assets: 16, childrenPerAsset: 1, links: 3 };
const damasPageSize = 12;

function damasConnector(proxy: DamasProxy): DamasConnector {
  const settings = parseDamasSettings({ url: proxy.url, username: 'backup', password: proxy.sim.user('backup').password });
  return new DamasConnector(settings, { retry: fastRetry, pageSize: damasPageSize });
}

interface DamasCase extends HostileCase {
  arm: (proxy: DamasProxy) => Promise<void> | void;
}

const searchPath = /^\/api\/search_mongo\/?$/i;
const readPath = /^\/api\/read\/?$/i;

async function addNodes(sim: RunningDamasSim, ids: string[]): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/nodes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ids.map((_id, i) => ({ _id, name: `hostile ${i}`, kind: 'asset' }))) });
  if (!res.ok) throw new Error(`adding nodes ${JSON.stringify(ids)}: ${res.status} ${await res.text()}`);
}

function hostileIdCase(input: string, ids: string[]): DamasCase {
  return { source: 'damas', input, expect: ['safe path'], arm: (p) => addNodes(p.sim, ids) };
}

export const damasCases: DamasCase[] = [
  ...(['truncated-json', 'invalid-json', 'html-200', 'empty-200', 'wrong-types'] as const).flatMap((f): DamasCase[] => [
    { source: 'damas', input: `${f} on search_mongo`, expect: ['failed clearly'], mentions: f === 'html-200' ? /POST \/api\/search_mongo\/ with 200 and an HTML page/ : /POST \/api\/search_mongo/, arm: (p) => p.arm(f, searchPath) },
    { source: 'damas', input: `${f} on read`, expect: ['failed clearly'], mentions: f === 'html-200' ? /POST \/api\/read\/ with 200 and an HTML page/ : /POST \/api\/read/, arm: (p) => p.arm(f, readPath) },
  ]),
  { source: 'damas', input: 'truncated-json on read, first 2 answers', expect: ['finished'], arm: (p) => p.arm('truncated-json', readPath, 2) },
  { source: 'damas', input: 'extra-fields on search_mongo', expect: ['finished'], arm: (p) => p.arm('extra-fields', searchPath) },
  { source: 'damas', input: 'extra-fields on read (new keys in every node: stored as data)', expect: ['finished'], arm: (p) => p.arm('extra-fields', readPath) },
  hostileIdCase('ids `..`, `.git`, `CON`, `/..`, `/.git/config`, `/CON/aux.txt`', ['..', '.git', 'CON', '/..', '/.git/config', '/CON/aux.txt', '/hostile2/..', '/hostile2/.git']),
  hostileIdCase('a 300-byte id (and a 300-byte folder)', [`/long/${'y'.repeat(300)}`, `/long/${'z'.repeat(300)}/leaf`]),
  hostileIdCase('ids differing only by case', ['/twins/Report.txt', '/twins/report.txt', '/twins/REPORT.TXT', '/Twins2/a', '/twins2/a']),
  hostileIdCase('ids differing only by NFC/NFD', ['/nf/caf\u00e9', '/nf/cafe\u0301', '/nf\u00e9/x', '/nfe\u0301/x']),
  hostileIdCase('`../` inside an id', ['../escape', '/p/../../../etc/passwd', 'a/../../b', '/x/..\\..\\y', '/ctl/\u0001\u001f\u007f']),
  {
    source: 'damas',
    input: 'a node deleted between listing and reading',
    expect: ['finished'],
    arm: (p) => p.arm('delete-before-read', readPath, 1),
  },
  { source: 'damas', input: 'pagination that never ends (new ids on every page)', expect: ['failed clearly'], mentions: /kept changing while its ids were being listed/, arm: (p) => p.arm('endless-pages', searchPath) },
  { source: 'damas', input: 'pagination that never ends (the same page for every skip)', expect: ['failed clearly'], mentions: /kept changing while its ids were being listed/, arm: (p) => p.arm('repeat-page', searchPath) },
];

async function damasBaseline(): Promise<Baseline & { served: Map<string, Set<string>> }> {
  const sim = await startDamasSim({ seed: damasSeed, counts: damasCounts });
  const proxy = await new DamasProxy(sim).start();
  const dir = await tempDir('wb-hostile-base-damas-');
  try {
    const report = await sync({ connector: damasConnector(proxy), repoDir: join(dir, 'repo'), retry: fastRetry });
    if (!report.complete) throw new Error(`damas baseline incomplete: ${JSON.stringify(report.failures)}`);
    return { repo: join(dir, 'repo'), served: new Map([...proxy.served].map(([k, v]) => [k, new Set(v)])), cleanup: () => rm(dir, { recursive: true, force: true }) };
  } finally {
    await proxy.close();
    await sim.close();
  }
}

function prepareDamas(c: DamasCase, base: { served: Map<string, Set<string>> }): () => Promise<Prepared> {
  return async () => {
    const sim = await startDamasSim({ seed: damasSeed, counts: damasCounts });
    const proxy = await new DamasProxy(sim).start();
    for (const [k, v] of base.served) proxy.served.set(k, new Set(v));
    await c.arm(proxy);
    const connectors: DamasConnector[] = [];
    const make = () => {
      const x = damasConnector(proxy);
      connectors.push(x);
      return x;
    };
    return {
      hostile: make,
      clean: make,
      served: (id) => proxy.served.get(id),
      alive: (id) => sim.state.nodes.has(id) || !proxy.served.has(id),
      disarm: async () => {
        if (proxy.fired === 0 && c.mentions) throw new Error(`case ${c.input}: the hostile answer was never given`);
        proxy.rules = [];
      },
      close: async () => {
        for (const x of connectors) await x.close();
        await proxy.close();
        await sim.close();
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pivotal Tracker exports (pt_backup.py folders)

interface PivotalCase extends HostileCase {
  /** Changes project A (and may leave project B out) before the hostile export is written. */
  change?: (a: PivotalProject) => void;
  /** Leaves project B out of the hostile export. */
  dropB?: boolean;
  /** Damages the written export folder (root holding A/ and B/). */
  damage?: (root: string, a: PivotalProject) => Promise<void>;
  emptyCollections?: 'crash' | 'skip' | 'write';
  /** The hostile export is one a correct tool may import (its bytes count as served). */
  trusted: boolean;
}

function storyOf(p: PivotalProject): number {
  return p.memberships.map((m) => (m.person as JsonObject).id as number)[0]!;
}

function firstAttachment(p: PivotalProject): JsonObject {
  return p.comments.flatMap((c) => (c.attachments as JsonObject[] | undefined) ?? [])[0]!;
}

export const pivotalCases: PivotalCase[] = [
  {
    source: 'pivotal',
    input: 'truncated stories.json',
    expect: ['failed clearly'],
    mentions: /stories\.json/,
    trusted: false,
    damage: async (root) => {
      const f = join(root, 'A', 'stories.json');
      const text = await readFile(f);
      await truncate(f, Math.floor(text.length * 0.6));
    },
  },
  {
    source: 'pivotal',
    input: 'stories.json of an unknown shape ({"data": [...]})',
    expect: ['failed clearly'],
    mentions: /stories\.json/,
    trusted: false,
    damage: async (root) => {
      const f = join(root, 'A', 'stories.json');
      await writeFile(f, JSON.stringify({ data: JSON.parse(await readFile(f, 'utf8')) as unknown, pagination: { total: 1 } }));
    },
  },
  {
    source: 'pivotal',
    input: 'stories.json whose stories have wrong types (id a string, name a number)',
    expect: ['failed clearly'],
    mentions: /stories\.json/,
    trusted: false,
    damage: async (root) => {
      const f = join(root, 'A', 'stories.json');
      const list = JSON.parse(await readFile(f, 'utf8')) as JsonObject[];
      list[1] = { ...list[1]!, id: String(list[1]!.id), name: 12345 };
      await writeFile(f, JSON.stringify(list));
    },
  },
  {
    source: 'pivotal',
    input: '`../` in an attachment name',
    expect: ['failed clearly'],
    mentions: /\.\.\//,
    trusted: false,
    change: (a) => {
      addComment(a, a.stories[0]!.id as number, storyOf(a), 'Attached the log.', [{ filename: '../../../escaped.txt', content: Buffer.from('escaped content\n') }]);
    },
  },
  {
    source: 'pivotal',
    input: 'control characters, `CON`, `.gitattributes`, `\\`, RTL override in attachment names and titles',
    expect: ['safe path'],
    trusted: true,
    change: (a) => {
      const by = storyOf(a);
      const names = ['a\u0001b\u001f.txt', 'con.txt', '.gitattributes', 'back\\slash.png', 'report\u202Eexe.pdf', 'trailing dot.', ' lead space.txt'];
      const s = addStory(a, { name: 'tab\there\u0007 CON .git', requester: by });
      addComment(a, s.id as number, by, 'files', names.map((filename, i) => ({ filename, content: Buffer.from(`hostile file ${i}\n`) })));
      addStory(a, { name: '.git', requester: by });
      addStory(a, { name: '../../etc/passwd', requester: by });
    },
  },
  {
    source: 'pivotal',
    input: 'a 300-byte title (and a 250-byte attachment name, the most a disk holds)',
    expect: ['safe path'],
    trusted: true,
    change: (a) => {
      const by = storyOf(a);
      const s = addStory(a, { name: 'T'.repeat(300), requester: by });
      addStory(a, { name: '\u00fc'.repeat(150), requester: by });
      addComment(a, s.id as number, by, 'long', [{ filename: `${'n'.repeat(246)}.txt`, content: Buffer.from('long name\n') }]);
    },
  },
  {
    source: 'pivotal',
    input: 'titles differing only by case or NFC/NFD',
    expect: ['safe path'],
    trusted: true,
    change: (a) => {
      const by = storyOf(a);
      for (const name of ['Same Title', 'same title', 'SAME TITLE', 'Caf\u00e9 menu', 'Cafe\u0301 menu']) addStory(a, { name, requester: by });
    },
  },
  {
    source: 'pivotal',
    input: 'one attachment id in two comments, identical',
    expect: ['finished'],
    trusted: true,
    change: (a) => void duplicateAttachmentId(a, 'identical'),
  },
  {
    source: 'pivotal',
    input: 'one attachment id in two comments, different names',
    expect: ['failed clearly'],
    mentions: /attachment/,
    trusted: false,
    change: (a) => void duplicateAttachmentId(a, 'conflicting'),
  },
  {
    source: 'pivotal',
    input: 'a story listed twice by offset paging',
    expect: ['finished'],
    trusted: true,
    change: (a) => void overlapPaging(a, 1),
  },
  {
    source: 'pivotal',
    input: 'a missing attachment file',
    expect: ['failed clearly'],
    mentions: /attachments/,
    trusted: false,
    damage: async (root, a) => {
      const att = firstAttachment(a);
      await unlink(join(root, 'A', 'attachments', String(att.id), String(att.filename)));
    },
  },
  {
    source: 'pivotal',
    input: 'an attachment file that is a symbolic link',
    expect: ['failed clearly'],
    mentions: /symbolic link/,
    trusted: false,
    damage: async (root, a) => {
      const att = firstAttachment(a);
      const f = join(root, 'A', 'attachments', String(att.id), String(att.filename));
      await unlink(f);
      await symlink('/etc/hostname', f);
    },
  },
  {
    source: 'pivotal',
    input: 'an export cut short by the script (empty epics: NameError, no stories.json)',
    expect: ['failed clearly'],
    mentions: /stories\.json/,
    trusted: false,
    emptyCollections: 'crash',
    change: (a) => {
      a.epics = [];
    },
  },
  {
    source: 'pivotal',
    input: 'a newer export lacking a whole project',
    expect: ['finished'],
    trusted: true,
    dropB: true,
    change: (a) => {
      addStory(a, { name: 'Only A moved on', requester: storyOf(a) });
    },
  },
];

function pivotalProjects(): [PivotalProject, PivotalProject] {
  return [
    generateProject({ seed: 51, projectName: 'Web shop', stories: 6, people: 3, maxComments: 3 }),
    generateProject({ seed: 52, projectName: 'Back office', stories: 4, people: 3, maxComments: 2 }),
  ];
}

/** sha256 of every document a connector serves from an export folder (id → hashes). */
async function servedByExport(folder: string, into: Map<string, Set<string>>): Promise<void> {
  const c = new PivotalImportConnector(folder);
  for (const ct of await c.listContainers()) {
    for await (const item of c.listItems(ct)) {
      if (item.kind !== 'document' || item.id.startsWith('attachment-')) continue;
      const d = await c.open(item);
      const parts: Buffer[] = [];
      for await (const chunk of d.body) parts.push(Buffer.from(chunk as Uint8Array));
      const set = into.get(item.id) ?? new Set<string>();
      set.add(sha256(Buffer.concat(parts)));
      into.set(item.id, set);
    }
  }
}

/** Attachments, independently of the connector: the bytes the export's generator wrote. */
function attachmentHashes(projects: PivotalProject[], into: Map<string, Set<string>>): void {
  for (const p of projects) {
    for (const [id, bytes] of p.files) {
      const set = into.get(`attachment-${id}`) ?? new Set<string>();
      set.add(sha256(bytes));
      into.set(`attachment-${id}`, set);
    }
  }
}

async function pivotalBaseline(): Promise<Baseline & { served: Map<string, Set<string>>; exports: string }> {
  const dir = await tempDir('wb-hostile-base-pivotal-');
  const exports = await tempDir('wb-hostile-exports-pivotal-');
  const [a, b] = pivotalProjects();
  await writeExport(join(exports, 'good', 'A'), a);
  await writeExport(join(exports, 'good', 'B'), b);
  const report = await sync({ connector: new PivotalImportConnector(join(exports, 'good')), repoDir: join(dir, 'repo'), retry: fastRetry });
  if (!report.complete) throw new Error(`pivotal baseline incomplete: ${JSON.stringify(report.failures)}`);
  const served = new Map<string, Set<string>>();
  await servedByExport(join(exports, 'good'), served);
  attachmentHashes([a, b], served);
  return {
    repo: join(dir, 'repo'),
    served,
    exports,
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(exports, { recursive: true, force: true });
    },
  };
}

function preparePivotal(c: PivotalCase, base: { served: Map<string, Set<string>>; exports: string }, n: number): () => Promise<Prepared> {
  return async () => {
    const [a0, b] = pivotalProjects();
    const a = cloneProject(a0);
    c.change?.(a);
    const root = join(base.exports, `case-${n}`, 'export');
    await rm(join(base.exports, `case-${n}`), { recursive: true, force: true });
    await writeExport(join(root, 'A'), a, { emptyCollections: c.emptyCollections ?? 'crash', sandbox: join(base.exports, `case-${n}`) });
    if (!c.dropB) await writeExport(join(root, 'B'), b);
    await c.damage?.(root, a);
    const served = new Map([...base.served].map(([k, v]) => [k, new Set(v)]));
    if (c.trusted) {
      await servedByExport(root, served);
      attachmentHashes([a, b], served);
    }
    return {
      hostile: () => new PivotalImportConnector(root),
      // The clean run: the good export again (nothing in it may undo what the hostile run kept).
      clean: () => new PivotalImportConnector(join(base.exports, 'good')),
      served: (id) => served.get(id),
      // An import never deletes a project that is not in the folder; no case deletes a story.
      alive: () => true,
      close: async () => {},
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The old Projectplace sync tool's data (.data SQLite + localdata/)

interface SyncDataCase extends HostileCase {
  /** Changes the spec of the hostile data (it already holds the baseline's rows and three new documents). */
  change?: (spec: OldSyncSpec) => void;
  /** Damages the written files. */
  damage?: (dataPath: string, filesDir: string) => Promise<void>;
}

const NEW_DOCS = [3101, 3102, 3103];

function syncDataSpec(withNew: boolean): OldSyncSpec {
  const spec: OldSyncSpec = {
    schema: 'migrated',
    workspaces: [
      { id: 1001, name: 'Sales' },
      { id: 1002, name: 'Engineering' },
    ],
    containers: [
      { id: 2001, name: 'Contracts', containerId: 1001, workspaceId: 1001 },
      { id: 2002, name: 'Specs', containerId: 1002, workspaceId: 1002 },
    ],
    documents: [],
    urls: [{ id: 4001, name: 'Wiki', url: 'https://wiki.example.org/start', modifiedTime: 1_600_000_000, containerId: 1001, workspaceId: 1001 }],
    users: [
      { id: 501, name: 'Ann Archer', email: 'ann@example.com' },
      { id: 502, name: 'Bo Berg', email: null },
    ],
  };
  const exts = ['docx', 'pdf', 'xlsx', 'txt'];
  const add = (id: number, i: number) => {
    const ws = i % 2 === 0 ? 1001 : 1002;
    addGoneDocument(spec, { id, name: `Report ${id}.${exts[i % 4]}`, workspaceId: ws, containerId: i % 3 === 0 ? ws + 1000 : ws, modifiedTime: 1_600_000_000 + i * 3600, modifiedById: 501 + (i % 2), size: 200 + i * 97 });
  };
  for (let i = 0; i < 8; i++) add(3001 + i, i);
  if (withNew) NEW_DOCS.forEach((id, i) => add(id, i + 8));
  return spec;
}

function addWorkspaceWithDoc(spec: OldSyncSpec, id: number, name: string, docId: number): void {
  spec.workspaces.push({ id, name });
  addGoneDocument(spec, { id: docId, name: `inside ${docId}.txt`, workspaceId: id, modifiedTime: 1_650_000_000, modifiedById: 501, size: 120 });
}

export const syncDataCases: SyncDataCase[] = [
  {
    source: 'projectplace-sync',
    input: 'a `.data` that is not SQLite',
    expect: ['failed clearly'],
    mentions: /\.data.*(not an SQLite|SQLite)/,
    damage: (data) => writeFile(data, 'This is not a database, just some text the user picked by mistake.\n'.repeat(40)),
  },
  {
    source: 'projectplace-sync',
    input: 'a truncated `.data`',
    expect: ['failed clearly'],
    mentions: /\.data/,
    damage: async (data) => {
      const size = (await readFile(data)).length;
      await truncate(data, Math.floor(size / 3));
    },
  },
  {
    source: 'projectplace-sync',
    input: 'a `.data` missing a column (documents.name)',
    expect: ['failed clearly'],
    mentions: /no column name/,
    damage: async (data) => {
      const db = new DatabaseSync(data);
      try {
        db.exec('ALTER TABLE documents DROP COLUMN name');
      } finally {
        db.close();
      }
    },
  },
  {
    source: 'projectplace-sync',
    input: 'NULL cells (document name, time, modifier, folder; workspace name; user name)',
    expect: ['finished', 'safe path'],
    change: (spec) => {
      nullRow(spec, NEW_DOCS[0]!);
      nullRow(spec, 3002);
      spec.workspaces.push({ id: 1003, name: null });
      addGoneDocument(spec, { id: 3201, name: 'in nameless workspace.txt', workspaceId: 1003, modifiedTime: 1_650_000_000, modifiedById: 503, size: 90 });
      spec.users.push({ id: 503, name: null, email: null });
      spec.containers.push({ id: 2003, name: null, containerId: 1001, workspaceId: 1001 });
    },
  },
  {
    source: 'projectplace-sync',
    input: 'a truncated local file (new document)',
    expect: ['failed clearly'],
    mentions: new RegExp(`${NEW_DOCS[1]}.*(truncated|bytes)`),
    change: (spec) => void spoil(spec, NEW_DOCS[1]!, 'truncated'),
  },
  {
    source: 'projectplace-sync',
    input: 'a truncated local file (document already backed up)',
    expect: ['finished', 'failed clearly'],
    mentions: /3003.*(truncated|bytes)/,
    change: (spec) => void spoil(spec, 3003, 'truncated'),
  },
  {
    source: 'projectplace-sync',
    input: 'a symlinked local file',
    expect: ['failed clearly'],
    mentions: /symbolic link/,
    change: (spec) => void spoil(spec, NEW_DOCS[2]!, 'symlink'),
  },
  {
    source: 'projectplace-sync',
    input: 'workspaces named `..`, `.git`, `CON`',
    expect: ['safe path'],
    change: (spec) => {
      addWorkspaceWithDoc(spec, 1101, '..', 3301);
      addWorkspaceWithDoc(spec, 1102, '.git', 3302);
      addWorkspaceWithDoc(spec, 1103, 'CON', 3303);
      spec.containers.push({ id: 2101, name: '..', containerId: 1101, workspaceId: 1101 });
      addGoneDocument(spec, { id: 3304, name: 'deeper.txt', workspaceId: 1101, containerId: 2101, modifiedTime: 1_650_000_000, modifiedById: 501, size: 77 });
    },
  },
  {
    source: 'projectplace-sync',
    input: 'documents named `../x`, `..`, `.git`, `/etc/passwd`',
    expect: ['safe path'],
    change: (spec) => {
      // The old tool named files <id>.<text after the last dot>: for "../x" that holds "/", so its file is <id>.x here.
      const x = addGoneDocument(spec, { id: 3401, name: '../x', workspaceId: 1001, modifiedTime: 1_650_000_000, modifiedById: 501, size: 66 });
      x.fileName = '3401.x';
      addGoneDocument(spec, { id: 3402, name: '..', workspaceId: 1001, modifiedTime: 1_650_000_000, modifiedById: 501, size: 55 });
      addGoneDocument(spec, { id: 3403, name: '.git', workspaceId: 1001, modifiedTime: 1_650_000_000, modifiedById: 501, size: 44 });
      const p = addGoneDocument(spec, { id: 3404, name: '/etc/passwd', workspaceId: 1002, modifiedTime: 1_650_000_000, modifiedById: 501, size: 33 });
      p.fileName = '3404';
    },
  },
];

/** What the live service would list for these documents now (the reference the CLI builds from a live connector). */
function referenceOf(spec: OldSyncSpec, content: Map<string, { sha256: string; size: number }>): Map<string, ReferenceStamp> {
  const ref = new Map<string, ReferenceStamp>();
  for (const d of spec.documents) {
    const c = content.get(String(d.id));
    const modifiedAt = isoOfSeconds(d.modifiedTime ?? undefined);
    if (c && modifiedAt) ref.set(String(d.id), { modifiedAt, size: c.size });
  }
  return ref;
}

async function syncDataBaseline(): Promise<Baseline & { served: Map<string, Set<string>>; data: string }> {
  const dir = await tempDir('wb-hostile-base-sync-');
  const data = await tempDir('wb-hostile-data-sync-');
  const spec = syncDataSpec(false);
  const files = await writeOldSyncData(join(data, 'good'), spec);
  const report = await sync({
    connector: createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir, reference: referenceOf(spec, files.content) }),
    repoDir: join(dir, 'repo'),
    retry: fastRetry,
  });
  if (!report.complete) throw new Error(`projectplace-sync baseline incomplete: ${JSON.stringify(report.failures)}`);
  const served = new Map<string, Set<string>>();
  for (const [id, c] of files.content) served.set(id, new Set([c.sha256]));
  return {
    repo: join(dir, 'repo'),
    served,
    data,
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    },
  };
}

function prepareSyncData(c: SyncDataCase, base: { served: Map<string, Set<string>>; data: string }, n: number): () => Promise<Prepared> {
  return async () => {
    const spec = syncDataSpec(true);
    c.change?.(spec);
    const dir = join(base.data, `case-${n}`);
    await rm(dir, { recursive: true, force: true });
    const files = await writeOldSyncData(dir, spec);
    const reference = referenceOf(spec, files.content);
    await c.damage?.(files.dataPath, files.filesDir);
    // Served: the true bytes of every document (a truncated, stale or symlinked file's bytes are not).
    const served = new Map([...base.served].map(([k, v]) => [k, new Set(v)]));
    for (const [id, x] of files.content) served.set(id, new Set([...(served.get(id) ?? []), x.sha256]));
    const good = join(base.data, 'good');
    return {
      hostile: () => createProjectplaceSyncImport({ dataPath: files.dataPath, filesDir: files.filesDir, reference }),
      clean: () => createProjectplaceSyncImport({ dataPath: join(good, '.data'), filesDir: join(good, 'localdata') }),
      served: (id) => served.get(id),
      // An import is add-only: nothing it lacks is deleted.
      alive: () => true,
      close: async () => {},
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The campaign

export interface CampaignOptions {
  /** Cases run at once (each is a few git processes and a loopback server). */
  concurrency?: number;
  sources?: SourceName[];
  /** Only cases whose input contains this text. */
  only?: string;
  onResult?: (r: CaseResult) => void;
}

export const allCases: HostileCase[] = [...damasCases, ...pivotalCases, ...syncDataCases];

/** Runs every case of the selected sources; results in table order. */
export async function runHostileSources(opts: CampaignOptions = {}): Promise<CaseResult[]> {
  const sources = opts.sources ?? ['damas', 'pivotal', 'projectplace-sync'];
  const pick = <T extends HostileCase>(list: T[]) => list.filter((c) => sources.includes(c.source) && (!opts.only || c.input.includes(opts.only)));
  const jobs: Array<{ c: HostileCase; run: () => Promise<CaseResult> }> = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const dc = pick(damasCases);
    if (dc.length) {
      const base = await damasBaseline();
      cleanups.push(base.cleanup);
      for (const c of dc) jobs.push({ c, run: () => runCase(c, base, prepareDamas(c, base)) });
    }
    const pc = pick(pivotalCases);
    if (pc.length) {
      const base = await pivotalBaseline();
      cleanups.push(base.cleanup);
      pc.forEach((c, i) => jobs.push({ c, run: () => runCase(c, base, preparePivotal(c, base, i)) }));
    }
    const sc = pick(syncDataCases);
    if (sc.length) {
      const base = await syncDataBaseline();
      cleanups.push(base.cleanup);
      sc.forEach((c, i) => jobs.push({ c, run: () => runCase(c, base, prepareSyncData(c, base, i)) }));
    }
    const results: CaseResult[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        try {
          results[i] = await job.run();
        } catch (e) {
          // A harness failure is a result too (unclear), so one broken case does not hide the others.
          results[i] = {
            hostile: job.c,
            outcome: 'unclear',
            detail: `the campaign could not run this case: ${(e as Error).stack ?? e}`,
            headBefore: undefined,
            headAfter: undefined,
            wrongBytes: [],
            unsafe: [],
            outside: [],
            lost: [],
            next: { complete: false, error: 'not run', wrongBytes: [] },
            ms: 0,
          };
        }
        opts.onResult?.(results[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
    return results;
  } finally {
    for (const c of cleanups) await c();
  }
}

/** The Markdown table, in the style of RELIABILITY.md's hostile table. */
export function markdownTable(results: CaseResult[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '| source | hostile input | outcome | wrong bytes committed | unsafe paths | paths outside the repo | entries lost or wrongly marked deleted | next clean run |',
    '|---|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.hostile.source} | ${esc(r.hostile.input)} | ${r.outcome} | ${r.wrongBytes.length} | ${r.unsafe.length} | ${r.outside.length} | ${r.lost.length} | ${r.next.complete && r.next.wrongBytes.length === 0 ? 'completed' : 'did not complete'} |`,
    );
  }
  return lines.join('\n');
}
