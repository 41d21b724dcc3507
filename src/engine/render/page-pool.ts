// Worker threads that render and write pages the main thread has laid out: each gets a page's template and its data
// as JSON (the string the main thread hashed anyway), never the site model, so the model is built once per render.

import { Worker } from 'node:worker_threads';
import type { Written } from './page-files.ts';

/** One page to render and write. */
export interface PageJob {
  file: string;
  template: string;
  /** The template's context, as JSON. */
  json: string;
  hash: string;
  /** The file is on disk already: it is compared, and replaced by a rename if it differs. */
  exists: boolean;
}

/** What a worker is started with. */
export interface PageWorkerData {
  out: string;
  templates: string;
}

/**
 * Pages sent to a worker at once, and batches a worker may have waiting. Small batches on purpose: a page's JSON that
 * waits in a batch outlives V8's young generation and is promoted, and with the engine's heap flags (1 MiB young
 * generation, tuned-heap.ts) that made this thread collect its 230 MB old generation over and over. 100,000
 * documents, engine flags: 64 pages × 2 ahead 52 s; 4 × 8, 37 s (bench/RESULTS.md).
 */
const batchPages = 4;
const batchesAhead = 8;

export class PagePool {
  #workers: Array<{ worker: Worker; busy: number }> = [];
  #batch: PageJob[] = [];
  #onWritten: (w: Written) => void;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #finishing = false;

  constructor(size: number, workerFile: string, data: PageWorkerData, onWritten: (w: Written) => void) {
    this.#onWritten = onWritten;
    for (let k = 0; k < size; k++) {
      const worker = new Worker(workerFile, { workerData: data });
      const slot = { worker, busy: 0 };
      worker.on('message', (done: Written[]) => {
        slot.busy--;
        for (const w of done) this.#onWritten(w);
        this.#poke();
      });
      worker.once('error', (err) => this.#fail(err));
      worker.once('exit', (code) => {
        if (!this.#finishing || slot.busy > 0) this.#fail(new Error(`a render worker stopped (exit ${code}) before finishing its pages`));
      });
      this.#workers.push(slot);
    }
  }

  /** Queues a page; resolves when there is room for more (await it: the workers set the pace). */
  async add(job: PageJob): Promise<void> {
    this.#check();
    this.#batch.push(job);
    if (this.#batch.length < batchPages) return;
    await this.#send();
  }

  /** Sends what is queued and waits for every page to be written (or for the first failure, thrown). */
  async finish(): Promise<void> {
    if (this.#batch.length > 0) await this.#send();
    while (this.#workers.some((s) => s.busy > 0)) {
      this.#check();
      await this.#wait();
    }
    this.#check();
  }

  /** Stops the workers (after finish, or when the render failed and what they are doing no longer matters). */
  async close(): Promise<void> {
    this.#finishing = true;
    await Promise.all(this.#workers.map((s) => s.worker.terminate()));
  }

  async #send(): Promise<void> {
    for (;;) {
      this.#check();
      const slot = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy < batchesAhead) {
        slot.busy++;
        slot.worker.postMessage(this.#batch);
        this.#batch = [];
        return;
      }
      await this.#wait();
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#poke();
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
  }
}
