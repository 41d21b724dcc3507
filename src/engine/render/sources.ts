// What the site calls each source and its top-level containers: one table, read by the title, the index, the
// breadcrumbs and the container pages.

export interface SourceLabel {
  /** The service's name, as headings and the title show it. */
  name: string;
  /** One top-level container and several, capitalised ("Workspace", "Workspaces"). */
  one: string;
  plural: string;
}

const labels: Readonly<Record<string, SourceLabel>> = {
  projectplace: { name: 'Projectplace', one: 'Workspace', plural: 'Workspaces' },
  prosonata: { name: 'ProSonata', one: 'Resource', plural: 'Resources' },
  // damas has no containers of its own: the backup groups nodes by the first segment of their ids, a project-like
  // top folder, plus _objects (ObjectId nodes) and _top (one-segment ids), each a top folder under damas/ (layout.ts).
  damas: { name: 'damas', one: 'Top folder', plural: 'Top folders' },
  pivotal: { name: 'Pivotal Tracker', one: 'Project', plural: 'Projects' },
};

/** A source's labels; a source the table does not know is named by its folder in the repo and has workspaces. */
export function sourceLabel(source: string, rootFolder?: string): SourceLabel {
  return labels[source] ?? { name: rootFolder || source, one: 'Workspace', plural: 'Workspaces' };
}

/** "<Source> backup" for a repo of one source, "Backup" for several (or none yet). */
export function siteTitle(sources: Iterable<string>): string {
  const list = [...new Set(sources)];
  return list.length === 1 ? `${sourceLabel(list[0]!).name} backup` : 'Backup';
}

/**
 * The words for the containers of several sources together: the shared one when they agree ("workspaces"), else
 * each source's, joined ("workspaces or projects"). Lower case, for use inside a sentence.
 */
export function containerWords(sources: Iterable<string>): { one: string; plural: string } {
  const list = [...new Set([...sources].map((s) => sourceLabel(s)))];
  const ones = [...new Set(list.map((l) => l.one.toLowerCase()))];
  const plurals = [...new Set(list.map((l) => l.plural.toLowerCase()))];
  if (ones.length === 0) return { one: 'workspace', plural: 'workspaces' };
  return { one: joinOr(ones), plural: joinOr(plurals) };
}

function joinOr(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
