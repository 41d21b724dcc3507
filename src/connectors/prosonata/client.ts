// HTTP client for ProSonata's REST API (/api/v1): header auth, one request at a time under the API budget, retries
// for transient faults, and errors that say what went wrong. It never sends credentials as query parameters (the
// API accepts ?apiKey=, which would put the key into every proxy and server log, research §2.3).

import { Agent, request, type Dispatcher } from 'undici';
import { ServiceError } from '../../lib/errors.ts';
import { RateLimiter } from '../../lib/http/limiter.ts';
import { defaultRetry, parseRetryAfter, withRetry, type RetryOptions } from '../../lib/http/retry.ts';
import { addSecret, silentLogger, type Logger } from '../../lib/log.ts';
import { ApiBudget, type PaceOptions } from './budget.ts';
import { numberOf, parseLossless } from './canonical.ts';
import { apiBase, type ProsonataSettings } from './settings.ts';

export interface ClientOptions {
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  dispatcher?: Dispatcher;
  /** Clock, sleep and time scale for waiting on the budget (tests run the simulator faster than real time). */
  pace?: PaceOptions;
  /** 429 answers in a row to one call before giving up (each waits for the window to reset); default 10. */
  maxRateLimited?: number;
}

/** A parsed answer in the API's envelope. Numbers in `data` keep their source text (see canonical.ts). */
export interface Answer {
  status: number;
  meta: Record<string, unknown>;
  data: unknown;
}

/** A refusal or error the API answered in its envelope; `serverMessage` is meta.message. */
export class ProsonataError extends ServiceError {
  readonly serverMessage: string;
  constructor(message: string, serverMessage: string, opts: { status?: number; retryable?: boolean; cause?: unknown }) {
    super(message, opts);
    this.serverMessage = serverMessage;
  }
}

/** Attempts at an answer that is 2xx but not the API's JSON: plausibly transient, but not for long. */
const badBodyAttempts = 3;

export class ProsonataClient {
  /** e.g. https://acme.prosonata.software/api/v1 */
  readonly base: string;
  readonly budget: ApiBudget;
  #headers: Record<string, string>;
  #dispatcher: Dispatcher;
  #ownDispatcher: boolean;
  #queue = new RateLimiter({ concurrency: 1 });
  #retry: RetryOptions;
  #log: Logger;
  #maxRateLimited: number;

  constructor(settings: ProsonataSettings, opts: ClientOptions = {}) {
    addSecret(settings.apiKey);
    this.base = apiBase(settings.url);
    this.#headers = { accept: 'application/json', 'x-api-key': settings.apiKey, ...(settings.appId !== undefined && { 'x-app-id': settings.appId }) };
    this.#ownDispatcher = opts.dispatcher === undefined;
    this.#dispatcher = opts.dispatcher ?? new Agent({ connections: 2, headersTimeout: 120_000, bodyTimeout: 120_000 });
    this.#log = opts.logger ?? silentLogger;
    this.#retry = { ...defaultRetry, ...opts.retry };
    this.#maxRateLimited = opts.maxRateLimited ?? 10;
    this.budget = new ApiBudget(settings.reserve, opts.pace, this.#log);
  }

  /**
   * GET {base}/{resource}?query: the envelope of a 2xx answer, or of a 404 "Data not found." (an empty list or a page
   * past the end, where the service answers so). Everything else throws: ProsonataError for the API's refusals (401,
   * 403, 404, 400, 429 after too many waits), ServiceError for the rest. Transient faults are retried; a 429 waits for
   * the window to reset and tries again.
   */
  async get(resource: string, query: Record<string, string> = {}): Promise<Answer> {
    const qs = new URLSearchParams(query).toString();
    const url = `${this.base}/${encodeURIComponent(resource)}${qs ? `?${qs}` : ''}`;
    const what = `GET ${new URL(url).pathname}${qs ? `?${qs}` : ''}`;
    for (let limited = 0; ; ) {
      try {
        return await withRetry(
          (attempt) =>
            this.#queue.run(async () => {
              await this.budget.ready();
              return this.#once(url, what, attempt);
            }),
          {
            ...this.#retry,
            onRetry: (error, attempt, delay) => this.#log.debug(`retrying ${what} (attempt ${attempt + 1} in ${Math.round(delay)} ms): ${(error as Error).message}`),
          },
        );
      } catch (e) {
        if (e instanceof ProsonataError && e.status === 429 && ++limited <= this.#maxRateLimited) {
          this.#log.info(`ProSonata refused ${what} with 429 (API budget used up, by us or another integration of the account); waiting for the next window`);
          continue;
        }
        throw e;
      }
    }
  }

  /** Closes the connections this client opened. */
  async close(): Promise<void> {
    if (this.#ownDispatcher) await this.#dispatcher.close();
  }

  async #once(url: string, what: string, attempt: number): Promise<Answer> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', headers: this.#headers, dispatcher: this.#dispatcher });
    } catch (cause) {
      throw new ServiceError(`Could not reach ProSonata (${what}): ${(cause as Error).message}`, { retryable: true, cause });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (cause) {
      throw new ServiceError(`ProSonata's answer to ${what} broke off: ${(cause as Error).message}`, { retryable: true, cause });
    }
    const http = res.statusCode;
    let body: unknown;
    let parseError: unknown;
    try {
      body = parseLossless(text);
    } catch (e) {
      parseError = e;
    }
    const meta = envelopeMeta(body);
    if (!meta) throw notTheApi(this.base, what, http, text, res.headers, parseError, attempt);

    const remaining = numberOf(meta.apiLimitRemaining);
    const reset = numberOf(meta.apiLimitReset);
    const message = typeof meta.message === 'string' ? meta.message : '';
    this.budget.observe(remaining, reset);
    // An error in the envelope is an error even if the HTTP status says 200: an error body read as data is how the
    // old tool recorded refused resources as empty.
    const metaStatus = numberOf(meta.status);
    const status = http < 300 && metaStatus !== undefined && metaStatus >= 400 ? metaStatus : http;
    this.#log.debug(`${what} → ${status}${remaining !== undefined ? ` (API budget: ${remaining} left, next window in ${reset ?? '?'} s)` : ''}`);
    const said = message ? `: "${snippet(message)}"` : '';

    if (status >= 200 && status < 300) return { status, meta, data: (body as { data?: unknown }).data };
    if (status === 404 && /^data not found\.?$/i.test(message.trim())) return { status, meta, data: [] };
    if (status === 429) {
      const asked = parseRetryAfter(res.headers['retry-after']) ?? reset ?? secondsIn(message);
      this.budget.exhausted(asked);
      throw new ProsonataError(`ProSonata refused ${what}: API budget used up (429)${said}`, message, { status });
    }
    if (status >= 500 || status === 408) {
      throw new ProsonataError(`ProSonata answered ${status} to ${what}${said}`, message, { status, retryable: true });
    }
    throw new ProsonataError(`ProSonata answered ${status} to ${what}${said}`, message, { status });
  }
}

