// Where the site's templates are, and the nunjucks environment that renders them (autoescaped).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/** templates/ of this package, wherever the module runs from (sources, or a bundle next to it). */
export function templatesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env.WORKSPACE_BACKUP_TEMPLATES, resolve(here, '../../../templates'), resolve(here, '../templates'), resolve(here, 'templates')];
  for (const c of candidates) if (c && existsSync(join(c, 'layout.njk'))) return c;
  throw new Error(`the site's templates were not found (looked in ${candidates.filter(Boolean).join(', ')}); set WORKSPACE_BACKUP_TEMPLATES to the templates folder`);
}

export function environment(dir: string): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });
  env.addFilter('num', (n: unknown) => (typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(n ?? '')));
  return env;
}
