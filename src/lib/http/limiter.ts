// One rate limiter per service account, shared by every request of a run: concurrency, pace, and Retry-After pauses.

import { setTimeout as sleep } from 'node:timers/promises';

export interface LimiterOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests started per second at most (0 = no pacing). */
  requestsPerSecond?: number;
}

/**
 * A counting semaphore with pacing. When the service says "429, retry after N s", `pauseFor` holds back every
 * request of the run, not just the one that was refused: that is what Retry-After asks of a client.
 */
export class RateLimiter {
  readonly concurrency: number;
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  #intervalMs: number;
  #nextStartAt = 0;
  #pausedUntil = 0;

  constructor(opts: LimiterOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    this.concurrency = opts.concurrency;
    this.#intervalMs = opts.requestsPerSecond && opts.requestsPerSecond > 0 ? 1000 / opts.requestsPerSecond : 0;
  }

  /** Holds every new request back for this long (a 429's Retry-After). Extends, never shortens, a pause. */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Waits for a slot; returns the function that releases it. */
  async acquire(): Promise<() => void> {
    while (this.#inFlight >= this.concurrency) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#inFlight++;
    try {
      await this.#waitForTurn();
    } catch (e) {
      this.#release();
      throw e;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release();
    };
  }

  /** Runs fn while holding a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async #waitForTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const pauseLeft = this.#pausedUntil - now;
      if (pauseLeft > 0) {
        await sleep(pauseLeft);
        continue;
      }
      if (this.#intervalMs > 0) {
        const start = Math.max(now, this.#nextStartAt);
        this.#nextStartAt = start + this.#intervalMs;
        if (start > now) await sleep(start - now);
        if (this.#pausedUntil > Date.now()) continue;
      }
      return;
    }
  }

  #release(): void {
    this.#inFlight--;
    const next = this.#waiters.shift();
    if (next) next();
  }
}
