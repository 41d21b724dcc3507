// Fault injection by path pattern: 5xx answers (in the JSON envelope, or the HTML page a PHP fatal error gives),
// and body faults (connection reset mid-body, a body shorter than announced, a slow body). Faulted answers use up
// no API budget.

import type { SimRequest, SimResponse } from '../projectplace/http.ts';
import type { FaultRule as BodyFault } from '../projectplace/model.ts';
import { faultTable, FaultRuleError, parseFaultRules as parseRules, pickFaultRule } from '../common/fault-rules.ts';
import { envelopeResponse, errorEnvelope, htmlServerError } from './envelope.ts';
import type { FaultRule, SimState } from './model.ts';

const KINDS: readonly FaultRule['kind'][] = ['500', '502', '503', 'html-500', 'reset', 'short', 'slow'];

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

/** The answer replacing the real one for status faults; undefined for body faults. */
export function faultResponse(req: SimRequest, rule: FaultRule): SimResponse | undefined {
  switch (rule.kind) {
    case 'html-500':
      return htmlServerError();
    case '500':
    case '502':
    case '503': {
      const status = Number(rule.kind);
      return envelopeResponse(req, status, errorEnvelope({}, status, 'Internal error (injected).'));
    }
    default:
      return undefined;
  }
}

/** The rule in the shape the shared sender (../projectplace/send.ts) applies body faults from. */
export function bodyFault(rule: FaultRule | undefined): BodyFault | undefined {
  if (!rule || (rule.kind !== 'reset' && rule.kind !== 'short' && rule.kind !== 'slow')) return undefined;
  const out: BodyFault = { path: rule.path, kind: rule.kind };
  if (rule.chunkBytes !== undefined) out.chunkBytes = rule.chunkBytes;
  if (rule.delayMs !== undefined) out.delayMs = rule.delayMs;
  return out;
}
