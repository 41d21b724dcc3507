// What the Projectplace connector needs to know: where the service is and which credentials to use.

export type ProjectplaceAuth =
  | { kind: 'oauth1'; consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string }
  | { kind: 'oauth2'; clientId: string; clientSecret: string };

export interface ProjectplaceSettings {
  /** Base URL of the API, e.g. https://api.projectplace.com (no trailing slash needed). */
  host: string;
  auth: ProjectplaceAuth;
  /** Back up only these workspaces; empty or absent means every workspace of the account. */
  workspaceIds?: string[];
  /** Page size for the workspace listing. */
  pageSize?: number;
  /** Pages of the workspace listing (per archive status) after which paging counts as broken; default 1000. */
  maxWorkspacePages?: number;
}

export const defaultHost = 'https://api.projectplace.com';
