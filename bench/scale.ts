// Benchmark at account scale (issue 7): initial backup, nightly runs, state rebuild and render of one large account,
// each beside the stages it is made of, measured alone in the same run on the same bytes.
//
// Usage: node bench/scale.ts [--documents 100000] [--workspaces 2000] [--size-scale 0.35] [--large 2147483648,...]
//
// The simulator runs in its own process (bench/sim-host.ts) so it does not share this process's event loop; the
// sync runs as the CLI does, in a child process measured by bench/measured-sync.ts (wall time and peak RSS).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs, promisify } from 'node:util';
import { StateDb } from '../src/engine/state.ts';
import { readManifests } from '../src/engine/manifest.ts';
import { FastImport, type FileChange } from '../src/engine/store/fast-import.ts';
import { laneMin, laneSegment } from '../src/engine/sync.ts';
import type { Entry } from '../src/engine/entry.ts';
import { Git } from '../src/engine/store/git.ts';
import { SimControl } from '../src/sim/control-client.ts';
import { tunedEnv, tunedHeapFlags } from '../src/lib/tuned-heap.ts';

const run = promisify(execFile);
const repoRoot = new URL('..', import.meta.url).pathname;
const node = process.execPath;
const { values: o } = parseArgs({
  options: {
    documents: { type: 'string', default: '100000' },
    workspaces: { type: 'string', default: '2000' },
    'size-scale': { type: 'string', default: '0.35' },
    large: { type: 'string', default: [2 * 1024 ** 3, 1024 ** 3, 500e6, 300e6, 200e6, 100e6, 100e6].map((n) => Math.round(n)).join(',') },
    work: { type: 'string', default: join(repoRoot, '.tmp', 'bench-scale') },
    keep: { type: 'boolean', default: false },
  },
});
const lfsThreshold = 50 * 1024 * 1024;
const concurrency = 4;
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));
const mib = (b: number) => b / 1024 ** 2;
const results: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10), documents: Number(o.documents), workspaces: Number(o.workspaces) };
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

