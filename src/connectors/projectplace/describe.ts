// Short, safe descriptions of what the service sent instead of what was asked for: for error messages (never whole bodies).

/** One line of at most `max` characters of a body, whitespace collapsed. */
export function snippet(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + '…' : t || '(empty body)';
}

/**
 * What came instead of JSON, in a few words: an empty body, an HTML page (its title), JSON cut short (its length), or
 * invalid JSON (the parser's reason and where). With `excerpt` (default) a capped excerpt of the body is added where
 * it helps; callers whose bodies may hold secrets (the token endpoint) turn it off.
 */
export function describeNonJson(text: string, contentType: string | string[] | undefined, error: unknown, opts: { excerpt?: boolean } = {}): string {
  const excerpt = opts.excerpt ?? true;
  const type = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  if (text.trim() === '') return 'an empty body instead of JSON';
  if (/html/i.test(type) || /^\s*</.test(text)) {
    const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text)?.[1];
    const what = title ? `: "${snippet(title, 80)}"` : excerpt ? `: ${snippet(text, 80)}` : '';
    return `an HTML page instead of JSON (a proxy or maintenance page?)${what}`;
  }
  const message = error instanceof Error ? error.message : '';
  const position = Number(/at position (\d+)/.exec(message)?.[1] ?? NaN);
  if (/end of JSON input|Unterminated/i.test(message) || position >= text.trimEnd().length) {
    return `JSON that ends after ${Buffer.byteLength(text)} bytes, in the middle of a value (cut short?)`;
  }
  // V8 echoes part of the input after a comma; keep only its own words.
  const reason = message.replace(/\s*at position \d+[\s\S]*$/, '').split(/,\s*(?:\.\.\.)?"/)[0]!.slice(0, 80) || 'not JSON';
  return `invalid JSON (${reason}${Number.isFinite(position) ? ` at byte ${position}` : ''})${excerpt ? ` starting ${snippet(text, 60)}` : ''}`;
}
