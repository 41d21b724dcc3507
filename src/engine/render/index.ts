// The static HTML browser of a backup: read what it needs from the repo (loadSiteInput), write the pages (renderSite).

export type { RenderResult, SiteInput, SiteLinks, SiteVersion } from './types.ts';
export { loadSiteInput } from './load.ts';
export { renderSite } from './site.ts';
