// One backup run in a worker thread, so that a run which crashes its process (an uncaught exception in a library's
// event handler) is an outcome the campaign records, not the end of the campaign. The simulator stays in the parent.

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ProjectplaceSettings } from '../../src/connectors/projectplace/index.ts';
import type { SyncReport } from '../../src/engine/sync.ts';

export interface WorkerJob {
  settings: ProjectplaceSettings;
  repoDir: string;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  lfsThreshold?: number;
}

export type WorkerResult =
  | { kind: 'report'; report: SyncReport }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'crash'; name: string; message: string; stack: string };

/** Runs sync for `job` in a fresh worker thread; a crash of that thread comes back as `{ kind: 'crash' }`. */
export function syncInWorker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve) => {
    let result: WorkerResult | undefined;
    const w = new Worker(new URL(import.meta.url), { workerData: job, stdout: true, stderr: true });
    let stderr = '';
    w.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    w.stdout.resume();
    w.on('message', (m: WorkerResult) => (result = m));
    w.on('error', (e: Error) => {
      result ??= { kind: 'crash', name: e.name, message: e.message, stack: (e.stack ?? '').split('\n').slice(0, 6).join('\n') };
    });
    w.on('exit', (code) => {
      resolve(result ?? { kind: 'crash', name: 'Exit', message: `the worker exited with code ${code} without a result${stderr ? `: ${stderr.slice(0, 500)}` : ''}`, stack: '' });
    });
  });
}

if (!isMainThread && parentPort && (workerData as WorkerJob | undefined)?.repoDir) {
  const job = workerData as WorkerJob;
  const { ProjectplaceConnector } = await import('../../src/connectors/projectplace/index.ts');
  const { sync } = await import('../../src/engine/sync.ts');
  const connector = new ProjectplaceConnector(job.settings, { retry: job.retry });
  try {
    const report = await sync({ connector, repoDir: job.repoDir, lfsThreshold: job.lfsThreshold, retry: { baseDelayMs: 20, maxDelayMs: 200, attempts: 8 } });
    parentPort.postMessage({ kind: 'report', report } satisfies WorkerResult);
  } catch (e) {
    const err = e as Error;
    parentPort.postMessage({ kind: 'error', name: err?.name ?? typeof e, message: String(err?.message ?? e) } satisfies WorkerResult);
  }
  // Idle keep-alive connections would hold the thread open for seconds; the run is over.
  process.exit(0);
}
