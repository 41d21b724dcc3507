// Shows a run's progress: a redrawn bar on a terminal, a plain timed line otherwise (CI logs).

import type { Progress } from '../engine/sync.ts';
import { formatBytes } from '../lib/format.ts';

export { formatBytes };

export function createProgress(stream: NodeJS.WriteStream, opts: { quiet?: boolean } = {}): { update: (p: Progress) => void; end: () => void } {
  if (opts.quiet) return { update: () => {}, end: () => {} };
  const tty = stream.isTTY === true;
  const started = Date.now();
  let lastPhase = '';
  let lastLine = 0;
  let drawn = false;
  const describe = (p: Progress) => {
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? formatBytes(p.bytes / secs) + '/s' : '';
    if (p.phase === 'transfer') return `downloading ${p.done}/${p.total} documents, ${formatBytes(p.bytes)} (${rate})`;
    if (p.phase === 'listing') return p.total ? `listing workspaces ${p.done}/${p.total}` : 'listing workspaces';
    return { state: 'loading state', planning: 'planning', commit: 'committing', done: 'done' }[p.phase] ?? p.phase;
  };
  return {
    update(p) {
      if (tty) {
        const width = 24;
        const frac = p.total > 0 ? p.done / p.total : 0;
        const bar = p.total > 0 ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '-')}] ` : '';
        stream.write(`\r\x1b[2K${bar}${describe(p)}`);
        drawn = true;
        return;
      }
      const now = Date.now();
      if (p.phase !== lastPhase || now - lastLine > 5000) {
        stream.write(describe(p) + '\n');
        lastPhase = p.phase;
        lastLine = now;
      }
    },
    end() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
