// Fault and hostile-input campaigns: scenarios (what the service does wrong during a run) and the runner that judges
// each run: finished or failed clearly, no wrong byte committed, nothing lost, nothing outside the repo, and the next
// run (service healthy again) completes with the repo equal to the service. Used by test/reliability/*.test.ts (a
// short selection) and scripts/campaign-faults.ts (all of them, larger accounts, several seeds).

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ProjectplaceConnector, type ProjectplaceSettings } from '../../src/connectors/projectplace/index.ts';
import type { SyncReport } from '../../src/engine/sync.ts';
import { SimControl, type SimDump } from '../../src/sim/control-client.ts';
import type { SimOptions } from '../../src/sim/projectplace/index.ts';
import { mulberry32, type Rng } from '../../src/sim/projectplace/prng.ts';
import { runSync, startSim, tempDir, type SimFixture } from '../helpers/env.ts';
import { checkCommittedBytes, compareWithSim, differences, lostSince, outsideRepo, SimView, snapshotRepo, unsafePaths, type RepoSnapshot } from './repo-check.ts';
import { syncInWorker, type WorkerResult } from './sync-worker.ts';

export interface CampaignSize {
  documents: number;
  workspaces: number;
}

export interface ScenarioContext {
  fx: SimFixture;
  control: SimControl;
  /** The simulator's state when the step starts. */
  dump: SimDump;
  rng: Rng;
}

export type Phase = 'empty' | 'baseline';

export interface Scenario {
  /** Unique, used as the test name. */
  id: string;
  group: 'transport' | 'mid-run' | 'hostile' | 'names';
  /** Table column "fault". */
  fault: string;
  /** Table column "rate": a probability, "always", "first 2", or "-". */
  rate: string;
  auth?: 'oauth1' | 'oauth2';
  /** `empty`: the run under test is the first backup; `baseline`: it follows a complete backup and some changes. */
  phases: Phase[];
  settings?: Partial<ProjectplaceSettings>;
  sim?: Partial<SimOptions>;
  /** Changes made in the service before the run under test (baseline phase); default: standardChanges. */
  changes?: (ctx: ScenarioContext) => Promise<void>;
  /** Sets faults and triggers just before the run under test. */
  arm: (ctx: ScenarioContext) => Promise<void>;
  /**
   * Run the run under test in a worker thread (a process-killing crash becomes an outcome). Default for body faults,
   * where undici 7.x can crash (see undici-backpressure.test.ts); runScenario's `isolate` option overrides it.
   */
  isolate?: boolean;
}

export type RunResult = 'finished' | 'failed-clearly' | 'unclear';

export interface RunOutcome {
  scenario: Scenario;
  seed: number;
  phase: Phase;
  result: RunResult;
  /** The error, or the failures of an incomplete run, or why the result is unclear. */
  detail: string;
  report?: SyncReport;
  error?: Error;
  headBefore: string | undefined;
  headAfter: string | undefined;
  /** Wrong or missing bytes at the head after the run under test (and hashes in the manifest's history never served). */
  wrongBytes: string[];
  unsafe: string[];
  outside: string[];
  /** Documents backed up before the run that it lost, or marked deleted while still in the service. */
  lost: string[];
  /** What the simulator did during the run under test. */
  stats: { requests: number; faultsFired: number; triggersFired: number; triggerErrors: string[]; status401: number; status429: number; status5xx: number; tokenFetches: number; lfsFiles: number };
  /** The next run, with the service healthy again. */
  next: { complete: boolean; error?: string; differences: string[]; wrongBytes: string[] };
  ms: number;
}

