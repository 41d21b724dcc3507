// Runs one workspace-backup command (sync, render) in this process and prints its peak RSS and wall time as JSON on stderr (for benchmarks and the memory test).

import { main } from '../src/cli/main.ts';

const started = performance.now();
const code = await main(process.argv.slice(2));
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
process.stderr.write(`\nMEASURED ${JSON.stringify({ code, maxRssBytes, seconds: (performance.now() - started) / 1000 })}\n`);
process.exitCode = code;
