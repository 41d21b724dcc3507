// The runner's one results service, as a job sees it: cache and artifact Twirp services behind one ACTIONS_RESULTS_URL
// and one runtime token, routed by service name to the local cache and artifact servers.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startArtifactService, type RunningArtifactService } from './artifact/index.ts';
import { startCacheService, type RunningCacheService } from './cache/index.ts';

export interface RunningResultsService {
  /** ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_SERVICE_V2: what the runner gives a job. */
  env: Record<string, string>;
  cache: RunningCacheService;
  artifact: RunningArtifactService;
  close(): Promise<void>;
}

export async function startResultsService(): Promise<RunningResultsService> {
  const artifact = await startArtifactService();
  const token = artifact.env.ACTIONS_RUNTIME_TOKEN!;
  const cache = await startCacheService({ token });
  const targets: Array<[string, string]> = [
    ['/twirp/github.actions.results.api.v1.CacheService/', cache.url],
    ['/twirp/github.actions.results.api.v1.ArtifactService/', artifact.url],
  ];
  const server: Server = createServer((req, res) => {
    const target = targets.find(([prefix]) => req.url?.startsWith(prefix))?.[1];
    if (!target) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'bad_route', msg: `no service for ${req.url}` }));
      return;
    }
    const upstream = request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'unavailable', msg: e.message })));
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    env: { ...cache.env, ACTIONS_RESULTS_URL: url, ACTIONS_RUNTIME_TOKEN: token },
    cache,
    artifact,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await cache.close();
      await artifact.close();
    },
  };
}