/** Problems that make the campaign fail: anything but "finished" or "failed clearly", a wrong byte, a loss. */
export function problems(o: RunOutcome): string[] {
  const out: string[] = [];
  if (o.result === 'unclear') out.push(`unclear outcome: ${o.detail}`);
  for (const x of o.wrongBytes) out.push(`wrong bytes: ${x}`);
  for (const x of o.unsafe) out.push(`unsafe path: ${x}`);
  for (const x of o.outside) out.push(`written outside the repo: ${x}`);
  for (const x of o.lost) out.push(`lost: ${x}`);
  if (!o.next.complete) out.push(`the next run did not complete: ${o.next.error ?? 'incomplete'}`);
  for (const x of o.next.wrongBytes) out.push(`wrong bytes after the next run: ${x}`);
  for (const x of o.next.differences) out.push(`after the next run the repo differs from the service: ${x}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Running one scenario

// Tests do not sleep production backoffs; Retry-After is still honoured (capped at 4 × maxDelayMs).
const fastRetry = { attempts: 8, baseDelayMs: 20, maxDelayMs: 250 };
/** Documents above this go to git LFS in campaign runs, so pointers and LFS objects are exercised under faults too. */
export const campaignLfsThreshold = 256 * 1024;

function settingsFor(fx: SimFixture, auth: 'oauth1' | 'oauth2', settings: Partial<ProjectplaceSettings> = {}): ProjectplaceSettings {
  const c = fx.sim.credentials;
  return {
    host: fx.sim.url,
    auth:
      auth === 'oauth1'
        ? { kind: 'oauth1', consumerKey: c.consumerKey, consumerSecret: c.consumerSecret, accessToken: c.accessToken, accessTokenSecret: c.accessTokenSecret }
        : { kind: 'oauth2', clientId: c.clientId, clientSecret: c.clientSecret },
    ...settings,
  };
}

function fastConnector(fx: SimFixture, auth: 'oauth1' | 'oauth2', settings: Partial<ProjectplaceSettings> = {}): ProjectplaceConnector {
  return new ProjectplaceConnector(settingsFor(fx, auth, settings), { retry: fastRetry });
}

const typedErrors = new Set(['ServiceError', 'TransferError', 'AuthError', 'ConfigError', 'DiskFullError', 'GitError']);

/** Why a message is not a clear one for a person (undefined when it is). */
export function unclearMessage(message: string, secrets: string[]): string | undefined {
  if (!message.trim()) return 'an empty message';
  if (message.length > 700) return `a message of ${message.length} characters (a whole body?)`;
  for (const s of secrets) if (s && message.includes(s)) return 'a message that contains a credential';
  if (/\[object Object\]|Cannot read propert|is not a function|is not iterable|undefined \(reading/.test(message)) return `a message that looks like a bug: ${message.slice(0, 200)}`;
  return undefined;
}

function secretsOf(fx: SimFixture): string[] {
  const c = fx.sim.credentials;
  return [c.consumerSecret, c.accessTokenSecret, c.accessToken, c.clientSecret, ...fx.sim.state.auth.tokens.keys()];
}

function judge(fx: SimFixture, report: SyncReport | undefined, error: unknown, crash?: WorkerResult & { kind: 'crash' }): { result: RunResult; detail: string } {
  const secrets = secretsOf(fx);
  if (crash) return { result: 'unclear', detail: `the run crashed its process: ${crash.name}: ${crash.message.replace(/\s+/g, ' ').slice(0, 200)} ${crash.stack.split('\n').find((l) => /^\s+at /.test(l))?.trim() ?? ''}` };
  if (error !== undefined) {
    const e = error as Error;
    const name = e?.name ?? typeof e;
    const why = unclearMessage(String(e?.message ?? e), secrets);
    if (!typedErrors.has(name)) return { result: 'unclear', detail: `threw ${name}: ${String(e?.message ?? e).slice(0, 300)}` };
    if (why) return { result: 'unclear', detail: `threw ${name} with ${why}` };
    return { result: 'failed-clearly', detail: `${name}: ${e.message}` };
  }
  const r = report!;
  if (r.complete) return { result: 'finished', detail: '' };
  if (r.failures.length === 0 && r.counts.skipped === 0) return { result: 'unclear', detail: 'incomplete without a failure or a skipped document' };
  for (const f of r.failures) {
    const why = unclearMessage(f.error, secrets);
    if (why) return { result: 'unclear', detail: `failure of ${f.action} ${f.path} has ${why}` };
  }
  return { result: 'failed-clearly', detail: r.failures.map((f) => `${f.action} ${f.path}: ${f.error}`).join(' | ').slice(0, 600) };
}

/**
 * Runs a scenario: for each phase, the run under test (with the scenario's faults armed), its checks, then a clean run
 * and its checks. One outcome per phase.
 */
export async function runScenario(s: Scenario, seed: number, size: CampaignSize, opts: { isolate?: boolean } = {}): Promise<RunOutcome[]> {
  const isolate = opts.isolate ?? s.isolate ?? false;
  // One document above the LFS threshold in every account, beside whatever the generator makes large.
  const fx = await startSim({ seed, documents: size.documents, workspaces: size.workspaces, largeDocuments: [400_000], ...s.sim });
  const box = await tempDir('wb-campaign-');
  const repo = join(box, 'repo');
  const auth = s.auth ?? 'oauth1';
  const rng = mulberry32(seed * 7919 + s.id.length);
  const outcomes: RunOutcome[] = [];
  const clean = () => runSync(fx.sim, repo, { connector: fastConnector(fx, auth, s.settings), lfsThreshold: campaignLfsThreshold });
  const ctx = async (): Promise<ScenarioContext> => ({ fx, control: fx.control, dump: await fx.control.state(), rng });
  let keep = false;
  try {
    let backedUp = false;
    for (const phase of s.phases) {
      if (phase === 'baseline') {
        if (!backedUp) {
          const base = await clean();
          if (!base.complete) throw new Error(`scenario ${s.id}: the baseline run did not complete: ${JSON.stringify(base.failures)}`);
        }
        await (s.changes ?? standardChanges)(await ctx());
      }
      const before = await snapshotRepo(repo);
      const started = Date.now();
      await fx.control.clearRequests();
      await s.arm(await ctx());
      let report: SyncReport | undefined;
      let error: unknown;
      let crash: (WorkerResult & { kind: 'crash' }) | undefined;
      if (isolate) {
        // In a worker thread: a run that crashes its process is recorded, and the checks below still run.
        const r = await syncInWorker({ settings: settingsFor(fx, auth, s.settings), repoDir: repo, retry: fastRetry, lfsThreshold: campaignLfsThreshold });
        if (r.kind === 'report') report = r.report;
        else if (r.kind === 'error') error = Object.assign(new Error(r.message), { name: r.name });
        else crash = r;
      } else {
        try {
          report = await runSync(fx.sim, repo, { connector: fastConnector(fx, auth, s.settings), lfsThreshold: campaignLfsThreshold });
        } catch (e) {
          error = e;
        }
      }
      const ms = Date.now() - started;
      const log = await fx.control.requests();
      const faults = await fx.control.faultStatus();
      const triggers = await fx.control.triggerStatus();
      const stats: RunOutcome['stats'] = {
        requests: log.length,
        faultsFired: faults.fired.reduce((a, b) => a + b, 0),
        triggersFired: triggers.fired.filter((f) => f !== null).length,
        triggerErrors: triggers.fired.flatMap((f) => f?.errors ?? []),
        status401: log.filter((r) => r.status === 401).length,
        status429: log.filter((r) => r.status === 429).length,
        status5xx: log.filter((r) => r.status >= 500).length,
        tokenFetches: log.filter((r) => r.path === '/oauth2/access_token').length,
        lfsFiles: 0,
      };
      await fx.control.clearFaults();
      await fx.control.clearTriggers();
      const { result, detail } = judge(fx, report, error, crash);
      const view = new SimView(fx.control);
      const after = await snapshotRepo(repo);
      const bytes = await checkCommittedBytes(after, view);
      stats.lfsFiles = [...after.files.values()].filter((f) => f.lfs).length;
      const loss = await lostSince(before, after, view);
      const outcome: RunOutcome = {
        scenario: s,
        seed,
        phase,
        result,
        detail,
        report,
        error: error as Error | undefined,
        headBefore: before.head,
        headAfter: after.head,
        wrongBytes: [...bytes.wrongBytes, ...bytes.missing, ...bytes.unknownFiles, ...bytes.wrongInHistory],
        unsafe: unsafePaths(after),
        outside: outsideRepo(box),
        lost: [...loss.lost, ...loss.wronglyDeleted],
        stats,
        next: { complete: false, differences: [], wrongBytes: [] },
        ms,
      };
      try {
        const next = await clean();
        outcome.next.complete = next.complete;
        if (!next.complete) outcome.next.error = JSON.stringify(next.failures).slice(0, 500);
      } catch (e) {
        outcome.next.error = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const healed = await snapshotRepo(repo);
      const healedView = new SimView(fx.control);
      const hb = await checkCommittedBytes(healed, healedView);
      outcome.next.wrongBytes = [...hb.wrongBytes, ...hb.missing, ...hb.unknownFiles, ...hb.wrongInHistory];
      outcome.next.differences = differences(await compareWithSim(healed, healedView));
      backedUp = outcome.next.complete;
      if (problems(outcome).length > 0) keep = true;
      outcomes.push(outcome);
    }
  } finally {
    await fx.close();
    if (!keep) await rm(box, { recursive: true, force: true });
    else for (const o of outcomes) o.detail += ` [repo kept at ${repo}]`;
  }
  return outcomes;
}

// ---------------------------------------------------------------------------------------------------------------
// Changes in the service between runs

type DumpItem = SimDump['items'][number];

function liveDocs(dump: SimDump): DumpItem[] {
  return dump.items.filter((i) => i.kind === 'document').sort((a, b) => a.id - b.id);
}

function takeDistinct<T>(rng: Rng, list: T[], n: number): T[] {
  const pool = [...list];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}

/** An ordinary day in the service: 3 edits, 2 new documents, a rename, a move into a folder, a deletion. */
export async function standardChanges(ctx: ScenarioContext): Promise<void> {
  const { control, dump, rng } = ctx;
  const docs = takeDistinct(rng, liveDocs(dump), 6);
  const [e1, e2, e3, renamed, moved, deleted] = docs;
  for (const d of [e1, e2, e3]) if (d) await control.mutate({ op: 'edit', id: d.id, size: 1000 + Math.floor(rng() * 50_000) });
  const ws = dump.workspaces.filter((w) => !w.archived)[0] ?? dump.workspaces[0]!;
  const folder = dump.items.find((i) => i.kind === 'folder' && i.workspaceId === ws.id);
  await control.mutate({ op: 'add', workspaceId: ws.id, parentId: null, kind: 'document', name: `New at root ${dump.items.length}.txt`, size: 3000 });
  if (folder) await control.mutate({ op: 'add', workspaceId: ws.id, parentId: folder.id, kind: 'document', name: `New in folder ${dump.items.length}.docx`, size: 70_000 });
  if (renamed) await control.mutate({ op: 'rename', id: renamed.id, name: `Renamed ${renamed.id}.txt` });
  if (moved) {
    const target = dump.items.find((i) => i.kind === 'folder' && i.workspaceId === moved.workspaceId && i.id !== moved.parentId);
    if (target) await control.mutate({ op: 'move', id: moved.id, parentId: target.id });
  }
  if (deleted) await control.mutate({ op: 'delete', id: deleted.id });
}

async function noChanges(): Promise<void> {}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

const apiPaths = '^/(1|2|oauth2)/';

export const transportKinds = ['429', '500', '502', '503', 'reset', 'slow', 'short'] as const;

/** A transport fault on every API request (listings, downloads, tokens) at this rate. */
export function transportScenario(kind: (typeof transportKinds)[number], rate: number): Scenario {
  const rule: Record<string, unknown> = { path: apiPaths, kind, rate };
  if (kind === '429') rule.retryAfter = 1;
  if (kind === '503') rule.retryAfter = 0;
  if (kind === 'slow') Object.assign(rule, { chunkBytes: 16 * 1024, delayMs: 2 });
  return {
    id: `${kind} at ${rate}`,
    group: 'transport',
    fault: kind === '429' ? '429 + Retry-After: 1' : kind === 'slow' ? 'slow body' : kind === 'short' ? 'short body (FIN)' : kind === 'reset' ? 'reset mid-body (RST)' : kind,
    rate: String(rate),
    phases: ['empty', 'baseline'],
    isolate: kind === 'reset' || kind === 'short' || kind === 'slow',
    arm: (c) => c.control.faults([rule]),
  };
}

const download = '^/1/documents/(\\d+)$';

export const midRunScenarios: Scenario[] = [
  {
    id: 'document edited between listing and download',
    group: 'mid-run',
    fault: 'document edited between listing and download',
    rate: '-',
    phases: ['empty', 'baseline'],
    arm: (c) =>
      c.control.triggers([
        { path: download, nth: 1, mutations: [{ op: 'edit', id: '$1', size: 12_345 }] },
        { path: download, nth: 3, when: 'after', mutations: [{ op: 'edit', id: '$1' }] },
      ]),
  },
  {
    id: 'document deleted between listing and download',
    group: 'mid-run',
    fault: 'document deleted between listing and download',
    rate: '-',
    phases: ['empty', 'baseline'],
    arm: (c) =>
      c.control.triggers([
        { path: download, nth: 1, mutations: [{ op: 'delete', id: '$1' }] },
        { path: download, nth: 3, when: 'after', mutations: [{ op: 'delete', id: '$1' }] },
      ]),
  },
  {
    id: 'folder moved mid-run',
    group: 'mid-run',
    fault: 'folder moved mid-run (within and across workspaces)',
    rate: '-',
    phases: ['empty', 'baseline'],
    arm: async (c) => {
      const live = c.dump.workspaces.filter((w) => !w.archived);
      const [a, b] = live;
      const foldersOf = (ws: number) => c.dump.items.filter((i) => i.kind === 'folder' && i.workspaceId === ws);
      const inA = foldersOf(a!.id);
      const triggers: Array<Record<string, unknown>> = [];
      // After workspace A was listed: a folder of A moves to A's root (or into a sibling), another one into workspace B.
      if (inA[0]) {
        const sibling = inA.find((f) => f.id !== inA[0]!.id && f.parentId !== inA[0]!.id);
        triggers.push({ path: `^/1/projects/${a!.id}/documents$`, when: 'after', mutations: [inA[0].parentId === null && sibling ? { op: 'move', id: inA[0].id, parentId: sibling.id } : { op: 'move', id: inA[0].id, parentId: null }] });
      }
      if (inA[1] && b) triggers.push({ path: `^/1/projects/${a!.id}/documents$`, when: 'after', mutations: [{ op: 'move', id: inA[1].id, parentId: null, workspaceId: b.id }] });
      // When the second download starts: a folder of B moves under another of B's folders.
      const inB = b ? foldersOf(b.id) : [];
      if (inB.length >= 2) triggers.push({ path: download, nth: 2, mutations: [{ op: 'move', id: inB[0]!.id, parentId: inB[1]!.parentId === inB[0]!.id ? null : inB[1]!.id }] });
      if (triggers.length === 0) throw new Error('folder moved mid-run: the account has no folders to move');
      await c.control.triggers(triggers);
    },
  },
  {
    id: 'OAuth2 token expires mid-run',
    group: 'mid-run',
    fault: 'OAuth2 token expires mid-run (revoked, then clock past its lifetime)',
    rate: '-',
    auth: 'oauth2',
    phases: ['empty', 'baseline'],
    arm: (c) =>
      c.control.triggers([
        { path: '^/1/projects/\\d+/documents$', nth: 2, expireTokens: true },
        { path: download, nth: 2, expireTokens: true },
        { path: download, nth: 4, advanceClockSeconds: 31 * 86400 },
      ]),
  },
];

export const hostileEndpoints = {
  workspaces: '^/2/account/projects$',
  tree: '^/1/projects/\\d+/documents$',
  members: '^/1/account/members$',
  /** OAuth2 client credentials (the scenario runs with OAuth2). */
  token: '^/oauth2/access_token$',
} as const;
export type HostileEndpoint = keyof typeof hostileEndpoints;

export const hostileKinds = ['truncated-json', 'invalid-json', 'wrong-types:id-object', 'wrong-types:name-number', 'wrong-types:list-for-object', 'wrong-types:object-for-list', 'extra-fields', 'html-200', 'empty-200'] as const;
export type HostileKindName = (typeof hostileKinds)[number] | 'repeat-page' | 'endless-pages';

/** A hostile answer on one listing endpoint: `always` (rate 1), or only the first two answers (`first 2`), or a rate. */
export function hostileScenario(kind: HostileKindName, endpoint: HostileEndpoint, how: 'always' | 'first 2' | number): Scenario {
  const [k, variant] = kind.split(':') as [string, string | undefined];
  const rule: Record<string, unknown> = { path: hostileEndpoints[endpoint], kind: k };
  if (variant) rule.variant = variant;
  if (how === 'always') rule.rate = 1;
  else if (how === 'first 2') rule.count = 2;
  else rule.rate = how;
  const paging = k === 'repeat-page' || k === 'endless-pages';
  return {
    id: `${kind} on ${endpoint} (${how})`,
    group: 'hostile',
    fault: `${kind} on ${endpoint}`,
    rate: String(how),
    phases: ['baseline'],
    auth: endpoint === 'token' ? 'oauth2' : 'oauth1',
    // Small pages so that paging faults bite with a few workspaces; a low cap so "never ends" ends quickly.
    settings: paging ? { pageSize: 2, maxWorkspacePages: 30 } : {},
    changes: k === 'extra-fields' ? noChanges : standardChanges,
    arm: (c) => c.control.faults([rule]),
  };
}

/** Names a person would not give, but a service accepts: for workspaces, folders and documents. */
export const hostileNames = {
  workspaces: ['.git', '..', '.', 'CON', 'a/b', 'back\\slash', 'ctl\u0001\u001f\u007f', 'x'.repeat(300), 'é'.repeat(150), 'ALPHA', 'alpha', 'café', 'cafe\u0301', '.workspace-backup', 'Projectplace', '  ', '../../etc', 'line\nbreak', 'invoice\u202Efdp.exe', 'trailing dot.'],
  folders: ['..', '.', '.git', 'CON', 'x'.repeat(300), '.workspace-backup', 'a\\b', 'Same', 'same', 'nfc é', 'nfc e\u0301'],
  documents: ['.', '..', '.git', '.gitattributes', '.gitmodules', 'HEAD', 'README.md', 'readme.MD', 'é.txt', 'e\u0301.txt', 'y'.repeat(300) + '.pdf', 'NUL.txt', 'lpt1', 'tab\there.txt', '/etc/passwd', 'C:\\Windows\\win.ini'],
};

/** Adds workspaces, folders and documents with hostile names, and renames existing ones to hostile names. */
export async function hostileNameChanges(c: ScenarioContext): Promise<void> {
  const { control, dump } = c;
  const home = dump.workspaces.find((w) => !w.archived)!;
  for (const name of hostileNames.workspaces) {
    const ws = await control.mutate({ op: 'addWorkspace', name });
    await control.mutate({ op: 'add', workspaceId: ws, parentId: null, kind: 'document', name: 'inside.txt', size: 100 });
  }
  for (const name of hostileNames.folders) {
    const f = await control.mutate({ op: 'add', workspaceId: home.id, parentId: null, kind: 'folder', name });
    await control.mutate({ op: 'add', workspaceId: home.id, parentId: f, kind: 'document', name: `in ${name.slice(0, 20)}.txt`, size: 200 });
    await control.mutate({ op: 'add', workspaceId: home.id, parentId: f, kind: 'document', name: '..', size: 50 });
  }
  for (const name of hostileNames.documents) await control.mutate({ op: 'add', workspaceId: home.id, parentId: null, kind: 'document', name, size: 300 });
  // Renames of things already backed up.
  const docs = liveDocs(dump);
  const renames = ['..', '.git', 'CON', 'x'.repeat(300)];
  for (let i = 0; i < renames.length && i < docs.length; i++) await control.mutate({ op: 'rename', id: docs[i]!.id, name: renames[i]! });
  const other = dump.workspaces.find((w) => w.id !== home.id);
  if (other) await control.mutate({ op: 'renameWorkspace', workspaceId: other.id, name: '.git' });
  const folder = dump.items.find((i) => i.kind === 'folder');
  if (folder) await control.mutate({ op: 'rename', id: folder.id, name: '..' });
}

export const nameScenarios: Scenario[] = [
  {
    id: 'hostile names (new and renamed workspaces, folders, documents)',
    group: 'names',
    fault: 'hostile names: .git, .., ., CON, /, \\, control chars, 300 bytes, case and NFC/NFD twins',
    rate: '-',
    phases: ['baseline'],
    changes: hostileNameChanges,
    arm: async () => {},
  },
  {
    id: 'hostile names in the first backup',
    group: 'names',
    fault: 'hostile names in the first backup',
    rate: '-',
    phases: ['empty'],
    arm: async (c) => {
      await hostileNameChanges(c);
    },
  },
];

/** Every scenario of the long campaign. */
export function allScenarios(rates: number[]): Scenario[] {
  const out: Scenario[] = [];
  for (const kind of transportKinds) for (const rate of rates) out.push(transportScenario(kind, rate));
  out.push(...midRunScenarios);
  for (const endpoint of Object.keys(hostileEndpoints) as HostileEndpoint[]) {
    for (const kind of hostileKinds) for (const how of ['always', 'first 2', 0.3] as const) out.push(hostileScenario(kind, endpoint, how));
  }
  for (const how of ['always', 0.5] as const) {
    out.push(hostileScenario('repeat-page', 'workspaces', how));
    out.push(hostileScenario('endless-pages', 'workspaces', how));
  }
  out.push(...nameScenarios);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The table

export interface Row {
  fault: string;
  rate: string;
  runs: number;
  finished: number;
  failedClearly: number;
  unclear: number;
  wrongBytes: number;
  completedNext: number;
  lost: number;
}

export function tabulate(outcomes: RunOutcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const o of outcomes) {
    const key = `${o.scenario.fault}\u0000${o.scenario.rate}`;
    const r = rows.get(key) ?? { fault: o.scenario.fault, rate: o.scenario.rate, runs: 0, finished: 0, failedClearly: 0, unclear: 0, wrongBytes: 0, completedNext: 0, lost: 0 };
    r.runs++;
    if (o.result === 'finished') r.finished++;
    else if (o.result === 'failed-clearly') r.failedClearly++;
    else r.unclear++;
    if (o.wrongBytes.length + o.next.wrongBytes.length + o.unsafe.length + o.outside.length > 0) r.wrongBytes++;
    if (o.next.complete && o.next.differences.length === 0) r.completedNext++;
    if (o.lost.length > 0) r.lost++;
    rows.set(key, r);
  }
  return [...rows.values()];
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '| fault | rate | runs | finished | failed clearly | wrong bytes committed | completed next run | bytes lost |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const failed = r.unclear ? `${r.failedClearly} (+${r.unclear} unclear)` : String(r.failedClearly);
    lines.push(`| ${esc(r.fault)} | ${esc(r.rate)} | ${r.runs} | ${r.finished} | ${failed} | ${r.wrongBytes} | ${r.completedNext} | ${r.lost} |`);
  }
  return lines.join('\n');
}

export type { RepoSnapshot };
