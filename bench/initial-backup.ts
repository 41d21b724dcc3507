// Benchmark: an initial backup of N documents, beside raw curl of the same bytes and plain `git add && git commit` of the same files.
// Usage: npm run bench:initial [-- <documents>]   (default 1000)

import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProjectplaceConnector } from '../src/connectors/projectplace/index.ts';
import { sync } from '../src/engine/sync.ts';
import { RateLimiter } from '../src/lib/http/limiter.ts';
import { startProjectplaceSim } from '../src/sim/projectplace/index.ts';

// The simulator runs in this process, so every client runs asynchronously beside it.
const run = promisify(execFile);
const documents = Number(process.argv[2] ?? 1000);
const sim = await startProjectplaceSim({ seed: 1, workspaces: 3, documents, hostileNames: false });
const work = mkdtempSync(join(tmpdir(), 'wb-bench-initial-'));
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));
try {
  const c = sim.credentials;
  const connector = new ProjectplaceConnector(
    { host: sim.url, auth: { kind: 'oauth2', clientId: c.clientId, clientSecret: c.clientSecret } },
    { limiter: new RateLimiter({ concurrency: 4 }) },
  );
  const repo = join(work, 'repo');
  let t0 = performance.now();
  const report = await sync({ connector, repoDir: repo, concurrency: 4 });
  const syncSeconds = seconds(t0);
  if (!report.complete) throw new Error(JSON.stringify(report.failures));

  // Baseline 1: curl fetching the same documents, 4 at a time, in one process.
  const token = (JSON.parse(
    (await run('curl', ['-s', '-X', 'POST', `${sim.url}/oauth2/access_token`, '-d', `grant_type=client_credentials&client_id=${c.clientId}&client_secret=${c.clientSecret}`])).stdout,
  ) as { access_token: string }).access_token;
  const ids = report.changes.filter((ch) => ch.kind === 'document').map((ch) => ch.id);
  const list = join(work, 'curl.txt');
  writeFileSync(list, ids.map((id) => `url = "${sim.url}/1/documents/${id}"\noutput = "/dev/null"\n`).join(''));
  t0 = performance.now();
  await run('curl', ['-s', '-f', '--parallel', '--parallel-max', '4', '-H', `Authorization: Bearer ${token}`, '-K', list], { maxBuffer: 64 * 1024 * 1024 });
  const curlSeconds = seconds(t0);

  // Baseline 2: plain git on the same files (one add, one commit, default settings).
  const plain = join(work, 'plain');
  cpSync(join(repo, 'Projectplace'), join(plain, 'Projectplace'), { recursive: true });
  await run('git', ['init', '-q', plain]);
  t0 = performance.now();
  await run('git', ['-C', plain, 'add', '-A'], { maxBuffer: 64 * 1024 * 1024 });
  await run('git', ['-C', plain, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'all']);
  const gitSeconds = seconds(t0);

  const mib = report.bytesDownloaded / 1024 ** 2;
  console.log(JSON.stringify({
    documents: report.documentsDownloaded,
    mebibytes: Number(mib.toFixed(1)),
    commits: report.commits,
    syncSeconds,
    syncDocsPerSecond: Number((report.documentsDownloaded / syncSeconds).toFixed(0)),
    curlSeconds,
    plainGitAddCommitSeconds: gitSeconds,
  }, null, 2));
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
