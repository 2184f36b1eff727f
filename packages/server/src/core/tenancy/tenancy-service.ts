/**
 * Owners (organizations, communities), users and API users. Secrets are generated here, stored
 * encrypted, and returned in plaintext only from the calls that create or rotate them.
 */
import crypto from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { newAccessId, newOrganizationApiKey, newSecret } from '../identifiers.js';
import type { SecretBox } from '../secrets.js';
import { nowIso } from '../../store/database.js';
import type { Database, OwnersTable, UsersTable } from '../../store/schema.js';
import { CairnError, conflict, notFound } from '../errors.js';

export type OwnerType = OwnersTable['type'];

export interface Owner { id: number; name: string; type: OwnerType; uuid: string }

export interface UserSummary {
  id: number;
  userName: string;
  kind: 'human' | 'api';
  displayName: string;
  role: string;
  organizationId: number;
  organization: string;
  disabled: boolean;
  rejectReplay: boolean;
  websupportLoginWindow: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface IssuedApiUser {
  id: number;
  accessId: string;
  secret: string;
  name: string;
  organization: string;
  organizationId: number;
  /** The organization's Contrast `API-Key`. */
  apiKey: string;
}

export const CREDENTIAL_EPOCH_KEY = 'credential_epoch';

export function secretContext(userUuid: string): string {
  return `user:${userUuid}:secret`;
}

export function apiKeyContext(ownerUuid: string): string {
  return `owner:${ownerUuid}:api-key`;
}

function validName(kind: string, raw: string): string {
  const name = raw.trim();
  const article = /^[aeiou]/i.test(kind) ? 'An' : 'A';
  if (name.length === 0 || name.length > 100) throw new CairnError('validation', `${article} ${kind} name must be 1 to 100 characters long.`, { fields: [{ field: 'name', message: 'must be 1 to 100 characters' }] });
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new CairnError('validation', `${article} ${kind} name must not contain control characters.`, { fields: [{ field: 'name', message: 'must not contain control characters' }] });
  return name;
}

export class TenancyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async listOwners(): Promise<Owner[]> {
    return this.db.selectFrom('owners').select(['id', 'name', 'type', 'uuid']).orderBy('id').execute();
  }

  async findOwner(ref: string | number): Promise<Owner> {
    const query = this.db.selectFrom('owners').select(['id', 'name', 'type', 'uuid']);
    const owner = typeof ref === 'number' || /^\d+$/.test(ref)
      ? await query.where((eb) => eb.or([eb('id', '=', Number(ref)), eb('name', '=', String(ref))])).orderBy('id').executeTakeFirst()
      : await query.where('name', '=', ref).executeTakeFirst();
    if (!owner) throw notFound(`No owner named or numbered "${ref}".`);
    return owner;
  }

  async createOrganization(rawName: string): Promise<Owner & { apiKey: string }> {
    const apiKey = newOrganizationApiKey();
    const owner = await this.insertOwner('Organization', validName('organization', rawName), (uuid) => this.secrets.encrypt(apiKey, apiKeyContext(uuid)));
    return { ...owner, apiKey };
  }

  async createCommunity(rawName: string): Promise<Owner> {
    return this.insertOwner('Community', validName('community', rawName), () => null);
  }