rmSync(o.work!, { recursive: true, force: true });
mkdirSync(o.work!, { recursive: true });
const sim = await startSimHost();
try {
  const control = new SimControl(sim.url);
  const repo = join(o.work!, 'repo');
  const config = join(o.work!, 'backup.json');
  writeFileSync(config, JSON.stringify({ host: sim.url, 'client-id': sim.credentials.clientId, 'client-secret': sim.credentials.clientSecret, 'repo-path': repo, concurrency }));
  // The repository as the Action has it (examples/backup.yml): sparse, only the manifest and .gitattributes checked
  // out, so the run writes no document into a working tree. The CLI's full working tree is timed on its own (step 7).
  mkdirSync(repo, { recursive: true });
  await run('git', ['init', '-q', '-b', 'main', repo]);
  await run('git', ['-C', repo, 'sparse-checkout', 'set', '--no-cone', '.workspace-backup/', '.gitattributes']);

  // 1. Initial backup.
  log('initial backup…');
  await control.clearRequests();
  const initial = await measuredSync(config);
  const initialCalls = await apiCalls(control);
  const bytes = initial.report.bytesDownloaded;
  results.initial = {
    seconds: initial.seconds,
    mebibytes: Number(mib(bytes).toFixed(0)),
    mibPerSecond: Number((mib(bytes) / initial.seconds).toFixed(1)),
    documents: initial.report.documentsDownloaded,
    commits: initial.report.commits,
    commitsPerSecond: Number((initial.report.commits / initial.seconds).toFixed(0)),
    apiCalls: initialCalls,
    peakRssMiB: Number(mib(initial.maxRssBytes).toFixed(1)),
    complete: initial.report.complete,
  };
  log(`initial: ${JSON.stringify(results.initial)}`);

  // 2. The stages alone, on the same bytes, in the same run.
  const files = join(o.work!, 'download');
  const docIds = (await control.state()).items.filter((i) => i.kind === 'document' && !i.deleted).map((i) => i.id);
  log('stage: raw download with curl…');
  results.stageDownload = await curlAll(sim, docIds, files);
  log('stage: sha256…');
  results.stageSha256 = await hashAll(files);
  log('stage: store (git fast-import with the engine settings, one commit per document at the engine paths)…');
  const initialHead = (await new Git(repo).resolve('HEAD'))!;
  results.stageStore = await storeAll(files, await readManifests(new Git(repo), initialHead, 'projectplace'));
  log(`stages: ${JSON.stringify({ d: results.stageDownload, h: results.stageSha256, s: results.stageStore })}`);
  rmSync(files, { recursive: true, force: true });

  // 3. Nightly, nothing changed.
  log('nightly, nothing changed…');
  await control.clearRequests();
  const idle = await measuredSync(config);
  results.nightlyUnchanged = { seconds: idle.seconds, apiCalls: await apiCalls(control), downloads: idle.report.documentsDownloaded, commits: idle.report.commits, peakRssMiB: Number(mib(idle.maxRssBytes).toFixed(1)) };
  log(`nightly unchanged: ${JSON.stringify(results.nightlyUnchanged)}`);

  // 4. Nightly, 1% of documents changed.
  const changed = docIds.filter((_, i) => i % 100 === 7);
  for (const id of changed) await control.mutate({ op: 'edit', id });
  await control.clearRequests();
  log(`nightly, ${changed.length} documents changed…`);
  const onePct = await measuredSync(config);
  results.nightlyOnePercent = { changed: changed.length, seconds: onePct.seconds, apiCalls: await apiCalls(control), downloads: onePct.report.documentsDownloaded, commits: onePct.report.commits, peakRssMiB: Number(mib(onePct.maxRssBytes).toFixed(1)) };
  log(`nightly 1%: ${JSON.stringify(results.nightlyOnePercent)}`);

  // 5. State rebuild from the manifest (the cache was lost), alone, then as part of a nothing-changed run.
  const git = new Git(repo);
  const statePath = join(await git.gitDir(), 'workspace-backup', 'state.db');
  const rebuildPath = join(o.work!, 'rebuild.db');
  let t0 = performance.now();
  const { state } = StateDb.open(rebuildPath);
  const head = (await git.resolve('HEAD'))!;
  const entries = await readManifests(git, head, 'projectplace');
  state.replaceAll('projectplace', entries, head);
  state.close();
  const rebuildAlone = seconds(t0);
  rmSync(statePath, { force: true });
  await control.clearRequests();
  const rebuilt = await measuredSync(config);
  results.stateRebuild = { entries: entries.length, rebuildSeconds: rebuildAlone, nothingChangedRunWithoutStateSeconds: rebuilt.seconds, downloads: rebuilt.report.documentsDownloaded };
  log(`state rebuild: ${JSON.stringify(results.stateRebuild)}`);

  // 6. Render.
  // As `workspace-backup render` runs it (the CLI's heap flags, as the Action's), with its peak RSS.
  const full = await measuredRender(repo);
  const unchanged = await measuredRender(repo);
  results.render = { fullSeconds: full.seconds, fullMaxRssMiB: Number(mib(full.maxRssBytes).toFixed(1)), unchangedSeconds: unchanged.seconds, unchangedMaxRssMiB: Number(mib(unchanged.maxRssBytes).toFixed(1)) };
  log(`render: ${JSON.stringify(results.render)}`);

  // 7. The CLI's working tree: every document written out as a file (LFS ones smudged), which a local backup
  // (workspace-backup sync without sparse checkout) does at the end of its first run.
  log('working tree (what the CLI adds: every document checked out)…');
  t0 = performance.now();
  await run('git', ['-C', repo, '-c', 'core.packedGitWindowSize=32m', '-c', 'core.packedGitLimit=192m', 'sparse-checkout', 'disable'], { maxBuffer: 64 * 1024 * 1024 });
  results.workingTree = { seconds: seconds(t0) };
  log(`working tree: ${JSON.stringify(results.workingTree)}`);

  console.log(JSON.stringify(results, null, 2));
} finally {
  sim.child.kill('SIGTERM');
  if (!o.keep) rmSync(o.work!, { recursive: true, force: true });
}

