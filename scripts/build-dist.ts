// Bundles the Action into dist/index.js. esbuild: one fast step that bundles ESM and CommonJS dependencies and strips types.

import { build } from 'esbuild';

import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const outfile = process.argv[2] ?? 'dist/index.js';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle still call require() for node built-ins.
  banner: { js: "import { createRequire as __wbCreateRequire } from 'node:module'; const require = __wbCreateRequire(import.meta.url);" },
} as const;
await build({ ...common, entryPoints: ['src/action/index.ts'], outfile });
// The site renderer's worker thread, beside the bundle, where src/engine/render/site.ts looks for it: without it the
// Action renders a large site on one thread (67 s instead of about 31 s for 100,000 documents on two cores).
await build({ ...common, entryPoints: ['src/engine/render/worker.ts'], outfile: join(dirname(outfile), 'render-worker.js') });

// The site renderer looks for the browser build of MiniSearch beside the bundle (dist/ has no node_modules).
copyFileSync('node_modules/minisearch/dist/umd/index.js', join(dirname(outfile), 'minisearch.umd.js'));
