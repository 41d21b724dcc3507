// Fault rules by path pattern, shared by the ProSonata and damas simulators: the checked rule list a test posts to
// /__sim/faults, and the first matching rule with fires left. (The Projectplace simulator's rules also draw rates
// from its seeded generator: src/sim/projectplace/faults.ts reads their list with ruleObjects and checks the rest.)

export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

/** What every rule has; `kind` is the simulator's own list of faults. */
export interface PathFaultRule<K extends string> {
  /** Regular expression tested against the request path. */
  path: string;
  kind: K;
  method?: string;
  /** Fire at most this many times (default unlimited). */
  count?: number;
  /** kind slow: bytes per chunk and pause in ms. */
  chunkBytes?: number;
  delayMs?: number;
}

export interface FaultTable<R> {
  rules: R[];
  compiled: RegExp[];
  fired: number[];
}

function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new FaultRuleError(`${key}: expected an integer in [${min}, ${max}]`);
  return v;
}

/**
 * The rule objects of untrusted JSON ({"rules": [...]} or a bare array), each with its place in the list and its path
 * checked as a regular expression; what else a rule may say is each simulator's own (every simulator parses with this).
 */
export function ruleObjects(body: unknown): Array<{ o: Record<string, unknown>; i: number; path: string }> {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? (body as Record<string, unknown>).rules : undefined;
  if (!Array.isArray(list)) throw new FaultRuleError('expected {"rules": [...]}');
  return list.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new FaultRuleError(`rules[${i}]: expected an object`);
    const o = raw as Record<string, unknown>;
    if (typeof o.path !== 'string') throw new FaultRuleError(`rules[${i}].path: expected a regular expression string`);
    try {
      new RegExp(o.path);
    } catch (e) {
      throw new FaultRuleError(`rules[${i}].path: ${(e as Error).message}`);
    }
    return { o, i, path: o.path };
  });
}

/** Checks untrusted JSON ({"rules": [...]} or a bare array) against the simulator's fault kinds. */
export function parseFaultRules<K extends string>(body: unknown, kinds: readonly K[]): Array<PathFaultRule<K>> {
  return ruleObjects(body).map(({ o, i, path }): PathFaultRule<K> => {
    if (!kinds.includes(o.kind as K)) throw new FaultRuleError(`rules[${i}].kind: expected one of ${kinds.join(', ')}`);
    const rule: PathFaultRule<K> = { path, kind: o.kind as K };
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

/** A fresh table for these rules (fired counters at zero). */
export function faultTable<R extends { path: string }>(rules: R[]): FaultTable<R> {
  return { rules, compiled: rules.map((r) => new RegExp(r.path)), fired: rules.map(() => 0) };
}

/** The first matching rule with fires left; counts the fire. */
export function pickFaultRule<R extends { method?: string; count?: number }>(f: FaultTable<R>, method: string, path: string): R | undefined {
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
