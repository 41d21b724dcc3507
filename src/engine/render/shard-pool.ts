// Worker threads that make and write the pages of whole shards (shard-render.ts): each is sent a shard's entries and
// history as JSON, read one at a time from the shard source, and answers with the shard's summary and page states.

import { Worker } from 'node:worker_threads';
import type { ShardDone, ShardJob, ShardRenderData } from './shard-render.ts';

/** Shards a worker may have waiting besides the one it is making: enough to keep it busy, few enough to stay small. */
const shardsAhead = 2;

export class ShardPool {
  #workers: Array<{ worker: Worker; busy: number }> = [];
  #onDone: (d: ShardDone) => void;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #finishing = false;

  constructor(size: number, workerFile: string, data: ShardRenderData, onDone: (d: ShardDone) => void) {
    this.#onDone = onDone;
    for (let k = 0; k < size; k++) {
      const worker = new Worker(workerFile, { workerData: data });
      const slot = { worker, busy: 0 };
      worker.on('message', (done: ShardDone) => {
        slot.busy--;
        try {
          this.#onDone(done);
        } catch (err) {
          this.#fail(err as Error);
        }
        this.#poke();
      });
      worker.once('error', (err) => this.#fail(err));
      worker.once('exit', (code) => {
        if (!this.#finishing || slot.busy > 0) this.#fail(new Error(`a render worker stopped (exit ${code}) before finishing its pages`));
      });
      this.#workers.push(slot);
    }
  }

  /** Sends a shard to the least busy worker; resolves when it is sent (await it: the workers set the pace). */
  async add(job: ShardJob): Promise<void> {
    for (;;) {
      this.#check();
      const slot = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy <= shardsAhead) {
        slot.busy++;
        slot.worker.postMessage(job);
        return;
      }
      await this.#wait();
    }
  }

  /** Waits for every shard sent to be done (or for the first failure, thrown). */
  async finish(): Promise<void> {
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
