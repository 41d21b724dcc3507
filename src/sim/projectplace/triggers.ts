// Triggers: changes that happen *during* a client's run, on the n-th request matching a path (edit or delete a
// document between listing and download, move a folder after a workspace was listed, expire tokens mid-run).

import { mutate, MutationError, parseMutation } from './mutate.ts';
import { nowMs, type SimState, type TriggerFiring, type TriggerRule } from './model.ts';

export class TriggerRuleError extends Error {
  override name = 'TriggerRuleError';
}

type Json = Record<string, unknown>;

const placeholder = /^\$([1-9])$/;

/** Replaces "$1".."$9" strings in an operation template by capture groups (numbers when all digits). */
function instantiate(template: Json, groups: ArrayLike<string | undefined>): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(template)) {
    const m = typeof v === 'string' ? placeholder.exec(v) : null;
    if (!m) {
      out[k] = v;
      continue;
    }
    const g = groups[Number(m[1])];
    out[k] = g !== undefined && /^\d+$/.test(g) ? Number(g) : g;
  }
  return out;
}

/** Checks untrusted JSON ({"triggers": [...]} or a bare array) and returns typed rules. */
export function parseTriggers(body: unknown): TriggerRule[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? (body as Json).triggers : undefined;
  if (!Array.isArray(list)) throw new TriggerRuleError('expected {"triggers": [...]}');
  return list.map((raw: unknown, i): TriggerRule => {
    const at = `triggers[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TriggerRuleError(`${at}: expected an object`);
    const o = raw as Json;
    for (const k of Object.keys(o)) {
      if (!['path', 'method', 'nth', 'when', 'mutations', 'advanceClockSeconds', 'expireTokens'].includes(k)) throw new TriggerRuleError(`${at}.${k}: unknown field`);
    }
    if (typeof o.path !== 'string') throw new TriggerRuleError(`${at}.path: expected a regular expression string`);
    let groups = 0;
    try {
      groups = new RegExp(`${o.path}|`).exec('')!.length - 1;
    } catch (e) {
      throw new TriggerRuleError(`${at}.path: ${(e as Error).message}`);
    }
    if (o.method !== undefined && typeof o.method !== 'string') throw new TriggerRuleError(`${at}.method: expected a string`);
    const nth = o.nth ?? 1;
    if (typeof nth !== 'number' || !Number.isSafeInteger(nth) || nth < 1) throw new TriggerRuleError(`${at}.nth: expected an integer >= 1`);
    const when = o.when ?? 'before';
    if (when !== 'before' && when !== 'after') throw new TriggerRuleError(`${at}.when: expected "before" or "after"`);
    const mutations = o.mutations ?? [];
    if (!Array.isArray(mutations)) throw new TriggerRuleError(`${at}.mutations: expected a list of operations`);
    mutations.forEach((m: unknown, j) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new TriggerRuleError(`${at}.mutations[${j}]: expected an object`);
      for (const v of Object.values(m as Json)) {
        const p = typeof v === 'string' ? placeholder.exec(v) : null;
        if (p && Number(p[1]) > groups) throw new TriggerRuleError(`${at}.mutations[${j}]: ${v} but path has ${groups} capture groups`);
      }
      // Shape check with every placeholder standing for a plausible id.
      try {
        parseMutation(instantiate(m as Json, ['', ...Array<string>(9).fill('1')]));
      } catch (e) {
        throw new TriggerRuleError(`${at}.mutations[${j}]: ${(e as Error).message}`);
      }
    });
    const rule: TriggerRule = { path: o.path, nth, when, mutations: mutations as Json[] };
    if (typeof o.method === 'string') rule.method = o.method.toUpperCase();
    if (o.advanceClockSeconds !== undefined) {
      if (typeof o.advanceClockSeconds !== 'number' || !Number.isFinite(o.advanceClockSeconds)) throw new TriggerRuleError(`${at}.advanceClockSeconds: expected a number`);
      rule.advanceClockSeconds = o.advanceClockSeconds;
    }
    if (o.expireTokens !== undefined) {
      if (typeof o.expireTokens !== 'boolean') throw new TriggerRuleError(`${at}.expireTokens: expected a boolean`);
      rule.expireTokens = o.expireTokens;
    }
    if (rule.mutations.length === 0 && rule.advanceClockSeconds === undefined && !rule.expireTokens) {
      throw new TriggerRuleError(`${at}: does nothing (give mutations, advanceClockSeconds or expireTokens)`);
    }
    return rule;
  });
}

/** Replaces all triggers (and their counters). */
export function setTriggers(state: SimState, rules: TriggerRule[]): void {
  const checked = parseTriggers(rules);
  state.triggers = { rules: checked, compiled: checked.map((r) => new RegExp(r.path)), seen: checked.map(() => 0), fired: checked.map(() => null) };
}

export function clearTriggers(state: SimState): void {
  setTriggers(state, []);
}

/** A trigger due on this request, with the match that fired it. */
export interface DueTrigger {
  index: number;
  rule: TriggerRule;
  match: RegExpExecArray;
}

/** Counts this request against every trigger; returns those whose n-th matching request it is. */
export function dueTriggers(state: SimState, method: string, pathname: string): DueTrigger[] {
  const t = state.triggers;
  const due: DueTrigger[] = [];
  for (let i = 0; i < t.rules.length; i++) {
    const rule = t.rules[i] as TriggerRule;
    if (rule.method && rule.method !== method.toUpperCase()) continue;
    const match = (t.compiled[i] as RegExp).exec(pathname);
    if (!match) continue;
    t.seen[i] = (t.seen[i] as number) + 1;
    if (t.seen[i] === rule.nth) due.push({ index: i, rule, match });
  }
  return due;
}

/** Applies a due trigger; a mutation that cannot apply (the item is already gone) is recorded, not thrown. */
export function fireTrigger(state: SimState, due: DueTrigger, request: string): TriggerFiring {
  const firing: TriggerFiring = { request, ids: [], errors: [] };
  for (const template of due.rule.mutations) {
    try {
      firing.ids.push(mutate(state, parseMutation(instantiate(template, due.match))));
    } catch (e) {
      if (!(e instanceof MutationError)) throw e;
      firing.errors.push(e.message);
    }
  }
  if (due.rule.advanceClockSeconds !== undefined) state.clockOffsetMs += due.rule.advanceClockSeconds * 1000;
  if (due.rule.expireTokens) {
    const now = nowMs(state);
    for (const t of state.auth.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }
  state.triggers.fired[due.index] = firing;
  return firing;
}
