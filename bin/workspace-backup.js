#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=65536 node --max-semi-space-size=8 --optimize-for-size
// Launches the CLI (Node 24 runs the TypeScript sources directly), with the heap flags and environment of
// src/lib/tuned-heap.ts.
import module from 'node:module';

// The modules, once type-stripped and compiled, are kept in node's compile cache (in the temp folder): later runs
// skip the TypeScript stripper, whose instance took ~30 MB in each thread that loaded sources, the render's workers
// among them. The variable passes the cache on to those workers (and to child nodes).
const cache = module.enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
