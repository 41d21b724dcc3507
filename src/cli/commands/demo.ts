// `workspace-backup demo` (npm start): the whole product in one command against the built-in simulator, no account needed.

import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Connector } from '../../engine/model.ts';
import { ProjectplaceConnector } from '../../connectors/projectplace/index.ts';
import { ProsonataConnector } from '../../connectors/prosonata/index.ts';
import { parseProsonataSettings } from '../../connectors/prosonata/settings.ts';
import { sync, type SyncReport } from '../../engine/sync.ts';
import { Logger } from '../../lib/log.ts';
import { SimControl, type SimDump } from '../../sim/control-client.ts';
import { startProjectplaceSim } from '../../sim/projectplace/index.ts';
import { startProsonataSim, updateRecord } from '../../sim/prosonata/index.ts';
import { exitCodes } from '../exit-codes.ts';
import { createProgress } from '../progress.ts';
import { renderRepoSite } from './site.ts';
import { describeReport } from './sync.ts';
import { parseOrUsage, UsageError } from '../usage.ts';

export const demoHelp = `Usage: workspace-backup demo [--dir <folder>] [--documents <n>]

Starts the Projectplace simulator on 127.0.0.1, backs it up into a fresh git repository (default ./demo-backup),
makes the changes people make (an edit by a colleague, a rename, a move, a delete, an archived workspace, a
document with a hostile name), backs up again, and shows what the backup recorded. A ProSonata simulator is backed
up into the same repository as a second source, with one record edited between its two runs.`;

type DumpItem = SimDump['items'][number];

