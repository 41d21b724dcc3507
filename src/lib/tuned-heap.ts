// V8 flags every long run of the engine uses, and a relaunch for entry points that cannot pass flags to node.
//
// Measured (bench/RESULTS.md, issue 7): with node's default young generation (semi-spaces growing to 32 MiB, 64 MiB
// of new space) a 20,000-document initial backup peaked at 358–402 MiB RSS, although its live heap stayed under 60
// MiB: the run allocates fast (stream chunks, promises, fast-import commands) and V8 grows the new space to match.
// With 8 MiB semi-spaces the same run peaked at 273 MiB and ran no slower. At 100,000 documents the live heap is
// ~150 MiB and V8 let the old generation grow to twice that before collecting; --optimize-for-size makes it
// collect sooner (peak RSS during the transfer 488 → 281 MiB, and the run was no slower: 355 s → 334 s).
// But --optimize-for-size also grows the old generation by very little before collecting it again, which costs a
// bulk transfer dearly: see bulkHeap.

import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';

export const tunedHeapFlags = ['--max-semi-space-size=8', '--optimize-for-size'];

/**
 * The environment the engine's node starts with (read by glibc at start-up, so given by the launcher: the CLI's
 * shebang, relaunchWithTunedHeap). Node reads a child process's output (git's, here by the hundred MB) in 64 KiB
 * buffers, freed when V8 next collects; glibc's mmap threshold rises to the size of freed mapped chunks, after which
 * such buffers come from the brk heap, which keeps in RSS what was freed. A fixed threshold of 64 KiB maps each buffer
 * on its own and gives it back when freed: the render of 100,000 documents peaked at 247 MB instead of 283 MB, its
 * brk heap 27 MB instead of 64 MB, in the same time (bench/RESULTS.md). Other C libraries ignore it.
 */
export const tunedEnv: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '65536' };

/** From this many downloads in one run (an initial backup, a large import) the transfer runs with bulkHeap. */
export const bulkTransferFrom = 5000;

/**
 * For a phase that allocates much and keeps some of it: V8's old generation may grow by half its live size before a
 * full collection, instead of the few MB --optimize-for-size allows; returns the function that puts the default back.
 * The flag is read at each collection, so setting it mid-run takes effect (bench/RESULTS.md, seventh and eighth runs).
 * - A transfer of many documents: each download leaves objects (request, stream, promises, the fast-import command)
 *   that outlive the 1 MiB young generation --optimize-for-size keeps, and the old generation filled with them again
 *   and again: a 100,000-document initial backup ran 877 full collections on its 72 MB heap, its engine used 247–290 s
 *   of CPU. With 50 % growth: 133, 115 s; the run took 226–249 s instead of 319–341 s, peak RSS 235–247 MiB.
 * - Loading a whole site into memory (loadSiteInput; the CLI and the Action render through a scratch store instead,
 *   renderRepo): the heap grows from nothing to hundreds of MB, nearly all of it live, and each small step of growth
 *   was a full collection of everything so far: 100,000 documents, 58–59 s of CPU instead of 66–67 s.
 * Not for whole runs: a nightly run's heap holds the listing and state of every document, and the same growth took
 * its peak RSS from 260–265 to 299–303 MiB.
 */
export function bulkHeap(): () => void {
  // Only under --optimize-for-size (V8's own growth, without it, is already larger); and a growth given at launch
  // (node --heap-growing-percent=…) stays.
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (!flags.includes('--optimize-for-size') || flags.some((a) => a.startsWith('--heap-growing-percent'))) return () => {};
  setFlagsFromString('--heap-growing-percent=50');
  return () => setFlagsFromString('--heap-growing-percent=0');
}

/**
 * Runs `work` (sync or async) with bulkHeap, when `when`, and puts the default back once it has ended, however it
 * ended.
 */
export function withBulkHeap<T>(work: () => T, when = true): T {
  const restore = when ? bulkHeap() : () => {};
  let result: T;
  try {
    result = work();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/**
 * For an entry point that node starts without our flags (the GitHub Action: `runs.using: node24` takes no node
 * options): runs `script` again in a child node with them, passing stdio, environment, arguments and SIGINT/SIGTERM
 * through, and resolves to the child's exit code. Resolves to undefined when this process already has the flags (it
 * is the child, or was started with them), so the caller goes on to do the work itself. The child also gets tunedEnv.
 */
export async function relaunchWithTunedHeap(script: string): Promise<number | undefined> {
  if (tunedHeapFlags.every((f) => process.execArgv.includes(f))) return undefined;
  const child = spawn(process.execPath, [...tunedHeapFlags, ...process.execArgv, script, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...tunedEnv } });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 1)));
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
