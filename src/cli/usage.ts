// The error for a wrong command line: its message is printed as is, with the exit code for bad configuration.

import { ConfigError } from '../lib/errors.ts';

export class UsageError extends ConfigError {
  override name = 'UsageError';
}

/** Runs a parseArgs call, turning its complaint into a UsageError followed by the command's help. */
export function parseOrUsage<T>(parse: () => T, help: string): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
}
