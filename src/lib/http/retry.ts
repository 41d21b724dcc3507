// Retry with exponential backoff and jitter, honouring Retry-After through the shared limiter.
// A named function rather than undici's RetryAgent: OAuth1 needs a fresh nonce and signature on every attempt,
// so the whole request (signing included) is what gets retried.

import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors.ts';
import type { RateLimiter } from './limiter.ts';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  limiter?: RateLimiter;
  /** Called before each new attempt, for logging. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const defaultRetry: RetryOptions = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Errors worth another attempt: ServiceErrors marked retryable, and network-level failures. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ServiceError) return error.retryable;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^(UND_ERR_|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN)/.test(code)) return true;
    if (error.name === 'TransferError') return true;
    if (/terminated|other side closed|socket hang up/i.test(error.message)) return true;
  }
  return false;
}

/** The delay before attempt n+1 (n counts from 1): exponential with full jitter, capped. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = defaultRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= opts.attempts || !isRetryable(error) || opts.signal?.aborted) throw error;
      let delay = backoffDelay(attempt, opts);
      if (error instanceof ServiceError && error.retryAfterSeconds !== undefined) {
        const asked = Math.min(error.retryAfterSeconds * 1000, opts.maxDelayMs * 4);
        opts.limiter?.pauseFor(asked);
        delay = Math.max(delay / 4, asked);
      }
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, { signal: opts.signal });
    }
  }
}

/** Parses Retry-After (seconds or an HTTP date) into seconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