interface SimHost {
  url: string;
  credentials: { clientId: string; clientSecret: string };
  child: ChildProcess;
}

async function startSimHost(): Promise<SimHost> {
  const child = spawn(node, [join(repoRoot, 'bench/sim-host.ts'), o.documents!, o.workspaces!, o['size-scale']!, o.large!], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) {
      const info = JSON.parse(line) as Omit<SimHost, 'child'> & { documents: number; bytes: number };
      log(`simulator: ${info.documents} documents, ${mib(info.bytes).toFixed(0)} MiB at ${info.url}`);
      results.account = { documents: info.documents, gibibytes: Number((info.bytes / 1024 ** 3).toFixed(2)) };
      return { ...info, child };
    }
  }
  throw new Error('the simulator host ended before it was ready');
}

/** One CLI command in bench/measured-sync.ts with the CLI's heap flags and environment: its stdout, and what it measured of itself. */
async function measured(what: string, args: string[], maxBuffer: number) {
  const r = await run(node, [...tunedHeapFlags, join(repoRoot, 'bench/measured-sync.ts'), ...args], { maxBuffer, env: { ...process.env, ...tunedEnv } }).catch((e: { stdout: string; stderr: string }) => {
    throw new Error(`${what} failed: ${e.stderr.slice(-2000)}`);
  });
  const m = JSON.parse(/MEASURED (.*)/.exec(r.stderr)![1]!) as { code: number; maxRssBytes: number; seconds: number };
  return { stdout: r.stdout, measured: { ...m, seconds: Number(m.seconds.toFixed(2)) } };
}

async function measuredSync(config: string) {
  const { stdout, measured: m } = await measured('sync', ['sync', '--config', config, '--json', '--quiet'], 1024 * 1024 * 1024);
  const report = JSON.parse(stdout) as { bytesDownloaded: number; documentsDownloaded: number; commits: number; complete: boolean };
  return { ...m, report };
}

async function measuredRender(repo: string) {
  return (await measured('render', ['render', '--repo', repo], 64 * 1024 * 1024)).measured;
}

