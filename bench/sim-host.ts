// Runs the Projectplace simulator for a benchmark in its own process and prints one JSON line: url, credentials, size.
// Usage: node bench/sim-host.ts <documents> <workspaces> <size-scale> <large sizes, comma-separated>

import { startProjectplaceSim } from '../src/sim/projectplace/index.ts';

const [documents, workspaces, sizeScale, large] = process.argv.slice(2);
const sim = await startProjectplaceSim({
  seed: 1,
  documents: Number(documents),
  workspaces: Number(workspaces),
  documentSizeScale: Number(sizeScale),
  largeDocuments: large ? large.split(',').map(Number) : [],
  hostileNames: false,
});
const docs = [...sim.state.items.values()].filter((i) => i.kind === 'document');
const bytes = docs.reduce((n, d) => n + (d.versions.at(-1)?.size ?? 0), 0);
process.stdout.write(JSON.stringify({ url: sim.url, credentials: { clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret }, documents: docs.length, bytes }) + '\n');
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
