// One typed configuration for both adapters (CLI file, Action inputs); errors name the key, the value and what is expected.
// Keys are the Action's input names in kebab-case; the old Python tool's snake_case keys are accepted too.

import { resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { addSecret } from '../lib/log.ts';
import type { ProjectplaceSettings } from '../connectors/projectplace/settings.ts';
import { defaultHost } from '../connectors/projectplace/settings.ts';
import { parseProsonataSettings, type ProsonataSettings } from '../connectors/prosonata/settings.ts';
import { parseDamasSettings, type DamasSettings } from '../connectors/damas/settings.ts';

/** One service to back up into the repo (each under its own top folder). */
export type SourceConfig =
  | { type: 'projectplace'; settings: ProjectplaceSettings }
  | { type: 'prosonata'; settings: ProsonataSettings }
  | { type: 'damas'; settings: DamasSettings };

export const sourceTypes = ['projectplace', 'prosonata', 'damas'] as const;

export interface BackupConfig {
  /** In the order they run. Projectplace given by the top-level keys (the original form) is one of them. */
  sources: SourceConfig[];
  repoPath: string;
  branch: string;
  lfsThreshold: number;
  concurrency: number;
  statePath?: string;
  maxRunMinutes?: number;
}

const knownKeys = [
  'sources', 'host', 'consumer-key', 'consumer-secret', 'access-token', 'access-token-secret', 'client-id', 'client-secret', 'workspace-ids',
  'repo-path', 'branch', 'lfs-threshold', 'concurrency', 'state-path', 'max-run-minutes',
] as const;
type Key = (typeof knownKeys)[number];
const aliases: Record<string, Key> = { repo: 'repo-path', 'repo-dir': 'repo-path', workspaces: 'workspace-ids' };
const secretKeys: Key[] = ['consumer-secret', 'access-token', 'access-token-secret', 'client-secret'];
const projectplaceKeys: Key[] = ['host', 'consumer-key', 'consumer-secret', 'access-token', 'access-token-secret', 'client-id', 'client-secret', 'workspace-ids'];

function normaliseKey(k: string): string {
  const n = k.trim().toLowerCase().replace(/_/g, '-');
  return aliases[n] ?? n;
}

/** "50MiB", "1 GB", "1048576" → bytes. */
export function parseSize(v: unknown, key: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(v) : null;
  if (!m) throw new ConfigError(`${key} is ${JSON.stringify(v)}; expected a size such as 52428800, "50MiB" or "1GB"`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[unit]!);
}

function parsePositiveInt(v: unknown, key: string, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new ConfigError(`${key} is ${JSON.stringify(v)}; expected a whole number from 1 to ${max}`);
  }
  return n;
}

function parseIds(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  const list = Array.isArray(v) ? v : String(v).split(/[\s,]+/);
  return list.map((x) => String(x).trim()).filter(Boolean).map((id) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new ConfigError(`workspace-ids contains ${JSON.stringify(id)}; expected workspace ids such as 3281238`);
    return id;
  });
}

/** Flattens { projectplace: {...}, ...top } into one key → value map with normalised keys; unknown keys are errors. */
function flatten(raw: Record<string, unknown>): Map<Key, unknown> {
  const out = new Map<Key, unknown>();
  const take = (obj: Record<string, unknown>, where: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'projectplace' && where === '' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        take(v as Record<string, unknown>, 'projectplace.');
        continue;
      }
      if (k.startsWith('$') || k === 'comment') continue;
      const n = normaliseKey(k);
      if (!(knownKeys as readonly string[]).includes(n)) {
        throw new ConfigError(`unknown configuration key "${where}${k}"; known keys: ${knownKeys.join(', ')}`);
      }
      out.set(n as Key, v);
    }
  };
  take(raw, '');
  return out;
}


type Str = (k: Key) => string | undefined;

