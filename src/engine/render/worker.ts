// A render worker thread: builds the same site model and renders its share of the pages (see renderSite).

import { workerData, parentPort } from 'node:worker_threads';
import { contentLinks } from './links.ts';
import { buildSite } from './model.ts';
import { environment, renderShard, templatesDir, Writer, type ShardJob } from './site.ts';
import type { SiteInput } from './types.ts';

const { input, job } = workerData as { input: SiteInput; job: ShardJob };
const model = buildSite(input, contentLinks(input.links, job.outDir));
const writer = new Writer(job.outDir, job.before, job.existing);
parentPort!.postMessage(renderShard(model, environment(templatesDir()), writer, input.title, job));
