// For tests of the simulators' commands: waiting until a simulator started in a child process is ready.

import type { ChildProcess } from 'node:child_process';

/** Resolves with the simulator's URL and all it printed once it says "Press Ctrl-C"; rejects if it ends first. */
export function untilSimReady(child: ChildProcess): Promise<{ url: string; out: string }> {
  let out = '';
  child.stdout!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes('Press Ctrl-C')) resolve({ url: m[1]!, out });
    });
    child.once('exit', () => reject(new Error(`exited early: ${out}`)));
  });
}
