// Entry point of the bundled Action (dist/index.js). The runner starts it with plain `node`, so it first runs itself
// again with the engine's heap flags (src/lib/tuned-heap.ts), and does the work in that child; the waiting parent
// loads nothing else.

import { fileURLToPath } from 'node:url';
import { relaunchWithTunedHeap } from '../lib/tuned-heap.ts';

const code = await relaunchWithTunedHeap(fileURLToPath(import.meta.url));
if (code === undefined) {
  const { run } = await import('./main.ts');
  await run();
} else {
  process.exitCode = code;
}
