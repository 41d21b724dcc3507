#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=65536 node --max-semi-space-size=8 --optimize-for-size
// Launches the CLI (Node 24 runs the TypeScript sources directly), with the heap flags and environment of
// src/lib/tuned-heap.ts, and node's compile cache (compile-cache.js).
import './compile-cache.js';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
