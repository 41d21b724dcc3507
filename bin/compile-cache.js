// Imported first by the CLI's launcher (and by bench/measured-sync.ts, which runs the CLI as the launcher does):
// the modules, once type-stripped and compiled, are kept in node's compile cache (in the temp folder), so later runs
// skip the TypeScript stripper, whose instance took ~30 MB in each thread that loaded sources, the render's workers
// among them. The variable passes the cache on to those workers (and to child nodes). Plain JavaScript: it must run
// before any TypeScript is loaded.
import module from 'node:module';

const cache = module.enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