/** Sources from `sources` (an array, or its JSON text from an Action input) and/or the top-level Projectplace keys. */
function parseSources(values: Map<Key, unknown>, str: Str, env: NodeJS.ProcessEnv): SourceConfig[] {
  const topLevel = projectplaceKeys.some((k) => k !== 'host' && str(k) !== undefined);
  let list = values.get('sources');
  if (typeof list === 'string' && list.trim() !== '') {
    try {
      list = JSON.parse(list);
    } catch (e) {
      throw new ConfigError(`sources is not valid JSON: ${(e as Error).message}; expected a list such as [{ "type": "prosonata", "url": "...", "api-key": "..." }]`);
    }
  } else if (list === '' || list === null) {
    list = undefined;
  }
  if (list === undefined) return [{ type: 'projectplace', settings: parseProjectplace(values, str, '') }];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError('sources must be a non-empty list of { "type": ..., ... } objects');
  const out: SourceConfig[] = [];
  list.forEach((raw, i) => {
    const where = `sources[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where} must be an object with a "type" (${sourceTypes.join(' or ')})`);
    const { type, ...rest } = raw as Record<string, unknown>;
    if (type === 'projectplace') {
      if (topLevel) throw new ConfigError(`Projectplace is configured twice: by the top-level keys and by ${where}; keep one`);
      const own = new Map<Key, unknown>();
      for (const [k, v] of Object.entries(rest)) {
        if (k.startsWith('$') || k === 'comment') continue;
        const n = normaliseKey(k) as Key;
        if (!projectplaceKeys.includes(n)) throw new ConfigError(`unknown configuration key "${where}.${k}"; known keys for projectplace: ${projectplaceKeys.join(', ')}`);
        own.set(n, v);
      }
      const ownStr: Str = (k) => {
        const v = own.get(k);
        if (v === undefined || v === null || v === '') return undefined;
        if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${where}.${k} must be a string`);
        return String(v).trim();
      };
      for (const k of secretKeys) addSecret(ownStr(k));
      out.push({ type: 'projectplace', settings: parseProjectplace(own, ownStr, `${where}.`) });
    } else if (type === 'prosonata') {
      // The key may stay out of the file: WORKSPACE_BACKUP_PROSONATA_API_KEY fills it.
      const hasKey = Object.keys(rest).some((k) => normaliseKey(k) === 'api-key' || k === 'apiKey');
      const fromEnv = env.WORKSPACE_BACKUP_PROSONATA_API_KEY;
      out.push({ type: 'prosonata', settings: parseProsonataSettings(!hasKey && fromEnv ? { ...rest, 'api-key': fromEnv } : rest, where) });
    } else if (type === 'damas') {
      // The password or token may stay out of the file: WORKSPACE_BACKUP_DAMAS_PASSWORD / _TOKEN fill them.
      out.push({ type: 'damas', settings: parseDamasSettings(rest, where, env) });
    } else {
      throw new ConfigError(`${where}.type is ${JSON.stringify(type)}; expected one of ${sourceTypes.join(', ')}`);
    }
  });
  if (topLevel) out.unshift({ type: 'projectplace', settings: parseProjectplace(values, str, '') });
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.type)) throw new ConfigError(`sources lists ${s.type} twice; one backup repo holds one account of each service`);
    seen.add(s.type);
  }
  return out;
}

/** The Projectplace source from its keys (top-level, or one entry of `sources`, named by `where`). */
function parseProjectplace(values: Map<Key, unknown>, str: Str, where: string): ProjectplaceSettings {
  const host = str('host') ?? defaultHost;
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new ConfigError(`${where}host is ${JSON.stringify(host)}; expected a URL such as ${defaultHost}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${where}host is ${JSON.stringify(host)}; expected an http(s) URL`);

  const oauth1 = ['consumer-key', 'consumer-secret', 'access-token', 'access-token-secret'] as const;
  const oauth2 = ['client-id', 'client-secret'] as const;
  const has1 = oauth1.filter((k) => str(k));
  const has2 = oauth2.filter((k) => str(k));
  let auth: ProjectplaceSettings['auth'];
  if (has1.length === oauth1.length) {
    auth = { kind: 'oauth1', consumerKey: str('consumer-key')!, consumerSecret: str('consumer-secret')!, accessToken: str('access-token')!, accessTokenSecret: str('access-token-secret')! };
  } else if (has2.length === oauth2.length) {
    auth = { kind: 'oauth2', clientId: str('client-id')!, clientSecret: str('client-secret')! };
  } else {
    const missing = has1.length > 0 ? oauth1.filter((k) => !str(k)) : has2.length > 0 ? oauth2.filter((k) => !str(k)) : [];
    throw new ConfigError(
      `Projectplace credentials are incomplete${where ? ` in ${where.slice(0, -1)}` : ''}: give` + ' either consumer-key, consumer-secret, access-token and access-token-secret (an OAuth1 robot), ' +
        'or client-id and client-secret (OAuth2)' + (missing.length ? `; missing: ${missing.join(', ')}` : ''),
    );
  }

  return { host, auth, workspaceIds: parseIds(values.get('workspace-ids')) };
}

/**
 * Builds the configuration from a parsed file (relative paths resolve against `baseDir`) and the environment:
 * WORKSPACE_BACKUP_CLIENT_SECRET and the like fill keys the file leaves out, so secrets need not be in the file.
 */
export function buildConfig(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): BackupConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('the configuration must be a JSON object');
  const values = flatten(raw as Record<string, unknown>);
  for (const k of knownKeys) {
    const fromEnv = env[`WORKSPACE_BACKUP_${k.toUpperCase().replace(/-/g, '_')}`];
    if (!values.has(k) && fromEnv !== undefined && fromEnv !== '') values.set(k, fromEnv);
  }
  const str = (k: Key): string | undefined => {
    const v = values.get(k);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${k} must be a string`);
    return String(v).trim();
  };
  for (const k of secretKeys) addSecret(str(k));

  const sources = parseSources(values, str, env);
  const repo = str('repo-path');
  if (!repo) throw new ConfigError('repo-path is missing: the folder of the backup git repository (created if it does not exist)');
  const config: BackupConfig = {
    sources,
    repoPath: resolve(baseDir, repo),
    branch: str('branch') ?? 'main',
    lfsThreshold: values.has('lfs-threshold') ? parseSize(values.get('lfs-threshold'), 'lfs-threshold') : 50 * 1024 * 1024,
    concurrency: values.has('concurrency') ? parsePositiveInt(values.get('concurrency'), 'concurrency', 64) : 4,
  };
  if (config.lfsThreshold > 100 * 1024 * 1024) {
    throw new ConfigError(`lfs-threshold is ${config.lfsThreshold} bytes; it must stay below GitHub's 100 MiB file limit`);
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(config.branch) || config.branch.includes('..')) throw new ConfigError(`branch is ${JSON.stringify(config.branch)}; expected a plain branch name such as main`);
  const state = str('state-path');
  if (state) config.statePath = resolve(baseDir, state);
  if (values.has('max-run-minutes')) {
    const v = values.get('max-run-minutes');
    const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !(n > 0) || n > 100_000) throw new ConfigError(`max-run-minutes is ${JSON.stringify(v)}; expected a number of minutes greater than 0, such as 300`);
    config.maxRunMinutes = n;
  }
  return config;
}
