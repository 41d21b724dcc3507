// Fault injection by path pattern: 5xx answers (the text a proxy in front of the server would give), and body
// faults (connection reset mid-body, a body shorter than announced, a slow body) applied by the shared sender.

import type { SimResponse } from '../projectplace/http.ts';
import type { FaultRule as BodyFault } from '../projectplace/model.ts';
import type { FaultKind, FaultRule, SimState } from './model.ts';

const KINDS: readonly FaultKind[] = ['500', '502', '503', 'reset', 'short', 'slow'];

export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new FaultRuleError(`${key}: expected an integer in [${min}, ${max}]`);
  return v;
}

/** Checks untrusted JSON ({"rules": [...]} or a bare array). */
export function parseFaultRules(body: unknown): FaultRule[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? (body as Record<string, unknown>).rules : undefined;
  if (!Array.isArray(list)) throw new FaultRuleError('expected {"rules": [...]}');
  return list.map((raw: unknown, i): FaultRule => {
    if (typeof raw !== 'object' || raw === null) throw new FaultRuleError(`rules[${i}]: expected an object`);
    const o = raw as Record<string, unknown>;
    if (typeof o.path !== 'string') throw new FaultRuleError(`rules[${i}].path: expected a regular expression string`);
    try {
      new RegExp(o.path);
    } catch (e) {
      throw new FaultRuleError(`rules[${i}].path: ${(e as Error).message}`);
    }
    if (!KINDS.includes(o.kind as FaultKind)) throw new FaultRuleError(`rules[${i}].kind: expected one of ${KINDS.join(', ')}`);
    const rule: FaultRule = { path: o.path, kind: o.kind as FaultKind };
    if (o.method !== undefined) {
      if (typeof o.method !== 'string') throw new FaultRuleError(`rules[${i}].method: expected a string`);
      rule.method = o.method.toUpperCase();
    }
    const count = optInt(o, 'count', 0, Number.MAX_SAFE_INTEGER);
    const chunkBytes = optInt(o, 'chunkBytes', 1, 16 * 1024 * 1024);
    const delayMs = optInt(o, 'delayMs', 0, 60_000);
    if (count !== undefined) rule.count = count;
    if (chunkBytes !== undefined) rule.chunkBytes = chunkBytes;
    if (delayMs !== undefined) rule.delayMs = delayMs;
    return rule;
  });
}

export function setFaults(state: SimState, rules: FaultRule[]): void {
  state.faults = { rules, compiled: rules.map((r) => new RegExp(r.path)), fired: rules.map(() => 0) };
}

/** The first matching rule with fires left; counts the fire. */
export function pickFault(state: SimState, method: string, path: string): FaultRule | undefined {
  const f = state.faults;
  for (let i = 0; i < f.rules.length; i++) {
    const rule = f.rules[i]!;
    if (rule.method && rule.method !== method) continue;
    if (!f.compiled[i]!.test(path)) continue;
    if (rule.count !== undefined && f.fired[i]! >= rule.count) continue;
    f.fired[i] = f.fired[i]! + 1;
    return rule;
  }
  return undefined;
}

const STATUS_TEXT: Record<string, string> = { '500': 'Internal Server Error', '502': 'Bad Gateway', '503': 'Service Unavailable' };

/** The answer replacing the real one for status faults; undefined for body faults. */
export function faultResponse(rule: FaultRule): SimResponse | undefined {
  const message = STATUS_TEXT[rule.kind];
  if (!message) return undefined;
  return { status: Number(rule.kind), headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${message} (injected)\n`) };
}

/** The rule in the shape the shared sender (../projectplace/send.ts) applies body faults from. */
export function bodyFault(rule: FaultRule | undefined): BodyFault | undefined {
  if (!rule || (rule.kind !== 'reset' && rule.kind !== 'short' && rule.kind !== 'slow')) return undefined;
  const out: BodyFault = { path: rule.path, kind: rule.kind };
  if (rule.chunkBytes !== undefined) out.chunkBytes = rule.chunkBytes;
  if (rule.delayMs !== undefined) out.delayMs = rule.delayMs;
  return out;
}
