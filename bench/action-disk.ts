// Benchmark: the Action's disk use on a runner against a large backup repo (default 50,000 documents).
// Run 1 makes the initial backup; run 2, after one edit, works from a blobless sparse checkout: its job folder
// (checkout + temp) is measured against the size of the repo's content. Usage: npm run bench:disk [-- <documents>]

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActionHarness } from '../test/helpers/action-harness.ts';

const documents = Number(process.argv[2] ?? 50_000);
const h = await createActionHarness({ seed: 1, workspaces: 6, documents, hostileNames: false });
const du = (path: string) => Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
try {
  let t0 = performance.now();
  const first = await h.runAction({ concurrency: '8' });
  if (first.code !== 0 || first.outputs.complete !== 'true') throw new Error(`run 1 failed: ${first.stderr.slice(-2000)}`);
  const firstSeconds = (performance.now() - t0) / 1000;
  const report = JSON.parse(readFileSync(first.outputs['report-path']!, 'utf8')) as { bytesDownloaded: number; documentsDownloaded: number };
  const contentBytes = report.bytesDownloaded;

  const dump = await h.fx.control.state();
  const doc = dump.items.find((i) => i.kind === 'document' && !i.deleted)!;
  await h.fx.control.mutate({ op: 'edit', id: doc.id });
  t0 = performance.now();
  const second = await h.runAction({});
  if (second.code !== 0) throw new Error(`run 2 failed: ${second.stderr.slice(-2000)}`);
  const secondSeconds = (performance.now() - t0) / 1000;
  const job = join(second.workspace, '..');
  const jobBytes = du(job);
  console.log(JSON.stringify({
    documents: report.documentsDownloaded,
    contentGiB: Number((contentBytes / 1024 ** 3).toFixed(2)),
    run1Seconds: Number(firstSeconds.toFixed(1)),
    run2Seconds: Number(secondSeconds.toFixed(1)),
    run2JobFolderMiB: Number((jobBytes / 1024 ** 2).toFixed(1)),
    run2JobFolderPercentOfContent: Number(((jobBytes / contentBytes) * 100).toFixed(2)),
    run2DocumentsChanged: second.outputs['documents-changed'],
    remoteMiB: Number((du(h.remote) / 1024 ** 2).toFixed(1)),
  }, null, 2));
} finally {
  await h.close();
  (await import('node:fs')).rmSync(h.root, { recursive: true, force: true });
}