/** The meta object of the API's {meta, data} envelope, or undefined when the body is something else. */
function envelopeMeta(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const meta = (body as { meta?: unknown }).meta;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !('data' in body)) return undefined;
  return meta as Record<string, unknown>;
}

/** "API limit exceeded. Try again in 780 seconds." → 780 */
function secondsIn(message: string): number | undefined {
  const m = /(\d+)\s*(?:seconds?|sekunden?|s\b)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** An answer outside the API's JSON envelope: a wrong base URL (an HTML 404 page), a redirect, a broken proxy, a cut body. */
function notTheApi(
  base: string,
  what: string,
  status: number,
  text: string,
  headers: Record<string, string | string[] | undefined>,
  parseError: unknown,
  attempt: number,
): ServiceError {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  const html = /html/i.test(first(headers['content-type'])) || /^\s*</.test(text);
  const title = html ? /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text)?.[1] : undefined;
  const got =
    text.trim() === ''
      ? 'an empty body'
      : html
        ? `an HTML page${title ? ` ("${snippet(title, 80)}")` : ''}`
        : parseError
          ? `something that is not JSON (${snippet((parseError as Error).message, 80)})`
          : "JSON that is not the API's {meta, data} envelope";
  const configure = `configure the account's address, such as https://<your-subdomain>.prosonata.software (the connector adds /api/v1)`;
  if (status === 404 || (html && status >= 400 && status < 500 && status !== 408 && status !== 429)) {
    return new ServiceError(`ProSonata's base URL looks wrong: ${what} was answered ${status} with ${got}, not the API's JSON. The URL in use is ${base}; ${configure}`, {
      status,
    });
  }
  if (status >= 300 && status < 400) {
    // Not followed: the key would go wherever the redirect points.
    const to = first(headers.location);
    return new ServiceError(`ProSonata redirected ${what} (${status}${to ? ` to ${snippet(to, 120)}` : ''}); the URL in use is ${base}: ${configure}`, { status });
  }
  if (status >= 500 || status === 408 || status === 429) {
    return new ServiceError(`ProSonata answered ${status} to ${what} with ${got}`, { status, retryable: true });
  }
  if (status < 300) {
    const retryable = attempt < badBodyAttempts;
    return new ServiceError(
      `ProSonata answered ${what} with ${status} and ${got}` +
        (retryable ? '' : ` (the same after ${attempt} tries: a maintenance page or a proxy in front of the service, or a URL that is not the API; the URL in use is ${base})`),
      { status, retryable },
    );
  }
  return new ServiceError(`ProSonata answered ${status} to ${what} with ${got}`, { status });
}

/** One line of at most `max` characters, white space collapsed. */
function snippet(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + '…' : t;
}
