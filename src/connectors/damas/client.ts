// HTTP client for damas-core's REST API: sign in (or take a given token), then JSON requests with the token as a
// Bearer header, retries for transient faults, one fresh sign-in when a token expires mid-run, and errors that say
// what went wrong. The signIn and verify answers hold the user's password hash: it is registered for masking and
// never kept (research §3.3).

import { Agent, request, type Dispatcher } from 'undici';
import { AuthError, ServiceError } from '../../lib/errors.ts';
import { defaultRetry, withRetry, type RetryOptions } from '../../lib/http/retry.ts';
import { addSecret, silentLogger, type Logger } from '../../lib/log.ts';
import type { DamasSettings } from './settings.ts';

export interface ClientOptions {
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  dispatcher?: Dispatcher;
  /** Lifetime asked for a signed-in token (default "2h"; a backup needs it for one run only). */
  tokenLifetime?: string;
}

/** Whom the credentials act as, from the signIn or verify answer (the password hash left out). */
export interface DamasAccount {
  /** The user node's id, "" on a server without authentication (noauth). */
  id: string;
  username: string;
  /** user, editor, admin, or guest when the node has none. */
  class: string;
  /** True on a server running the noauth extension (every caller an admin). */
  noauth: boolean;
}

/** A refusal or error the server answered; `serverText` is its body (a line of text, or a JSON string). */
export class DamasError extends ServiceError {
  readonly serverText: string;
  constructor(message: string, serverText: string, opts: { status?: number; retryable?: boolean; cause?: unknown }) {
    super(message, opts);
    this.serverText = serverText;
  }
}

export interface Answer {
  status: number;
  value: unknown;
}

export class DamasClient {
  /** e.g. https://damas.example.com */
  readonly base: string;
  #settings: DamasSettings;
  #token: string | undefined;
  #dispatcher: Dispatcher;
  #ownDispatcher: boolean;
  #retry: RetryOptions;
  #log: Logger;
  #lifetime: string;

  constructor(settings: DamasSettings, opts: ClientOptions = {}) {
    addSecret(settings.password);
    addSecret(settings.token);
    this.base = settings.url;
    this.#settings = settings;
    this.#token = settings.token;
    this.#ownDispatcher = opts.dispatcher === undefined;
    this.#dispatcher = opts.dispatcher ?? new Agent({ connections: 4, headersTimeout: 120_000, bodyTimeout: 120_000 });
    this.#retry = { ...defaultRetry, ...opts.retry };
    this.#log = opts.logger ?? silentLogger;
    this.#lifetime = opts.tokenLifetime ?? '2h';
  }

