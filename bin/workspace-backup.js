#!/usr/bin/env -S node --max-semi-space-size=8 --optimize-for-size
// Launches the CLI (Node 24 runs the TypeScript sources directly), with the heap flags of src/lib/tuned-heap.ts.
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
