// The service route table: method + path pattern → handler, and whether the route needs OAuth1/Bearer auth.

import {
  createAccountProject,
  getAccount,
  getAccountProjects,
  getMembers,
  getMyProjects,
  getProfile,
  getProjectDocuments,
  getV2Document,
  postAccountProjects,
} from './api.ts';
import { getDocumentContent } from './download.ts';
import type { SimRequest, SimResponse } from './http.ts';
import type { SimState } from './model.ts';
import { tokenEndpoint } from './oauth2.ts';

export interface ServiceRoute {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle(state: SimState, req: SimRequest, m: RegExpExecArray): SimResponse;
}

const id = (m: RegExpExecArray): number => Number(m[1]);

export const serviceRoutes: ServiceRoute[] = [
  { method: 'POST', pattern: /^\/oauth2\/access_token$/, auth: false, handle: (s, r) => tokenEndpoint(s, r) },
  { method: 'GET', pattern: /^\/1\/account$/, auth: true, handle: (s) => getAccount(s) },
  { method: 'GET', pattern: /^\/1\/account\/projects$/, auth: true, handle: (s, r) => getAccountProjects(s, r) },
  { method: 'POST', pattern: /^\/1\/account\/projects$/, auth: true, handle: (s, r) => createAccountProject(s, r) },
  { method: 'POST', pattern: /^\/2\/account\/projects$/, auth: true, handle: (s, r) => postAccountProjects(s, r) },
  { method: 'GET', pattern: /^\/1\/account\/members$/, auth: true, handle: (s, r) => getMembers(s, r) },
  { method: 'GET', pattern: /^\/1\/user\/me$/, auth: true, handle: (s) => getProfile(s) },
  { method: 'GET', pattern: /^\/1\/user\/me\/profile$/, auth: true, handle: (s) => getProfile(s) },
  { method: 'GET', pattern: /^\/1\/user\/me\/projects$/, auth: true, handle: (s, r) => getMyProjects(s, r) },
  { method: 'GET', pattern: /^\/1\/projects\/(\d+)\/documents$/, auth: true, handle: (s, r, m) => getProjectDocuments(s, r, id(m)) },
  { method: 'GET', pattern: /^\/2\/documents\/(\d+)$/, auth: true, handle: (s, _r, m) => getV2Document(s, id(m)) },
  { method: 'GET', pattern: /^\/1\/documents\/(\d+)$/, auth: true, handle: (s, r, m) => getDocumentContent(s, r, id(m)) },
];
