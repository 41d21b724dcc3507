// Per-client fixed-window rate limiting (switch `rateLimit`): answers how long to wait when a client is over.

import { nowMs, type SimState } from './model.ts';

/** Counts one request for `key`; returns null when allowed, else the Retry-After in whole seconds (>= 1). */
export function checkRateLimit(state: SimState, key: string): number | null {
  const limit = state.switches.rateLimit;
  if (!limit) return null;
  const now = nowMs(state);
  const windowMs = limit.windowSeconds * 1000;
  let w = state.auth.windows.get(key);
  if (!w || now - w.start >= windowMs) {
    w = { start: now, count: 0 };
    state.auth.windows.set(key, w);
  }
  w.count++;
  if (w.count <= limit.requests) return null;
  return Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
}
