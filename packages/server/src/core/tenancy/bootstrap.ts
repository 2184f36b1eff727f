/**
 * First start on an empty database: the organization "Exemplary Organization", the community
 * "Common Community" (the organization a member), an admin user and one API user. Their
 * credentials are written once to `<data dir>/bootstrap-credentials.json` (mode 0600); only the
 * file's path is logged, never a secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomString } from '../identifiers.js';
import { hashPassword } from '../secrets.js';
import type { TenancyService } from './tenancy-service.js';

export const BOOTSTRAP_FILE = 'bootstrap-credentials.json';

export interface BootstrapResult { file: string }

export async function bootstrapIfEmpty(tenancy: TenancyService, dataDir: string, baseUrl: string): Promise<BootstrapResult | undefined> {
  if ((await tenancy.listOwners()).length > 0) return undefined;
  const organization = await tenancy.createOrganization('Exemplary Organization');
  const community = await tenancy.createCommunity('Common Community');
  await tenancy.addCommunityMember(community.name, organization.name);
  const password = randomString(24);
  const admin = await tenancy.createHumanUser({
    organizationId: organization.id, userName: 'admin', firstName: 'Cairn', lastName: 'Administrator', role: 'Administrator', passwordHash: hashPassword(password),
  });
  const apiUser = await tenancy.createApiUser(organization.name, 'Bootstrap API user');
  const file = path.join(dataDir, BOOTSTRAP_FILE);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const document = {
    note: 'Written once on first start. Keep it safe or delete it; `cairn api-users rotate` replaces a leaked secret.',
    baseUrl,
    organization: { id: organization.id, name: organization.name, uuid: organization.uuid, contrastApiKey: organization.apiKey },
    community: { id: community.id, name: community.name },
    admin: { userName: 'admin', password, serviceKey: admin.serviceKey },
    apiUser: { id: apiUser.id, accessId: apiUser.accessId, secret: apiUser.secret, name: apiUser.name },
  };
  fs.writeFileSync(file, JSON.stringify(document, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { file };
}