  async addCommunityMember(communityRef: string, organizationRef: string): Promise<{ community: Owner; organization: Owner; added: boolean }> {
    const community = await this.findOwner(communityRef);
    const organization = await this.findOwner(organizationRef);
    if (community.type !== 'Community') throw new CairnError('validation', `"${community.name}" is an ${community.type.toLowerCase()}, not a community.`);
    if (organization.type !== 'Organization') throw new CairnError('validation', `"${organization.name}" is a ${organization.type.toLowerCase()}, not an organization.`);
    const result = await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('community_members').select('community_id')
        .where('community_id', '=', community.id).where('organization_id', '=', organization.id).executeTakeFirst();
      if (existing) return false;
      await trx.insertInto('community_members').values({ community_id: community.id, organization_id: organization.id, created_at: nowIso() }).execute();
      await bumpCredentialEpoch(trx);
      return true;
    });
    return { community, organization, added: result };
  }

  async organizationApiKey(organizationId: number): Promise<string> {
    const row = await this.db.selectFrom('owners').select(['uuid', 'api_key_enc']).where('id', '=', organizationId).executeTakeFirst();
    if (!row?.api_key_enc) throw notFound('This owner has no API key.');
    return this.secrets.decrypt(row.api_key_enc, apiKeyContext(row.uuid));
  }

  async createApiUser(organizationRef: string, name?: string): Promise<IssuedApiUser> {
    const organization = await this.findOwner(organizationRef);
    if (organization.type !== 'Organization') throw new CairnError('validation', `API users belong to an organization; "${organization.name}" is a ${organization.type.toLowerCase()}.`);
    const accessId = newAccessId();
    const secret = newSecret();
    const displayName = name === undefined ? `API user ${accessId.slice(-4)}` : validName('user', name);
    const id = await this.insertUser({ organizationId: organization.id, kind: 'api', userName: accessId, displayName, role: 'Api User', secret, firstName: displayName, lastName: '' });
    return { id, accessId, secret, name: displayName, organization: organization.name, organizationId: organization.id, apiKey: await this.organizationApiKey(organization.id) };
  }

  async createHumanUser(input: { organizationId: number; userName: string; firstName: string; lastName: string; role: string; passwordHash: string }): Promise<{ id: number; serviceKey: string }> {
    const serviceKey = newSecret();
    const id = await this.insertUser({ ...input, kind: 'human', displayName: `${input.firstName} ${input.lastName}`.trim(), secret: serviceKey });
    return { id, serviceKey };
  }

  async listUsers(filter: { kind?: 'human' | 'api'; organization?: string; id?: number; userName?: string } = {}): Promise<UserSummary[]> {
    let query = this.db.selectFrom('users').innerJoin('owners', 'owners.id', 'users.organization_id')
      .select(['users.id', 'users.user_name', 'users.kind', 'users.display_name', 'users.role', 'users.organization_id', 'owners.name as organization', 'users.disabled', 'users.reject_replay', 'users.websupport_login_window', 'users.created_at', 'users.updated_at'])
      .orderBy('users.id');
    if (filter.kind) query = query.where('users.kind', '=', filter.kind);
    if (filter.id !== undefined) query = query.where('users.id', '=', filter.id);
    if (filter.userName !== undefined) query = query.where('users.user_name', '=', filter.userName);
    if (filter.organization) query = query.where('users.organization_id', '=', (await this.findOwner(filter.organization)).id);
    return (await query.execute()).map((r) => ({
      id: r.id, userName: r.user_name, kind: r.kind, displayName: r.display_name, role: r.role, organizationId: r.organization_id,
      organization: r.organization, disabled: r.disabled === 1, rejectReplay: r.reject_replay === 1, websupportLoginWindow: r.websupport_login_window === 1, createdAt: r.created_at, updatedAt: r.updated_at,
    }));
  }

  /** Finds a user by numeric id or by user name / access id. */
  async findUser(ref: string): Promise<UserSummary> {
    const [byName] = await this.listUsers({ userName: ref });
    const user = byName ?? (/^\d{1,9}$/.test(ref) ? (await this.listUsers({ id: Number(ref) }))[0] : undefined);
    if (!user) throw notFound(`No user with id or access id "${ref}".`);
    return user;
  }

  /** Issues a new secret; the old one stops working at once (the credential epoch changes). */
  async rotateSecret(userRef: string | number): Promise<{ user: UserSummary; secret: string }> {
    const user = typeof userRef === 'number' ? await this.userById(userRef) : await this.findUser(userRef);
    const secret = newSecret();
    const row = await this.db.selectFrom('users').select('uuid').where('id', '=', user.id).executeTakeFirstOrThrow();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ secret_enc: this.secrets.encrypt(secret, secretContext(row.uuid)), updated_at: nowIso() }).where('id', '=', user.id).execute();
      await bumpCredentialEpoch(trx);
    });
    return { user: await this.userById(user.id), secret };
  }

  async setDisabled(userRef: string, disabled: boolean): Promise<UserSummary> {
    return this.setUserFlag(await this.findUser(userRef), 'disabled', disabled);
  }

  async setRejectReplay(userRef: string, reject: boolean): Promise<UserSummary> {
    const user = await this.findUser(userRef);
    if (reject && user.websupportLoginWindow) throw conflict(`${user.userName} has the Websupport login window on, which reuses signatures; turn it off first.`);
    return this.setUserFlag(user, 'reject_replay', reject);
  }

  /** The Websupport "login window" compatibility mode (spec websupport.md §1.3), per API user. */
  async setWebsupportLoginWindow(userRef: string, on: boolean): Promise<UserSummary> {
    const user = await this.findUser(userRef);
    if (on && user.rejectReplay) throw conflict(`${user.userName} rejects repeated signatures, which the login window needs; turn reject-replay off first.`);
    return this.setUserFlag(user, 'websupport_login_window', on);
  }

  /** Sets a per-user switch and bumps the credential epoch, so every node's cache sees it within a second. */
  private async setUserFlag(user: UserSummary, column: 'disabled' | 'reject_replay' | 'websupport_login_window', on: boolean): Promise<UserSummary> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ [column]: on ? 1 : 0, updated_at: nowIso() }).where('id', '=', user.id).execute();
      await bumpCredentialEpoch(trx);
    });
    return this.userById(user.id);
  }

  private async userById(id: number): Promise<UserSummary> {
    const [user] = await this.listUsers({ id });
    if (!user) throw notFound(`No user with id ${id}.`);
    return user;
  }

  private async insertOwner(type: OwnerType, name: string, apiKeyFor: (uuid: string) => string | null): Promise<Owner> {
    const uuid = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          if (await trx.selectFrom('owners').select('id').where('name', '=', name).executeTakeFirst()) throw conflict(`An owner named "${name}" already exists.`);
          // Owner ids start at 0, as in the ThreatConnect documentation's own example.
          const { next } = await trx.selectFrom('owners').select((eb) => eb.fn.coalesce(eb.fn.max('id'), eb.lit(-1)).as('next')).executeTakeFirstOrThrow();
          const id = Number(next) + 1;
          await trx.insertInto('owners').values({ id, type, name, uuid, api_key_enc: apiKeyFor(uuid), created_at: nowIso() }).execute();
          return { id, name, type, uuid };
        });
      } catch (error) {
        if (error instanceof CairnError || attempt >= 3) throw error;
      }
    }
  }

  private async insertUser(input: { organizationId: number; kind: UsersTable['kind']; userName: string; displayName: string; firstName: string; lastName: string; role: string; secret: string; passwordHash?: string }): Promise<number> {
    const uuid = crypto.randomUUID();
    const now = nowIso();
    const taken = await this.db.selectFrom('users').select('id').where('user_name', '=', input.userName).executeTakeFirst();
    if (taken) throw conflict(`A user named "${input.userName}" already exists.`);
    const row = await this.db.insertInto('users').values({
      organization_id: input.organizationId, kind: input.kind, user_name: input.userName, uuid, display_name: input.displayName,
      first_name: input.firstName, last_name: input.lastName, pseudonym: input.displayName, role: input.role,
      secret_enc: this.secrets.encrypt(input.secret, secretContext(uuid)), password_hash: input.passwordHash ?? null,
      disabled: 0, reject_replay: 0, websupport_login_window: 0, created_at: now, updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }
}

/** Owners whose data members of `organizationId` may see: the organization and its communities, by id. */
export function visibleOwnersOf(db: Kysely<Database>, organizationId: number): Promise<Owner[]> {
  return db
    .selectFrom('owners')
    .select(['id', 'name', 'type', 'uuid'])
    .where((eb) => eb.or([
      eb('id', '=', organizationId),
      eb('id', 'in', eb.selectFrom('community_members').select('community_id').where('organization_id', '=', organizationId)),
    ]))
    .orderBy('id')
    .execute();
}

/** Any change to credentials or visibility bumps the epoch; every server drops its credential cache. */
export async function bumpCredentialEpoch(db: Kysely<Database> | Transaction<Database>): Promise<void> {
  await db.updateTable('system_settings')
    .set({ value: sql<string>`cast(cast(value as integer) + 1 as text)` })
    .where('key', '=', CREDENTIAL_EPOCH_KEY)
    .execute();
}
