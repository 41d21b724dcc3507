// What the damas connector needs to know: the server's address, and either an admin account (username or email,
// and password: the connector signs in) or a token made for it. Parsed from an untrusted object, and the
// environment for the secrets (WORKSPACE_BACKUP_DAMAS_PASSWORD, WORKSPACE_BACKUP_DAMAS_TOKEN).

import { ConfigError } from '../../lib/errors.ts';
import { addSecret } from '../../lib/log.ts';

export interface DamasSettings {
  /** The server's address, such as https://damas.example.com (the API is under /api/). */
  url: string;
  /** An admin's username or email, to sign in with (POST /api/signIn/). */
  username?: string;
  password?: string;
  /** A JWT made for the backup (signIn with expiresIn "0" makes one that does not expire); instead of username and password. */
  token?: string;
}

/** The configuration keys, kebab-case (camelCase and snake_case are accepted too). */
export const damasSettingsKeys = ['url', 'username', 'password', 'token'] as const;
type Key = (typeof damasSettingsKeys)[number];
/** Keys whose values are secrets (registered for masking when parsed). */
export const damasSecretKeys: readonly Key[] = ['password', 'token'];

/** Environment variables that supply the secrets when the configuration leaves them out. */
export const DAMAS_ENV = { password: 'WORKSPACE_BACKUP_DAMAS_PASSWORD', token: 'WORKSPACE_BACKUP_DAMAS_TOKEN' } as const;

const aliases: Record<string, Key> = {
  'server-url': 'url',
  server: 'url',
  'damas-server': 'url',
  'damas-url': 'url',
  user: 'username',
  email: 'username',
  'damas-username': 'username',
  'damas-password': 'password',
  'damas-token': 'token',
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
 * Checks a raw object (a config file's `damas` section, or Action inputs) and returns the settings; a password or
 * token missing from it is taken from `env`. Errors are ConfigErrors naming the key and what is expected; secrets
 * never appear in them.
 */
export function parseDamasSettings(raw: unknown, where = 'damas', env: Record<string, string | undefined> = {}): DamasSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where} must be an object with url and either username and password, or token`);
  const values = new Map<Key, unknown>();
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k.startsWith('$') || k === 'comment') continue;
    const n = normaliseKey(k);
    if (!(damasSettingsKeys as readonly string[]).includes(n)) throw new ConfigError(`unknown configuration key "${where}.${k}"; known keys: ${damasSettingsKeys.join(', ')}`);
    if (values.has(n as Key)) throw new ConfigError(`${where}.${n} is given twice (as ${k} and another spelling)`);
    values.set(n as Key, v);
  }
  const str = (k: Key, secret: boolean): string | undefined => {
    const v = values.get(k);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${where}.${k} must be a string${secret ? '' : `, not ${JSON.stringify(v)}`}`);
    // A password is taken as it is (spaces may be part of it); other values are trimmed.
    const s = secret && k === 'password' ? String(v) : String(v).trim();
    return s === '' ? undefined : s;
  };
  const fromEnv = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const username = str('username', false);
  // The environment's password goes with a configured username; its token is used when no username is configured.
  const password = str('password', true) ?? (username !== undefined ? fromEnv(DAMAS_ENV.password) : undefined);
  const tokenRaw = str('token', true) ?? (username === undefined ? fromEnv(DAMAS_ENV.token)?.trim() : undefined);
  addSecret(password);
  addSecret(tokenRaw);
  const url = parseUrl(str('url', false), `${where}.url`);

  const settings: DamasSettings = { url };
  if (username !== undefined || password !== undefined) {
    if (username === undefined) throw new ConfigError(`${where}.username is missing: the admin account's username or email that goes with the password`);
    if (password === undefined) {
      throw new ConfigError(`${where}.password is missing for ${where}.username "${username}": give it in the configuration or in the environment variable ${DAMAS_ENV.password}`);
    }
    if (tokenRaw !== undefined) throw new ConfigError(`${where}: give either username and password, or token, not both`);
    settings.username = username;
    settings.password = password;
    return settings;
  }
  if (tokenRaw === undefined) {
    throw new ConfigError(
      `${where} needs credentials: username and password of an admin account (the password may come from ${DAMAS_ENV.password}), ` +
        `or a token (${where}.token or ${DAMAS_ENV.token}, such as one from signIn with expiresIn "0")`,
    );
  }
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(tokenRaw)) {
    throw new ConfigError(`${where}.token is not a JSON Web Token (three base64url parts separated by dots); copy the "token" value of the signIn answer without quotes or "Bearer"`);
  }
  settings.token = tokenRaw;
  return settings;
}

function parseUrl(value: string | undefined, key: string): string {
  const example = 'https://damas.example.com';
  if (!value) throw new ConfigError(`${key} is missing: the damas-core server's address, such as ${example}`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected a URL such as ${example}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected an https URL such as ${example}`);
  // The password and the token travel in every request: plain http only to this machine (a simulator), never over a network.
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) throw new ConfigError(`${key} is ${JSON.stringify(value)}: plain http would send the password and token unencrypted; use https (${example})`);
  if (u.username || u.password) throw new ConfigError(`${key} must not contain a user name or password; give them as username and password`);
  if (u.search || u.hash) throw new ConfigError(`${key} is ${JSON.stringify(value)}; expected no query or fragment`);
  // A URL that names the API (…/api or …/api/) is taken as the server's.
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '').replace(/\/api$/, '');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
