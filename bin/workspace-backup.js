#!/usr/bin/env node
// Launches the CLI (Node 24 runs the TypeScript sources directly).
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
