// Bundles the Action into dist/index.js. esbuild: one fast step that bundles ESM and CommonJS dependencies and strips types.

import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/index.js';
await build({
  entryPoints: ['src/action/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  outfile,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle still call require() for node built-ins.
  banner: { js: "import { createRequire as __wbCreateRequire } from 'node:module'; const require = __wbCreateRequire(import.meta.url);" },
});

// The site renderer looks for the browser build of MiniSearch beside the bundle (dist/ has no node_modules).
const { copyFileSync } = await import('node:fs');
const { dirname, join } = await import('node:path');
copyFileSync('node_modules/minisearch/dist/umd/index.js', join(dirname(outfile), 'minisearch.umd.js'));