export async function runDemo(argv: string[], io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
  const { values } = parseOrUsage(
    () => parseArgs({ args: argv, options: { dir: { type: 'string' }, documents: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }),
    demoHelp,
  );
  if (values.help) {
    io.stdout.write(demoHelp + '\n');
    return exitCodes.ok;
  }
  const out = (s = '') => io.stdout.write(s + '\n');
  const dir = resolve(values.dir ?? 'demo-backup');
  const documents = values.documents ? Number(values.documents) : 60;
  if (!Number.isInteger(documents) || documents < 10) throw new UsageError('--documents must be a whole number of at least 10');

  const sim = await startProjectplaceSim({ seed: 1, workspaces: 3, documents, hostileNames: true });
  const pros = await startProsonataSim({ seed: 1, plan: 20, counts: { projecttimes: 200 } });
  try {
    const control = new SimControl(sim.url);
    out(`Projectplace simulator running at ${sim.url} (seed 1, ${documents} documents, 3 workspaces, one archived).`);
    await rm(dir, { recursive: true, force: true });
    const config = {
      host: sim.url,
      'consumer-key': sim.credentials.consumerKey,
      'consumer-secret': sim.credentials.consumerSecret,
      'access-token': sim.credentials.accessToken,
      'access-token-secret': sim.credentials.accessTokenSecret,
      'repo-path': dir,
    };
    const logger = new Logger({ sink: (level, line) => (level === 'info' ? io.stdout : io.stderr).write(line + '\n') });
    const projectplace = (): Connector =>
      new ProjectplaceConnector({
        host: sim.url,
        auth: { kind: 'oauth1', consumerKey: config['consumer-key'], consumerSecret: config['consumer-secret'], accessToken: config['access-token'], accessTokenSecret: config['access-token-secret'] },
      });
    const prosonata = (): Connector => new ProsonataConnector(parseProsonataSettings({ url: pros.url, 'app-id': pros.credentials.appId, 'api-key': pros.credentials.appKey }));
    const run = async (title: string, connector: Connector = projectplace()): Promise<SyncReport> => {
      out(`\n== ${title}`);
      const progress = createProgress(io.stdout);
      try {
        const report = await sync({ connector, repoDir: dir, logger, onProgress: progress.update });
        progress.end();
        out(describeReport(report));
        return report;
      } finally {
        progress.end();
      }
    };

    await run('First backup: everything');
    out(`\nProSonata simulator running at ${pros.url} (plan 20: 500 calls per 15 minutes; 200 time entries).`);
    await run('First backup of ProSonata, a second source in the same repository', prosonata());
    // Scripted changes, as people make them.
    const dump = (await control.state()) as SimDump & { items: DumpItem[] };
    const docs = dump.items.filter((i) => i.kind === 'document' && !i.deleted);
    const active = dump.workspaces.filter((w) => !w.archived);
    const folders = dump.items.filter((i) => i.kind === 'folder' && i.workspaceId === active[0]!.id);
    const edited = docs.find((d) => d.workspaceId === active[0]!.id && d.name.endsWith('.docx')) ?? docs[0]!;
    const colleague = dump.users.find((u) => !u.external && u.id !== edited.lastModifier) ?? dump.users[0]!;
    const now = Math.floor(Date.now() / 1000);
    await control.mutate({ op: 'edit', id: edited.id, by: colleague.id, at: now - 120 });
    await control.mutate({ op: 'rename', id: edited.id, name: `Renamed - ${edited.name}` });
    const moved = docs.find((d) => d.id !== edited.id && d.workspaceId === active[0]!.id && d.parentId !== folders[0]?.id)!;
    await control.mutate({ op: 'move', id: moved.id, parentId: folders[0]?.id ?? null });
    const deleted = docs.find((d) => d.id !== edited.id && d.id !== moved.id)!;
    await control.mutate({ op: 'delete', id: deleted.id });
    const archived = active[active.length - 1]!;
    await control.mutate({ op: 'archiveWorkspace', workspaceId: archived.id, archived: true });
    const hostile = await control.mutate({ op: 'add', workspaceId: active[0]!.id, parentId: null, kind: 'document', name: '../../etc/passwd <script>alert(1)</script>.txt', size: 512, by: colleague.id, at: now - 60 });
    out('\n== Changes made in Projectplace since:');
    out(`  ${colleague.name} edited "${edited.name}", then it was renamed "Renamed - ${edited.name}"`);
    out(`  "${moved.name}" was moved into folder "${folders[0]?.name ?? '(root)'}"`);
    out(`  "${deleted.name}" was deleted`);
    out(`  workspace "${archived.name}" was archived`);
    out(`  a document named "../../etc/passwd <script>alert(1)</script>.txt" was added (id ${hostile})`);

    const entry = [...pros.state.tables.projecttimes.rows.keys()][0]!;
    updateRecord(pros.state, 'projecttimes', entry, { detail: 'Corrected after review' }, 'control');
    out(`  in ProSonata, time entry ${entry} was edited`);

    const second = await run('Second backup: only what changed');
    const secondPros = await run('Second backup of ProSonata', prosonata());
    const renamed = second.changes.find((c) => c.id === String(edited.id) && c.type === 'renamed');
    const target = renamed?.path ?? second.changes.find((c) => c.id === String(edited.id))?.path;
    out('\n== Try it');
    out(`  The backup is a plain git repository: ${dir}`);
    if (target) out(`  One document's story, across its rename:\n    git -C ${JSON.stringify(dir)} log --follow --format='%h %ad %an: %s' --date=short -- ${JSON.stringify(target)}`);
    out(`  Everything the tool recorded: ls ${JSON.stringify(dir + '/.workspace-backup/manifest/projectplace')}`);
    const site = await renderRepoSite(dir);
    out(`  The backup as a website (${site.pages} pages): open ${JSON.stringify(join(site.outDir, 'index.html'))}`);
    out(`    or serve it: node src/cli/main.ts serve --repo ${JSON.stringify(dir)}`);
    out(`  A ProSonata record's story: git -C ${JSON.stringify(dir)} log --format='%h %ad %s' --date=short -- ProSonata/projecttimes/${entry}.json`);
    return second.complete && secondPros.complete ? exitCodes.ok : exitCodes.partial;
  } finally {
    await sim.close();
    await pros.close();
  }
}
