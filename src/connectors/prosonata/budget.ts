// ProSonata's API budget: a fixed number of calls per 15-minute window for the whole account, no carry-over; every
// answer says how many are left (apiLimitRemaining) and how many seconds until the next window (apiLimitReset)
// [research §2.3]. The client asks `ready()` before each call and reports each answer's meta to `observe()`. When
// what is left reaches the reserve, it waits for the next window instead of calling; after a 429 it waits for the reset.
//
// The client sends one request at a time, so the last answer's count is exact (other integrations of the account may
// still spend calls between ours; that shows up as a lower count or a 429, both handled).

import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../../lib/log.ts';

export interface PaceOptions {
  /**
   * Service seconds per real second: 1 for ProSonata; the simulator's timeScale in tests, whose apiLimitReset counts
   * simulated seconds (at 900 a 15-minute window lasts one real second).
   */
  timeScale?: number;
  /** Real clock, ms. */
  now?: () => number;
  /** Waits this many real ms. */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for the jitter after a reset. */
  random?: () => number;
}

/** Longest wait believed from the service, in its seconds: a window is 15 minutes; anything far beyond is garbage. */
export const MAX_RESET_SECONDS = 3600;

export class ApiBudget {
  readonly reserve: number;
  #remaining: number | undefined;
  /** Real ms when the current window ends (valid while #remaining is known). */
  #resetAt = 0;
  #timeScale: number;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #random: () => number;
  #log: Logger;
  /** Waits for a new window so far, and the real ms spent in them (for reports and tests). */
  waits = 0;
  waitedMs = 0;

  constructor(reserve: number, opts: PaceOptions = {}, log: Logger = silentLogger) {
    this.reserve = reserve;
    this.#timeScale = opts.timeScale && opts.timeScale > 0 ? opts.timeScale : 1;
    this.#now = opts.now ?? (() => performance.now());
    this.#sleep = opts.sleep ?? ((ms) => sleep(ms));
    this.#random = opts.random ?? Math.random;
    this.#log = log;
  }

  /** Calls left in this window as of the last answer; undefined before the first answer and after a reset. */
  get remaining(): number | undefined {
    return this.#remaining;
  }

  /** Waits until a call may be made: while the known budget is at or below the reserve, until the window resets. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.#remaining === undefined || this.#remaining > this.reserve) return;
      const left = this.#resetAt - this.#now();
      if (left <= 0) {
        // A new window: its budget is unknown until the next answer tells it.
        this.#remaining = undefined;
        return;
      }
      this.waits++;
      this.#log.info(
        `ProSonata API budget: ${this.#remaining} call(s) left in this window` +
          (this.reserve > 0 ? ` (keeping ${this.reserve} for other integrations)` : '') +
          `; waiting ${formatWait((left * this.#timeScale) / 1000)} for the next window`,
      );
      const started = this.#now();
      await this.#sleep(left);
      this.waitedMs += this.#now() - started;
    }
  }

  /** Takes the budget from an answer's meta (any status); values that are not numbers are ignored. */
  observe(remaining: number | undefined, resetSeconds: number | undefined): void {
    if (remaining === undefined || !Number.isFinite(remaining) || remaining < 0) return;
    const reset = clampReset(resetSeconds);
    if (reset === undefined) return;
    this.#remaining = Math.floor(remaining);
    this.#resetAt = this.#now() + this.#waitMs(reset);
  }

  /** After a 429: nothing left until the reset the service named (or a minute when it named none). */
  exhausted(resetSeconds: number | undefined): void {
    this.#remaining = 0;
    this.#resetAt = this.#now() + this.#waitMs(clampReset(resetSeconds) ?? 60);
  }

  /** Real ms for a reset in service seconds, plus 1–3 service seconds of jitter so we arrive after the window turned. */
  #waitMs(resetSeconds: number): number {
    return ((resetSeconds + 1 + 2 * this.#random()) * 1000) / this.#timeScale;
  }
}

function clampReset(s: number | undefined): number | undefined {
  if (s === undefined || !Number.isFinite(s) || s < 0) return undefined;
  return Math.min(s, MAX_RESET_SECONDS);
}

function formatWait(seconds: number): string {
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.max(1, Math.round(seconds))} s`;
}
