// The static HTML browser of a backup: renderRepo reads what it needs from the repo one workspace at a time and writes
// the pages; loadSiteInput and renderSite do the same with the whole site in memory (small sites, tests).

export type { RenderResult, SiteInput, SiteLinks, SiteVersion } from './types.ts';
export { loadSiteInput } from './load.ts';
export { renderRepo, renderSite } from './site.ts';
