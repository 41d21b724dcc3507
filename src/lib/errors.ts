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

/** The disk holding the backup (or its temp files) is full: the run stops, keeping the last complete backup. */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

/** Is this (or what caused it) a full disk or exceeded quota, from node, git or SQLite? */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DiskFullError) return true;
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (/no space left on device|out of diskspace|disk quota exceeded|database or disk is full|SQLITE_FULL/i.test(e.message)) return true;
  }
  return false;
}

/** A DiskFullError that says where and what to do, from whichever layer noticed. */
export function diskFullError(where: string, cause: unknown): DiskFullError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new DiskFullError(
    `the disk holding ${where} is full (${detail}). Nothing from this run was committed and the last complete backup is intact; free some space or move the backup, then run again`,
    { cause },
  );
}
