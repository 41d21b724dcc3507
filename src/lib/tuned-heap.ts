// V8 flags every long run of the engine uses, and a relaunch for entry points that cannot pass flags to node.
//
// Measured (bench/RESULTS.md, issue 7): with node's default young generation (semi-spaces growing to 32 MiB, 64 MiB
// of new space) a 20,000-document initial backup peaked at 358–402 MiB RSS, although its live heap stayed under 60
// MiB: the run allocates fast (stream chunks, promises, fast-import commands) and V8 grows the new space to match.
// With 8 MiB semi-spaces the same run peaked at 273 MiB and ran no slower. At 100,000 documents the live heap is
// ~150 MiB and V8 let the old generation grow to twice that before collecting; --optimize-for-size makes it
// collect sooner (peak RSS during the transfer 488 → 281 MiB, and the run was no slower: 355 s → 334 s).
// But --optimize-for-size also keeps the young generation at 1 MiB and grows the old one by little: the initial
// backup's per-download objects outlived their young generation, and the old one filled with them again and again
// (877 full collections on a 72 MB heap, 247–290 s of the engine's CPU). --heap-growing-percent=50 lets the old
// generation grow by half its live size before collecting: 133 full collections, 115 s of CPU, 249 s instead of
// 319–341 s, peak RSS 247 MB (bench/RESULTS.md, seventh run).

import { spawn } from 'node:child_process';

export const tunedHeapFlags = ['--max-semi-space-size=8', '--optimize-for-size', '--heap-growing-percent=50'];

/**
 * For an entry point that node starts without our flags (the GitHub Action: `runs.using: node24` takes no node
 * options): runs `script` again in a child node with them, passing stdio, environment, arguments and SIGINT/SIGTERM
 * through, and resolves to the child's exit code. Resolves to undefined when this process already has the flags (it
 * is the child, or was started with them), so the caller goes on to do the work itself.
 */
export async function relaunchWithTunedHeap(script: string): Promise<number | undefined> {
  if (tunedHeapFlags.every((f) => process.execArgv.includes(f))) return undefined;
  const child = spawn(process.execPath, [...tunedHeapFlags, ...process.execArgv, script, ...process.argv.slice(2)], { stdio: 'inherit' });
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
