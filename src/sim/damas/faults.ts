// Fault injection by path pattern: 5xx answers (the text a proxy in front of the server would give), and body
// faults (connection reset mid-body, a body shorter than announced, a slow body) applied by the shared sender.

import type { SimResponse } from '../projectplace/http.ts';
import type { FaultRule as BodyFault } from '../projectplace/model.ts';
import { faultTable, FaultRuleError, parseFaultRules as parseRules, pickFaultRule } from '../common/fault-rules.ts';
import type { FaultKind, FaultRule, SimState } from './model.ts';

const KINDS: readonly FaultKind[] = ['500', '502', '503', 'reset', 'short', 'slow'];

export { FaultRuleError };

/** Checks untrusted JSON ({"rules": [...]} or a bare array). */
export function parseFaultRules(body: unknown): FaultRule[] {
  return parseRules(body, KINDS);
}

export function setFaults(state: SimState, rules: FaultRule[]): void {
  state.faults = faultTable(rules);
}

/** The first matching rule with fires left; counts the fire. */
export function pickFault(state: SimState, method: string, path: string): FaultRule | undefined {
  return pickFaultRule(state.faults, method, path);
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
