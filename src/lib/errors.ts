// Typed errors that callers branch on, each carrying what the user must do next (DESIGN §7).

/** The configuration is missing or wrong; the message names the key, the value and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The service rejected our credentials; the message names which credential to check. */
export class AuthError extends Error {
  override name = 'AuthError';
}

/** The service answered something we cannot use; `retryable` says whether trying again may help. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** Seconds the service asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, opts: { status?: number; retryable?: boolean; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** A download ended short, failed its size check, or could not be completed after retries. */
export class TransferError extends Error {
  override name = 'TransferError';
}
