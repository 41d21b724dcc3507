// Benchmark: back up one very large document (default 2 GiB) and report peak RSS and throughput, beside raw curl of the same bytes.
// Usage: npm run bench:large [-- <bytes>]

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProjectplaceSim } from '../src/sim/projectplace/index.ts';
import { tunedEnv, tunedHeapFlags } from '../src/lib/tuned-heap.ts';

// The simulator runs in this process, so the clients must run asynchronously beside it.
const run = promisify(execFile);
const size = Number(process.argv[2] ?? 2 * 1024 ** 3);
const sim = await startProjectplaceSim({ seed: 1, workspaces: 1, documents: 1, hostileNames: false, largeDocuments: [size] });
const work = mkdtempSync(join(tmpdir(), 'wb-bench-large-'));
try {
  const c = sim.credentials;
  const config = join(work, 'backup.json');
  writeFileSync(config, JSON.stringify({ host: sim.url, 'client-id': c.clientId, 'client-secret': c.clientSecret, 'repo-path': 'repo' }));
  const dump = (await (await fetch(`${sim.url}/__sim/state`)).json()) as { items: Array<{ id: number; kind: string; versions: Array<{ size: number }> }> };
  const big = dump.items.find((i) => i.kind === 'document' && i.versions.at(-1)!.size === size)!;

  // Baseline: curl fetching the same bytes with a bearer token, to /dev/null.
  const tokenJson = await run('curl', ['-s', '-X', 'POST', `${sim.url}/oauth2/access_token`, '-d', `grant_type=client_credentials&client_id=${c.clientId}&client_secret=${c.clientSecret}`]);
  const token = (JSON.parse(tokenJson.stdout) as { access_token: string }).access_token;
  const t0 = performance.now();
  await run('curl', ['-s', '-f', '-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, `${sim.url}/1/documents/${big.id}`]);
  const curlSeconds = (performance.now() - t0) / 1000;

  const synced = await run(process.execPath, [...tunedHeapFlags, join(import.meta.dirname, 'measured-sync.ts'), 'sync', '--config', config, '--quiet'], {
    env: { ...process.env, ...tunedEnv, NODE_NO_WARNINGS: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const measured = JSON.parse(/MEASURED (.*)/.exec(synced.stderr)![1]!) as { code: number; maxRssBytes: number; seconds: number };
  if (measured.code !== 0) throw new Error(`sync failed: ${synced.stdout}\n${synced.stderr}`);
  const mib = (n: number) => (n / 1024 ** 2).toFixed(1);
  const result = {
    documentBytes: size,
    curlSeconds: Number(curlSeconds.toFixed(2)),
    curlMiBps: Number(mib(size / curlSeconds)),
    syncSeconds: Number(measured.seconds.toFixed(2)),
    syncMiBps: Number(mib(size / measured.seconds)),
    syncPeakRssMiB: Number(mib(measured.maxRssBytes)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