async function apiCalls(control: SimControl): Promise<Record<string, number>> {
  const calls = await control.requests();
  const out: Record<string, number> = { total: calls.length };
  for (const c of calls) {
    const kind = c.path.startsWith('/1/documents/') ? 'downloads' : c.path.startsWith('/oauth') ? 'auth' : 'listing';
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

/** Baseline: curl fetching every document to files on the same disk, as many at once as the engine. */
async function curlAll(s: SimHost, ids: number[], dir: string) {
  mkdirSync(dir, { recursive: true });
  const token = (JSON.parse((await run('curl', ['-s', '-X', 'POST', `${s.url}/oauth2/access_token`, '-d', `grant_type=client_credentials&client_id=${s.credentials.clientId}&client_secret=${s.credentials.clientSecret}`])).stdout) as { access_token: string }).access_token;
  const list = join(o.work!, 'curl.txt');
  writeFileSync(list, ids.map((id) => `url = "${s.url}/1/documents/${id}"\noutput = "${join(dir, String(id))}"\n`).join(''));
  const t0 = performance.now();
  await run('curl', ['-s', '-f', '--parallel', '--parallel-max', String(concurrency), '-H', `Authorization: Bearer ${token}`, '-K', list], { maxBuffer: 64 * 1024 * 1024 });
  const secs = seconds(t0);
  const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { seconds: secs, mibPerSecond: Number((mib(bytes) / secs).toFixed(1)), documents: ids.length };
}

/** Stage: sha256 of the same files in this process (the engine hashes on its main thread as bytes arrive). */
async function hashAll(dir: string) {
  const t0 = performance.now();
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    const h = createHash('sha256');
    await pipeline(createReadStream(join(dir, f)), async function* (src) {
      for await (const chunk of src) {
        bytes += (chunk as Buffer).length;
        h.update(chunk as Buffer);
      }
    });
    h.digest();
  }
  const secs = seconds(t0);
  return { seconds: secs, mibPerSecond: Number((mib(bytes) / secs).toFixed(1)) };
}

/**
 * Stage: storing through the engine's own FastImport (same settings), one commit per document, each at the path the
 * engine gave it (read from the manifest the initial backup wrote), in the engine's order, on lanes as the engine
 * makes them (a side branch per workspace gaining `laneMin` or more documents, merged once: src/engine/sync.ts Store);
 * LFS-sized files skipped (the engine renames those into the LFS store: no copy, no git work). Then the same files
 * again in one bulk commit, which shows what committing each document costs.
 */
async function storeAll(dir: string, placed: Entry[]) {
  const who = { name: 'bench', email: 'bench@example.invalid', date: new Date() };
  const docs = placed.filter((e) => e.kind === 'document' && !e.lfs && !e.deletedAt);
  const one = async (bulk: boolean) => {
    const target = join(o.work!, bulk ? 'store-bulk' : 'store-repo');
    mkdirSync(target, { recursive: true });
    const git = await Git.init(target, 'main');
    const t0 = performance.now();
    const fi = await FastImport.start(git, 'refs/heads/main', undefined);
    let bytes = 0;
    const changes: FileChange[] = [];
    const perContainer = new Map<string, number>();
    for (const e of docs) perContainer.set(e.container, (perContainer.get(e.container) ?? 0) + 1);
    const lanes = new Map<string, { n: number; files: Array<{ path: string; mark: number }> }>();
    if (!bulk) await fi.commit({ author: who, committer: who, message: 'Begin', changes: [] });
    for (const e of docs) {
      const file = join(dir, e.id);
      const size = statSync(file).size;
      bytes += size;
      if (bulk) {
        changes.push({ op: 'put', path: e.path, file, size });
        continue;
      }
      if ((perContainer.get(e.container) ?? 0) >= laneMin) {
        const mark = await fi.blob({ file, size });
        let lane = lanes.get(e.container);
        if (!lane) lanes.set(e.container, (lane = { n: lanes.size + 1, files: [] }));
        // Segments of laneSegment documents, each a branch of its own, as the engine cuts them.
        const segment = Math.floor(lane.files.length / laneSegment) + 1;
        await fi.commit({ ref: `refs/lanes/${lane.n}-${segment}`, author: who, committer: who, message: `Add ${e.name}`, changes: [{ op: 'mark', path: e.path, mark }] });
        lane.files.push({ path: e.path, mark });
      } else {
        await fi.commit({ author: who, committer: who, message: `Add ${e.name}`, changes: [{ op: 'put', path: e.path, file, size }] });
      }
    }
    for (const lane of lanes.values()) {
      const merge = Array.from({ length: Math.ceil(lane.files.length / laneSegment) }, (_, k) => `refs/lanes/${lane.n}-${k + 1}`);
      await fi.commit({ merge, author: who, committer: who, message: `Add ${lane.files.length} documents`, changes: lane.files.map((f) => ({ op: 'mark', path: f.path, mark: f.mark })) });
    }
    if (bulk) await fi.commit({ author: who, committer: who, message: `Add ${changes.length} documents`, changes });
    const commits = fi.commits;
    await fi.finish(git);
    const secs = seconds(t0);
    rmSync(target, { recursive: true, force: true });
    return { seconds: secs, mibPerSecond: Number((mib(bytes) / secs).toFixed(1)), documents: docs.length, ...(bulk ? {} : { commits, documentCommitsPerSecond: Number((docs.length / secs).toFixed(0)) }) };
  };
  return { perDocument: await one(false), oneCommit: await one(true) };
}
