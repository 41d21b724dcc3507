// What the ProSonata connector needs to know: where the account is, which credentials, which resources, and how
// much of the shared API budget to leave to the account's other integrations. Parsed from an untrusted object.

import { ConfigError } from '../../lib/errors.ts';
import { addSecret } from '../../lib/log.ts';

/** One list endpoint to back up: GET /api/v1/{name}, walked in the order of its primary key. */
export interface ProsonataResource {
  name: string;
  /** The primary key field (research §2.3, from the docs' sort lists). */
  pk: string;
}

export interface ProsonataSettings {
  /** The account's address, https://<subdomain>.prosonata.software; "/api/v1" is added unless the URL ends with it. */
  url: string;
  /** An App-Integration's id (X-APP-ID; System > Integrationen): full rights. Absent for a personal key. */
  appId?: string;
  /** The App-Integration's key, or a user's personal key (X-API-Key). */
  apiKey: string;
  /** The resources to back up, in order. */
  resources: ProsonataResource[];
  /** API calls per 15-minute window left unused for the account's other integrations (the budget is shared). */
  reserve: number;
}

/** Primary keys of the documented list resources [research §2.3]. */
export const PRIMARY_KEYS: Readonly<Record<string, string>> = Object.freeze({
  addresses: 'addressID',
  contacts: 'contactID',
  customers: 'customerID',
  externalcosts: 'documentID',
  projects: 'projectID',
  projecttasks: 'taskID',
  projecttimecategories: 'category',
  projecttimes: 'timeID',
  users: 'userID',
  workingtimes: 'workingTimeID',
  crmevents: 'eventID',
  invoices: 'invoiceID',
  quotations: 'quotationID',
  servicetemplates: 'templateID',
});

/**
 * The default resources: the old tool's ten, plus crmevents, quotations and servicetemplates, whose list forms the
 * docs describe. Not invoices: the docs cover only GET /invoices/{id}, and the list form backup.php calls is
 * unverified [research §2.3]; on an account without it every run would report a failed listing. Add it to
 * `resources` where GET /invoices answers.
 */
export const DEFAULT_RESOURCES: readonly string[] = Object.freeze([
  'addresses',
  'contacts',
  'customers',
  'externalcosts',
  'projects',
  'projecttasks',
  'projecttimecategories',
  'projecttimes',
  'users',
  'workingtimes',
  'crmevents',
  'quotations',
  'servicetemplates',
]);

/** Calls per window kept free by default: a tenth of the smallest plan's 50. */
export const DEFAULT_RESERVE = 5;

/** The configuration keys, kebab-case (camelCase and snake_case are accepted too). */
export const prosonataSettingsKeys = ['url', 'app-id', 'api-key', 'resources', 'rate-limit-reserve'] as const;
type Key = (typeof prosonataSettingsKeys)[number];
/** Keys whose values are secrets (registered for masking when parsed). */
export const prosonataSecretKeys: readonly Key[] = ['api-key'];

const aliases: Record<string, Key> = {
  'base-url': 'url',
  'workspace-url': 'url',
  host: 'url',
  'prosonata-workspace-url': 'url',
  appid: 'app-id',
  'prosonata-app-id': 'app-id',
  apikey: 'api-key',
  'prosonata-api-key': 'api-key',
  reserve: 'rate-limit-reserve',
};

function normaliseKey(k: string): string {
  const n = k
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/_/g, '-');
  return aliases[n] ?? n;
}

/**
 * Checks a raw object (a config file's `prosonata` section, or Action inputs) and returns the settings. Errors are
 * ConfigErrors naming the key (prefixed with `where`), the value and what is expected; the API key never appears in them.
 */
