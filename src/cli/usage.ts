// The error for a wrong command line: its message is printed as is, with the exit code for bad configuration.

import { ConfigError } from '../lib/errors.ts';

export class UsageError extends ConfigError {
  override name = 'UsageError';
}
