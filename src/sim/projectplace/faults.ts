// Fault injection: rules by path pattern (429, 5xx, reset mid-body, slow body, truncated body, hostile answers),
// seeded decisions.

import { FaultRuleError, ruleObjects } from '../common/fault-rules.ts';
import { errorResponse, type SimResponse } from './http.ts';
import { HOSTILE_KINDS, hostileReplacement, WRONG_TYPE_VARIANTS } from './hostile.ts';
import type { FaultKind, FaultRule, SimState, WrongTypeVariant } from './model.ts';

const KINDS: readonly FaultKind[] = ['429', '500', '502', '503', 'reset', 'slow', 'short', ...HOSTILE_KINDS];

export { FaultRuleError };

function optNumber(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new FaultRuleError(`${key}: expected a number in [${min}, ${max}]`);
  return v;
}

/** Checks untrusted JSON ({"rules":[…]} or a bare array) and returns typed rules. */
export function parseFaultRules(body: unknown): FaultRule[] {
  return ruleObjects(body).map(({ o, i, path }): FaultRule => {
    const kind = String(o.kind) as FaultKind;
    if (!KINDS.includes(kind)) throw new FaultRuleError(`rules[${i}].kind: expected one of ${KINDS.join(', ')}`);
    if (o.method !== undefined && typeof o.method !== 'string') throw new FaultRuleError(`rules[${i}].method: expected a string`);
    const rule: FaultRule = { path, kind };
    const rate = optNumber(o, 'rate', 0, 1);
    const count = optNumber(o, 'count', 0, Number.MAX_SAFE_INTEGER);
    const retryAfter = optNumber(o, 'retryAfter', 0, 86400);
    const chunkBytes = optNumber(o, 'chunkBytes', 1, 16 * 1024 * 1024);
    const delayMs = optNumber(o, 'delayMs', 0, 60_000);
    if (rate !== undefined) rule.rate = rate;
    if (count !== undefined) rule.count = Math.floor(count);
    if (retryAfter !== undefined) rule.retryAfter = retryAfter;
    if (typeof o.method === 'string') rule.method = o.method.toUpperCase();
    if (chunkBytes !== undefined) rule.chunkBytes = Math.floor(chunkBytes);
    if (delayMs !== undefined) rule.delayMs = delayMs;
    if (o.variant !== undefined) {
      if (kind !== 'wrong-types') throw new FaultRuleError(`rules[${i}].variant: only for kind wrong-types`);
      if (!WRONG_TYPE_VARIANTS.includes(o.variant as WrongTypeVariant)) throw new FaultRuleError(`rules[${i}].variant: expected one of ${WRONG_TYPE_VARIANTS.join(', ')}`);
      rule.variant = o.variant as WrongTypeVariant;
    }
    return rule;
  });
}

/** Replaces all rules (and their fired counters). */
export function setFaults(state: SimState, rules: FaultRule[]): void {
  const checked = parseFaultRules(rules);
  state.faults.rules = checked;
  state.faults.compiled = checked.map((r) => new RegExp(r.path));
  state.faults.fired = checked.map(() => 0);
}

export function clearFaults(state: SimState): void {
  setFaults(state, []);
}

/** The first matching rule that still has fires left and wins its `rate` draw; counts the fire. */
export function pickFault(state: SimState, method: string, pathname: string): FaultRule | undefined {
  const f = state.faults;
  for (let i = 0; i < f.rules.length; i++) {
    const rule = f.rules[i] as FaultRule;
    if (rule.method && rule.method !== method.toUpperCase()) continue;
    if (!(f.compiled[i] as RegExp).test(pathname)) continue;
    if (rule.count !== undefined && (f.fired[i] as number) >= rule.count) continue;
    if (rule.rate !== undefined && rule.rate < 1 && !(f.rng() < rule.rate)) continue;
    f.fired[i] = (f.fired[i] as number) + 1;
    return rule;
  }
  return undefined;
}

/**
 * For status faults and the hostile answers a proxy gives (html-200, empty-200): the response that replaces the real
 * one; undefined for body faults (reset/slow/short) and for hostile kinds that change the real answer.
 */
export function faultStatusResponse(state: SimState, rule: FaultRule): SimResponse | undefined {
  switch (rule.kind) {
    case '429':
      return errorResponse(state, 429, 'rate limit exceeded', { 'retry-after': String(rule.retryAfter ?? 1) });
    case '500':
      return errorResponse(state, 500, 'internal error (injected)');
    case '502':
      return errorResponse(state, 502, 'bad gateway (injected)');
    case '503':
      return errorResponse(state, 503, 'service unavailable (injected)', rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {});
    default:
      return hostileReplacement(rule);
  }
}
