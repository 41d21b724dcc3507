// HTTP client for Projectplace's REST API: auth on every attempt, the shared limiter, retries, and errors that say what to do.

import { Agent, request, type Dispatcher } from 'undici';
import { AuthError, ServiceError } from '../../lib/errors.ts';
import { RateLimiter } from '../../lib/http/limiter.ts';
import { parseRetryAfter, withRetry, defaultRetry, type RetryOptions } from '../../lib/http/retry.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { createAuthenticator, type Authenticator } from './auth.ts';
import { describeNonJson, snippet } from './describe.ts';
import type { ProjectplaceSettings } from './settings.ts';

export interface ClientOptions {
  limiter?: RateLimiter;
  retry?: Partial<RetryOptions>;
  logger?: Logger;
  dispatcher?: Dispatcher;
}

export interface OpenedBody {
  body: Dispatcher.ResponseData['body'];
  size?: number;
}

type Method = 'GET' | 'POST';

export class ProjectplaceClient {
  readonly host: string;
  readonly limiter: RateLimiter;
  #auth: Authenticator;
  #dispatcher: Dispatcher;
  #retry: RetryOptions;
  #log: Logger;

  constructor(settings: ProjectplaceSettings, opts: ClientOptions = {}) {
    this.host = settings.host.replace(/\/+$/, '');
    this.limiter = opts.limiter ?? new RateLimiter({ concurrency: 4 });
    this.#dispatcher = opts.dispatcher ?? new Agent({ connections: 16, headersTimeout: 120_000, bodyTimeout: 120_000 });
    this.#auth = createAuthenticator(settings.auth, this.host, this.#dispatcher);
    this.#log = opts.logger ?? silentLogger;
    this.#retry = { ...defaultRetry, ...opts.retry, limiter: this.limiter };
  }

  /**
   * GET or POST a JSON API path; the parsed JSON comes back (unknown: the caller validates its shape). A 2xx whose body
   * is not JSON (an HTML page from a proxy, an empty body, JSON cut short) is tried again a few times, then a
   * ServiceError that names the endpoint and what came instead.
   */
  async json(method: Method, path: string, body?: unknown): Promise<unknown> {
    return withRetry(
      (attempt) =>
        this.limiter.run(async () => {
          const res = await this.#send(method, this.host + path, body);
          const text = await res.body.text();
          try {
            return JSON.parse(text) as unknown;
          } catch (e) {
            const retryable = attempt < badBodyAttempts;
            throw new ServiceError(
              `Projectplace answered ${method} ${pathOf(this.host + path)} with ${res.statusCode} and ${describeNonJson(text, res.headers['content-type'], e)}` +
                (retryable ? '' : ` (the same after ${attempt} tries; the service or a proxy in front of it is broken, try again later)`),
              { status: res.statusCode, retryable },
            );
          }
        }),
      this.#retryOptions(`${method} ${path}`),
    );
  }

  /**
   * Opens a download. The caller owns the body and must consume or destroy it. Only the opening is retried here;
   * a body that breaks halfway is the caller's to restart (it knows how many bytes it kept).
   */
  async open(path: string, signal?: AbortSignal): Promise<OpenedBody> {
    return withRetry(async () => {
      const release = await this.limiter.acquire();
      try {
        let res = await this.#send('GET', this.host + path, undefined, signal);
        // Follow a redirect to storage ourselves: signed storage URLs carry their own auth, so ours goes only to our host.
        for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400; hops++) {
          const location = res.headers.location;
          await res.body.dump();
          if (typeof location !== 'string' || hops >= 5) throw new ServiceError(`Projectplace redirected ${path} without a usable Location`, { retryable: true });
          const target = new URL(location, this.host + path);
          const sameHost = target.origin === new URL(this.host).origin;
          res = await this.#send('GET', target.toString(), undefined, signal, sameHost);
        }
        const length = Number(res.headers['content-length']);
        // The slot is held until the body is done, so concurrency counts transfers, not just their starts.
        res.body.once('close', release);
        return { body: res.body, size: Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : undefined };
      } catch (e) {
        release();
        throw e;
      }
    }, this.#retryOptions(`GET ${path}`, signal));
  }

  #retryOptions(what: string, signal?: AbortSignal): RetryOptions {
    return {
      ...this.#retry,
      signal,
      onRetry: (error, attempt, delay) =>
        this.#log.debug(`retrying ${what} (attempt ${attempt + 1} in ${Math.round(delay)} ms): ${(error as Error).message}`),
    };
  }

  async #send(method: Method, url: string, body?: unknown, signal?: AbortSignal, withAuth = true): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (withAuth) headers.authorization = await this.#auth.header(method, url);
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.#dispatcher,
        signal,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ServiceError(`Could not reach Projectplace (${method} ${pathOf(url)}): ${(cause as Error).message}`, { retryable: true, cause });
    }
    if (res.statusCode < 400) return res;
    const text = await res.body.text().catch(() => '');
    const what = `${method} ${pathOf(url)}`;
    if (res.statusCode === 401) {
      if (this.#auth.invalidate()) {
        throw new ServiceError(`Projectplace answered 401 to ${what}; getting a new token`, { status: 401, retryable: true });
      }
      throw new AuthError(`Projectplace answered 401 to ${this.#auth.kind === 'oauth1' ? 'OAuth1' : 'OAuth2'}: check ${this.#auth.hint}; the server said: ${snippet(text)}`);
    }
    if (res.statusCode === 429) {
      throw new ServiceError(`Projectplace is rate limiting us (429 on ${what})`, {
        status: 429,
        retryable: true,
        retryAfterSeconds: parseRetryAfter(res.headers['retry-after']) ?? 5,
      });
    }
    if (res.statusCode >= 500 || res.statusCode === 408) {
      throw new ServiceError(`Projectplace answered ${res.statusCode} to ${what}: ${snippet(text)}`, {
        status: res.statusCode,
        retryable: true,
        retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
      });
    }
    if (res.statusCode === 403) {
      throw new ServiceError(`Projectplace refused ${what} (403): the robot user needs access to this workspace; the server said: ${snippet(text)}`, { status: 403 });
    }
    throw new ServiceError(`Projectplace answered ${res.statusCode} to ${what}: ${snippet(text)}`, { status: res.statusCode });
  }
}

/** Attempts at a JSON endpoint that answers 2xx with something that is not JSON: plausibly transient, but not for long. */
const badBodyAttempts = 3;

function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname;
}
