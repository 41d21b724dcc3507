// A render worker thread (page-pool.ts): renders the pages it is sent, from their JSON data, and writes them.

import { parentPort, workerData } from 'node:worker_threads';
import { writeFileOf } from './page-files.ts';
import type { PageJob, PageWorkerData } from './page-pool.ts';
import { environment } from './templates.ts';

const { out, templates } = workerData as PageWorkerData;
const env = environment(templates);
parentPort!.on('message', (batch: PageJob[]) => {
  parentPort!.postMessage(batch.map((j) => writeFileOf(out, j.file, j.hash, env.render(j.template, JSON.parse(j.json) as object), j.exists)));
});
