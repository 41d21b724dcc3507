// The one logger: every line the tool prints goes through here, and every registered secret is masked first.

import { format } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  (level: LogLevel, line: string): void;
}

const secrets = new Set<string>();
const secretListeners: Array<(value: string) => void> = [];

/** Calls `listener` for every secret registered from now on (the Action passes them to core.setSecret). */
export function onSecret(listener: (value: string) => void): void {
  secretListeners.push(listener);
  for (const s of secrets) listener(s);
}

/** Registers a value that must never appear in output (and its URL-encoded forms). */
export function addSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  if (!secrets.has(value)) for (const l of secretListeners) l(value);
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  secrets.add(Buffer.from(value).toString('base64'));
}

/** Replaces every registered secret in text with ***. Longest first, so a secret containing another is masked whole. */
export function maskSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  // OAuth1 signatures and bearer tokens are per-request secrets we never register one by one.
  return out
    .replace(/(oauth_signature=")[^"]*"/gi, '$1***"')
    .replace(/(oauth_signature=)[^&\s"]+/gi, '$1***')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1***');
}

const defaultSink: LogSink = (level, line) => {
  const stream = level === 'info' || level === 'debug' ? process.stdout : process.stderr;
  stream.write(line + '\n');
};

export class Logger {
  #sink: LogSink;
  #debug: boolean;
  constructor(opts: { sink?: LogSink; debug?: boolean } = {}) {
    this.#sink = opts.sink ?? defaultSink;
    this.#debug = opts.debug ?? false;
  }
  get debugEnabled(): boolean {
    return this.#debug;
  }
  #emit(level: LogLevel, args: unknown[]): void {
    this.#sink(level, maskSecrets(format(...args)));
  }
  debug(...args: unknown[]): void {
    if (this.#debug) this.#emit('debug', args);
  }
  info(...args: unknown[]): void {
    this.#emit('info', args);
  }
  warn(...args: unknown[]): void {
    this.#emit('warn', args);
  }
  error(...args: unknown[]): void {
    this.#emit('error', args);
  }
}

/** A logger that prints nothing, for library use and tests that do not look at output. */
export const silentLogger = new Logger({ sink: () => {} });