export function parseProsonataSettings(raw: unknown, where = 'prosonata'): ProsonataSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where} must be an object with url, api-key and (for an App-Integration) app-id`);
  const values = new Map<Key, unknown>();
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k.startsWith('$') || k === 'comment') continue;
    const n = normaliseKey(k);
    if (!(prosonataSettingsKeys as readonly string[]).includes(n)) {
      throw new ConfigError(`unknown configuration key "${where}.${k}"; known keys: ${prosonataSettingsKeys.join(', ')}`);
    }
    if (values.has(n as Key)) throw new ConfigError(`${where}.${n} is given twice (as ${k} and another spelling)`);
    values.set(n as Key, v);
  }
  const str = (k: Key, secret = false): string | undefined => {
    const v = values.get(k);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${where}.${k} must be a string${secret ? '' : `, not ${JSON.stringify(v)}`}`);
    const s = String(v).trim();
    return s === '' ? undefined : s;
  };

  const apiKey = str('api-key', true);
  addSecret(apiKey);
  if (!apiKey) {
    throw new ConfigError(
      `${where}.api-key is missing: an App-Integration's key (with ${where}.app-id; made under System > Integrationen) or a personal API key`,
    );
  }
  if (/\s/.test(apiKey)) throw new ConfigError(`${where}.api-key contains white space; copy the key again without spaces or line breaks`);

  const url = parseUrl(str('url'), `${where}.url`);
  const appId = str('app-id');
  if (appId !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(appId)) {
    throw new ConfigError(`${where}.app-id is ${JSON.stringify(appId)}; expected the App-ID shown under System > Integrationen, such as 12345`);
  }
  const settings: ProsonataSettings = {
    url,
    apiKey,
    resources: parseResources(values.get('resources'), `${where}.resources`),
    reserve: parseReserve(values.get('rate-limit-reserve'), `${where}.rate-limit-reserve`),
  };
  if (appId !== undefined) settings.appId = appId;
  return settings;
}

function parseUrl(value: string | undefined, key: string): string {
  const example = 'https://<your-subdomain>.prosonata.software';
  if (!value) throw new ConfigError(`${key} is missing: the account's address, such as ${example}`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected a URL such as ${example}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected an https URL such as ${example}`);
  // The key goes in a header on every request: plain http only to this machine (a simulator), never over a network.
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw new ConfigError(`${key} is ${JSON.stringify(value)}: plain http would send the API key unencrypted; use https (${example})`);
  }
  if (u.username || u.password) throw new ConfigError(`${key} must not contain a user name or password; give the key as api-key`);
  if (u.search || u.hash) throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected no query or fragment (credentials never go in the URL)`);
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** "projecttimes, users" or ["projecttimes", "myresource:myID", {name, pk}]; absent means the defaults. */
function parseResources(v: unknown, key: string): ProsonataResource[] {
  if (v === undefined || v === null || v === '') return DEFAULT_RESOURCES.map((name) => ({ name, pk: PRIMARY_KEYS[name]! }));
  const list: unknown[] = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : [v];
  if (list.length === 0) throw new ConfigError(`${key} is empty; leave it out for the defaults (${DEFAULT_RESOURCES.join(', ')})`);
  const out: ProsonataResource[] = [];
  for (const entry of list) {
    let name: unknown;
    let pk: unknown;
    if (typeof entry === 'string') [name, pk] = entry.trim().split(':');
    else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) ({ name, pk } = entry as { name?: unknown; pk?: unknown });
    if (typeof name !== 'string' || !/^[a-z][a-z0-9]{0,63}$/.test(name)) {
      throw new ConfigError(`${key} contains ${JSON.stringify(entry)}; expected resource names such as projecttimes (lower case, as in the API's paths)`);
    }
    pk ??= PRIMARY_KEYS[name];
    if (pk === undefined) {
      throw new ConfigError(
        `${key} names "${name}", whose primary key is not known; known resources: ${Object.keys(PRIMARY_KEYS).join(', ')}; for another one write "${name}:<primary key field>"`,
      );
    }
    if (typeof pk !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(pk)) throw new ConfigError(`${key}: the primary key of ${name} is ${JSON.stringify(pk)}; expected a field name such as timeID`);
    if (out.some((r) => r.name === name)) throw new ConfigError(`${key} names ${name} twice`);
    out.push({ name, pk });
  }
  return out;
}

function parseReserve(v: unknown, key: string): number {
  if (v === undefined || v === null || v === '') return DEFAULT_RESERVE;
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1000) {
    throw new ConfigError(`${key} is ${JSON.stringify(v)}; expected a whole number of API calls from 0 to 1000 to leave for other integrations each window, such as ${DEFAULT_RESERVE}`);
  }
  return n;
}

/** The API base for a settings URL: the URL itself when it ends in /api/v1, else the URL plus /api/v1. */
export function apiBase(url: string): string {
  const u = url.replace(/\/+$/, '');
  return /\/api\/v1$/.test(u) ? u : `${u}/api/v1`;
}

/** True when the settings name every default resource, so a resource missing from the list is really gone. */
export function coversDefaultResources(settings: Pick<ProsonataSettings, 'resources'>): boolean {
  return DEFAULT_RESOURCES.every((name) => settings.resources.some((r) => r.name === name));
}