  /** Signs in (username and password) or checks the given token (GET /api/verify); AuthError when refused. */
  async account(): Promise<DamasAccount> {
    if (this.#settings.password !== undefined) return this.#signIn();
    const answer = await this.#send('GET', '/api/verify', undefined, false);
    if (answer.status === 401) throw this.#refused(answer, 'the token');
    this.#expect(answer, 'GET /api/verify', [200]);
    return accountOf(answer.value, this.#settings.token ?? '');
  }

  /** POST a JSON body; answers 2xx and 404 as they are (the API uses 207 and 404 for missing nodes), throws on the rest. */
  async post(path: string, body: unknown): Promise<Answer> {
    const what = `POST ${path}`;
    let answer = await this.#send('POST', path, body, true);
    if (answer.status === 401 && this.#settings.password !== undefined) {
      // The token expired during a long run (or the account's password changed): sign in once more.
      this.#log.info(`damas answered 401 to ${what}; signing in again`);
      await this.#signIn();
      answer = await this.#send('POST', path, body, true);
    }
    if (answer.status === 401) throw this.#refused(answer, this.#settings.password !== undefined ? 'the password' : 'the token');
    this.#expect(answer, what, [200, 201, 207, 404]);
    return answer;
  }

  async close(): Promise<void> {
    if (this.#ownDispatcher) await this.#dispatcher.close();
  }

  async #signIn(): Promise<DamasAccount> {
    const body = { username: this.#settings.username, password: this.#settings.password, expiresIn: this.#lifetime };
    const answer = await this.#send('POST', '/api/signIn/', body, false);
    if (answer.status === 401 || answer.status === 403) throw this.#refused(answer, 'username and password');
    if (answer.status === 404) {
      throw new ServiceError(
        `damas at ${this.base} has no POST /api/signIn/ (404): the server runs without its jwt extension. Check url; a server without authentication needs no credentials, but this tool will not back one up over a network`,
        { status: 404 },
      );
    }
    this.#expect(answer, 'POST /api/signIn/', [200]);
    const v = answer.value as { token?: unknown; user?: unknown } | null;
    const token = typeof v?.token === 'string' ? v.token : undefined;
    if (!token) throw new ServiceError(`damas answered POST /api/signIn/ with 200 but no token; is ${this.base} a damas-core server?`);
    addSecret(token);
    this.#token = token;
    return accountOf(v?.user, token);
  }

  #refused(answer: Answer, what: string): AuthError {
    const said = typeof answer.value === 'string' ? ` ("${snippet(answer.value)}")` : '';
    const check =
      what === 'the token'
        ? `check token (expired, or made before the account's password changed?) or give username and password instead`
        : `check username and password (an admin account of ${this.base}; the password may come from WORKSPACE_BACKUP_DAMAS_PASSWORD)`;
    return new AuthError(`damas refused ${what} (${answer.status}${said}): ${check}`);
  }

  #expect(answer: Answer, what: string, ok: number[]): void {
    if (ok.includes(answer.status)) return;
    const said = typeof answer.value === 'string' ? `: "${snippet(answer.value)}"` : '';
    throw new DamasError(`damas answered ${answer.status} to ${what}${said}`, typeof answer.value === 'string' ? answer.value : '', { status: answer.status });
  }

  /** One request, retried on network faults and 5xx; a body that is not JSON becomes its text. */
  async #send(method: string, path: string, body: unknown, auth: boolean): Promise<Answer> {
    const url = `${this.base}${path}`;
    const what = `${method} ${path}`;
    return withRetry(
      async () => {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if ((auth || method === 'GET') && this.#token) headers.authorization = `Bearer ${this.#token}`;
        let res: Dispatcher.ResponseData;
        try {
          res = await request(url, { method: method as Dispatcher.HttpMethod, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: this.#dispatcher });
        } catch (cause) {
          throw new ServiceError(`Could not reach damas (${what}): ${(cause as Error).message}`, { retryable: true, cause });
        }
        let text: string;
        try {
          text = await res.body.text();
        } catch (cause) {
          throw new ServiceError(`damas's answer to ${what} broke off: ${(cause as Error).message}`, { retryable: true, cause });
        }
        const status = res.statusCode;
        let value: unknown = text;
        const type = String(res.headers['content-type'] ?? '');
        if (/json/i.test(type)) {
          try {
            value = JSON.parse(text);
          } catch (cause) {
            // A JSON answer cut short or mangled (a proxy, a reset): worth another try.
            throw new ServiceError(`damas's answer to ${what} (${status}) is not valid JSON: ${(cause as Error).message}`, { status, retryable: true, cause });
          }
        } else if (/html/i.test(type) && status >= 500) {
          value = /<pre>([\s\S]*?)<\/pre>/i.exec(text)?.[1]?.replace(/<br>/g, ' ') ?? text;
        }
        this.#log.debug(`${what} → ${status}`);
        if (status >= 500 || status === 408 || status === 429) {
          const said = typeof value === 'string' && value.trim() ? `: "${snippet(value)}"` : '';
          throw new DamasError(`damas answered ${status} to ${what}${said}`, typeof value === 'string' ? value : '', { status, retryable: true });
        }
        if (status < 300 && typeof value === 'string' && (/html/i.test(type) || /^\s*</.test(value))) {
          // A sign-in page or a proxy's page where damas should have answered: say so, not "unusable".
          throw new ServiceError(`damas answered ${what} with ${status} and an HTML page instead of JSON (a sign-in page or a proxy in front of damas?); check url (it is ${this.base})`, { status, retryable: true });
        }
        if (status >= 300 && status < 400) {
          throw new ServiceError(`damas redirected ${what} (${status}); check url (it is ${this.base}; the API must answer under ${this.base}/api/)`, { status });
        }
        return { status, value };
      },
      { ...this.#retry, onRetry: (e, attempt, delay) => this.#log.debug(`retrying ${what} (attempt ${attempt + 1} in ${Math.round(delay)} ms): ${(e as Error).message}`) },
    );
  }
}

/** The account from a signIn `user` or a verify answer: its hash is masked from now on, and not kept. */
function accountOf(user: unknown, token: string): DamasAccount {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) throw new ServiceError('damas answered signIn or verify without a user; is the url a damas-core server?');
  const u = user as Record<string, unknown>;
  if (typeof u.password === 'string') addSecret(u.password);
  addSecret(token);
  if (Object.keys(u).length === 0) return { id: '', username: '', class: 'admin', noauth: true };
  return {
    id: typeof u._id === 'string' ? u._id : '',
    username: typeof u.username === 'string' ? u.username : typeof u.email === 'string' ? u.email : '?',
    class: typeof u.class === 'string' && u.class !== '' ? u.class : 'guest',
    noauth: false,
  };
}

/** One line of at most `max` characters, white space collapsed. */
export function snippet(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + '…' : t;
}
