// The API budget: fixed 15-minute windows, a plan's number of calls each, no carry-over [V grundlagen.md].
// Every answer reports apiLimitRemaining and apiLimitReset (seconds until the next window [V KONZEPT §9]).

import { apiLimit, nowMs, type SimState, type WindowStat } from './model.ts';

export interface Budget {
  /** False when this request is over the budget (answer 429). */
  allowed: boolean;
  remaining: number;
  /** Whole seconds until the next window, at least 1. */
  resetSeconds: number;
}

function windowStart(state: SimState, scope: string, now: number): number {
  const windowMs = state.switches.windowSeconds * 1000;
  if (state.switches.windowAlignment === 'clock') return Math.floor(now / windowMs) * windowMs;
  const w = state.windows.get(scope);
  return w && now < w.start + windowMs ? w.start : now;
}

function current(state: SimState, scope: string, now: number): { start: number; count: number } {
  const start = windowStart(state, scope, now);
  let w = state.windows.get(scope);
  if (!w || w.start !== start) {
    w = { start, count: 0 };
    state.windows.set(scope, w);
  }
  return w;
}

function resetSeconds(state: SimState, start: number, now: number): number {
  return Math.max(1, Math.ceil((start + state.switches.windowSeconds * 1000 - now) / 1000));
}

function stat(state: SimState, scope: string, start: number): WindowStat {
  const key = `${scope}|${start}`;
  let s = state.windowStats.get(key);
  if (!s) {
    s = { scope, start, counted: 0, limited: 0 };
    state.windowStats.set(key, s);
  }
  return s;
}

/** Uses up one call of the scope's window; over the limit the call is refused (and not counted as served). */
export function takeCall(state: SimState, scope: string): Budget {
  const now = nowMs(state);
  const w = current(state, scope, now);
  const limit = apiLimit(state);
  const s = stat(state, scope, w.start);
  if (w.count >= limit) {
    s.limited++;
    return { allowed: false, remaining: 0, resetSeconds: resetSeconds(state, w.start, now) };
  }
  w.count++;
  s.counted++;
  return { allowed: true, remaining: limit - w.count, resetSeconds: resetSeconds(state, w.start, now) };
}

/** The budget as it stands, without using any (and without starting a window). */
export function peekBudget(state: SimState, scope: string): Budget {
  const now = nowMs(state);
  const start = windowStart(state, scope, now);
  const w = state.windows.get(scope);
  const count = w && w.start === start ? w.count : 0;
  const limit = apiLimit(state);
  return { allowed: count < limit, remaining: Math.max(0, limit - count), resetSeconds: resetSeconds(state, start, now) };
}

/** Per window (and scope): calls served and calls refused with 429, oldest first. */
export function windowStats(state: SimState): WindowStat[] {
  return [...state.windowStats.values()].map((s) => ({ ...s })).sort((a, b) => a.start - b.start);
}
