// Runs one workspace-backup command (sync, render) in this process and prints, as JSON on stderr, its wall time, peak
// RSS and CPU time: its own, and that of the child processes it waited for (git), from /proc (Linux).

import { readFileSync } from 'node:fs';
// As the CLI's launcher (bin/workspace-backup.js) does: node's compile cache first, then the CLI.
import '../bin/compile-cache.js';

const { main } = await import('../src/cli/main.ts');

const started = performance.now();
const code = await main(process.argv.slice(2));
const usage = process.resourceUsage();
const maxRssBytes = usage.maxRSS * 1024;
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
const systemCpuSeconds = usage.systemCPUTime / 1e6;
process.stderr.write(`\nMEASURED ${JSON.stringify({ code, maxRssBytes, seconds: (performance.now() - started) / 1000, cpuSeconds, systemCpuSeconds, childCpuSeconds: childCpu() })}\n`);
process.exitCode = code;

/** cutime + cstime of /proc/self/stat: CPU of the children this process waited for (git fast-import and the rest). */
function childCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
