// A render worker thread (shard-pool.ts): makes and writes the pages of the shards it is sent (shard-render.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { renderShard, shardRenderer, type ShardJob, type ShardRenderData } from './shard-render.ts';

const renderer = shardRenderer(workerData as ShardRenderData);
parentPort!.on('message', (job: ShardJob) => {
  parentPort!.postMessage(renderShard(renderer, job));
});
