// Exit codes, mapped in one place (restic's cmd/restic/main.go).

import { AuthError, ConfigError } from '../lib/errors.ts';

export const exitCodes = {
  ok: 0,
  /** A bug or an unexpected failure: the message says how to report it. */
  internal: 1,
  /** Bad command line or configuration: nothing was done. */
  config: 2,
  /** The service refused the credentials: nothing was changed. */
  auth: 3,
  /** The run finished, committed what it could, and some items failed or were left for the next run. */
  partial: 4,
  /** The service or the repository failed in a way that stopped the run; what was committed stays. */
  failed: 5,
  /** verify found errors in the backup, or restore found the data it needs missing or damaged. */
  verifyFailed: 6,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError) return exitCodes.config;
  if (error instanceof AuthError) return exitCodes.auth;
  if (error instanceof Error && error.name === 'DamagedBackupError') return exitCodes.verifyFailed;
  if (error instanceof Error && (error.name === 'ServiceError' || error.name === 'GitError' || error.name === 'TransferError' || error.name === 'DiskFullError')) return exitCodes.failed;
  return exitCodes.internal;
}
