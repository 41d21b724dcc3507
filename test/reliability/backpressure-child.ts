// Child process of undici-backpressure.test.ts: many downloads through the connector, each body consumed slowly (so
// undici's parser pauses under backpressure) while the server resets or closes the connection mid-body. Prints
// "survived <n>" when every download ended in an ordinary error or success; an uncaught exception ends the process.

import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProjectplaceConnector } from '../../src/connectors/projectplace/index.ts';
import type { Item } from '../../src/engine/model.ts';
import { setFaults, startProjectplaceSim } from '../../src/sim/projectplace/index.ts';

const kind = process.argv[2] === 'short' ? 'short' : 'reset';
const rounds = Number(process.argv[3] ?? 40);
const sim = await startProjectplaceSim({ documents: 3, hostileNames: false, largeDocuments: [300_000, 1_000_000, 3_000_000] });
const c = sim.credentials;
const connector = new ProjectplaceConnector(
  { host: sim.url, auth: { kind: 'oauth2', clientId: c.clientId, clientSecret: c.clientSecret } },
  { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
);
const docs: Item[] = [...sim.state.items.values()]
  .filter((i) => i.name.startsWith('large-'))
  .map((i) => ({ id: String(i.id), kind: 'document', name: i.name, parentId: null, containerId: String(i.workspaceId) }));
setFaults(sim.state, [{ path: '^/1/documents/', kind, rate: 0.7 }]);
let n = 0;
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
async function one(i: number): Promise<void> {
  const d = await connector.open(docs[i % docs.length]!);
  const slow = new Transform({
    transform(chunk, _enc, cb) {
      if (random() < 0.05) setTimeout(() => cb(null, chunk), 5);
      else cb(null, chunk);
    },
  });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(d.body, slow, sink).catch(() => d.cancel());
  n++;
}
for (let round = 0; round < rounds; round++) await Promise.all(Array.from({ length: 8 }, (_, k) => one(round * 8 + k).catch(() => {})));
await sim.close();
process.stdout.write(`survived ${n}\n`);
process.exit(0);
