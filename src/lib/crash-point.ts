// Named crash points for the crash campaign (scripts/campaign-crash.ts, test/reliability/crash*.ts); inert otherwise.
//
// The campaign runs a backup with WORKSPACE_BACKUP_CRASH_AT=<name>:<n> and kills it with SIGKILL where it hurts:
// when the process reaches point <name> for the n-th time, this writes one line "CRASH-POINT <name> <n>" to
// stderr (synchronously, so the watcher sees it at once) and then blocks the event loop for good, so nothing more
// happens in this process while the campaign kills its whole process group (children such as git fast-import,
// git push and git-lfs die with it, as they do when a runner dies). With <name>:<n>:self the process SIGKILLs
// itself instead, for use without a watcher (its children are orphaned rather than killed).
//
// When the variable is unset (every real run), the environment is read once at load and crashPoint() returns at
// its first comparison: no counting, no allocation, no I/O.

import { writeSync } from 'node:fs';

interface CrashSpec {
  name: string;
  n: number;
  self: boolean;
}

/** "<name>:<n>" or "<name>:<n>:self"; names are dotted words (no colons). Anything else is ignored. */
export function parseCrashSpec(value: string | undefined): CrashSpec | undefined {
  if (!value) return undefined;
  const m = /^([^:\s]+):(\d+)(:self)?$/.exec(value.trim());
  if (!m || Number(m[2]) < 1) return undefined;
  return { name: m[1]!, n: Number(m[2]), self: m[3] !== undefined };
}

const spec = parseCrashSpec(process.env.WORKSPACE_BACKUP_CRASH_AT);
let reached = 0;

/** Marks a place where a crash is worth testing. Does nothing unless WORKSPACE_BACKUP_CRASH_AT names this point. */
export function crashPoint(name: string): void {
  if (spec === undefined || name !== spec.name) return;
  if (++reached !== spec.n) return;
  writeSync(2, `CRASH-POINT ${name} ${reached}\n`);
  if (spec.self) process.kill(process.pid, 'SIGKILL');
  // Block here (no timers, no I/O callbacks, no promise continuations) until the campaign's SIGKILL arrives.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}
