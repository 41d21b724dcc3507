// Reads the CLI's JSON configuration file into the shared typed configuration.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { buildConfig, type BackupConfig } from '../settings/backup-config.ts';

/** Reads and parses a configuration file; relative paths in it resolve against the file's folder. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): BackupConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the configuration file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`the configuration file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return buildConfig(raw, dirname(resolve(file)), env);
}
