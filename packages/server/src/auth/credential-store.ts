/**
 * Credential look-ups, cached in memory. Every change to a credential (rotate, disable, a new
 * community membership) bumps a `credential_epoch` row in the same transaction; the cache reads
 * that row at most once a second and empties itself when it moved, so a rotation or disable made
 * by any process (this server, another node, the CLI) takes effect within a second.
 */
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { apiKeyContext, CREDENTIAL_EPOCH_KEY, secretContext, visibleOwnersOf } from '../core/tenancy/tenancy-service.js';
import type { Database } from '../store/schema.js';
import type { Principal } from '../core/principal.js';
import type { SecretBox } from '../core/secrets.js';

export interface Credential {
  principal: Omit<Principal, 'scheme'>;
  secret: string;
  /** The organization's Contrast API key. */
  organizationApiKey: string | null;
  disabled: boolean;
  rejectReplay: boolean;
  /** A verified Websupport signature stays good for any request for 59 s (spec websupport.md §1.3). */
  websupportLoginWindow: boolean;
}

/** Default bound on cached credentials, and separately on remembered unknown names and ids. */
export const MAX_CACHED_CREDENTIALS = 10_000;

export interface CredentialStoreOptions {
  /** How stale the epoch may be before a look-up reads it again. */
  epochCheckMs?: number;
  maxEntries?: number;
}

/**
 * The caches are bounded LRUs: when full, the least recently used entry goes, never the lot. Names
 * and ids that matched no user are remembered in caches of their own, so that a flood of unknown
 * access ids cannot push out the credentials of the clients actually calling.
 */
export class CredentialStore {
  readonly #byName: LRUCache<string, Credential>;
  readonly #byId: LRUCache<number, Credential>;
  readonly #unknownNames: LRUCache<string, true>;
  readonly #unknownIds: LRUCache<number, true>;
  readonly #epochCheckMs: number;
  #epoch: string | undefined;
  #checkedAt = 0;
  #pendingCheck: Promise<void> | undefined;
  #watcher: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
    options: CredentialStoreOptions = {},
  ) {
    const max = options.maxEntries ?? MAX_CACHED_CREDENTIALS;
    this.#byName = new LRUCache({ max });
    this.#byId = new LRUCache({ max });
    this.#unknownNames = new LRUCache({ max });
    this.#unknownIds = new LRUCache({ max });
    this.#epochCheckMs = options.epochCheckMs ?? 1000;
  }

  /**
   * The cached credential without waiting: a Credential, null for a cached "no such user", or
   * undefined when the cache cannot answer (not loaded, or the epoch was not checked recently).
   */
  peek(userName: string): Credential | null | undefined {
    if (Date.now() - this.#checkedAt >= this.#epochCheckMs) return undefined;
    const credential = this.#byName.get(userName);
    if (credential !== undefined) return credential;
    return this.#unknownNames.has(userName) ? null : undefined;
  }

  /** Checks the epoch in the background every half interval, so `peek` keeps answering. */
  startWatching(): void {
    if (this.#watcher) return;
    this.#watcher = setInterval(() => {
      this.#checkedAt = 0;
      this.#freshen().catch(() => undefined);
    }, Math.max(50, Math.floor(this.#epochCheckMs / 2)));
    this.#watcher.unref();
  }

  stopWatching(): void {
    if (this.#watcher) clearInterval(this.#watcher);
    this.#watcher = undefined;
  }

  /** By access id (API users) or user name (people); undefined when there is no such user. */
  async byUserName(userName: string): Promise<Credential | undefined> {
    await this.#freshen();
    if (!this.#byName.has(userName) && !this.#unknownNames.has(userName)) {
      const credential = await this.#load('user_name', userName);
      if (credential) this.#remember(credential);
      else this.#unknownNames.set(userName, true);
    }
    return this.#byName.get(userName);
  }

  async byUserId(id: number): Promise<Credential | undefined> {
    await this.#freshen();
    if (!this.#byId.has(id) && !this.#unknownIds.has(id)) {
      const credential = await this.#load('id', id);
      if (credential) this.#remember(credential);
      else this.#unknownIds.set(id, true);
    }
    return this.#byId.get(id);
  }

  /** Drops everything cached (called after this process changed a credential). */
  invalidate(): void {
    this.#byName.clear();
    this.#byId.clear();
    this.#unknownNames.clear();
    this.#unknownIds.clear();
  }

  #remember(credential: Credential): void {
    this.#byName.set(credential.principal.userName, credential);
    this.#byId.set(credential.principal.userId, credential);
  }

  async #freshen(): Promise<void> {
    if (Date.now() - this.#checkedAt < this.#epochCheckMs) return;
    this.#pendingCheck ??= (async () => {
      try {
        const row = await this.db.selectFrom('system_settings').select('value').where('key', '=', CREDENTIAL_EPOCH_KEY).executeTakeFirst();
        if (row?.value !== this.#epoch) {
          this.invalidate();
          this.#epoch = row?.value;
        }
        this.#checkedAt = Date.now();
      } finally {
        this.#pendingCheck = undefined;
      }
    })();
    await this.#pendingCheck;
  }

  async #load(column: 'user_name' | 'id', value: string | number): Promise<Credential | undefined> {
    const query = this.db.selectFrom('users').innerJoin('owners', 'owners.id', 'users.organization_id').select([
      'users.id', 'users.uuid', 'users.user_name', 'users.kind', 'users.role', 'users.first_name', 'users.last_name', 'users.pseudonym',
      'users.display_name', 'users.secret_enc', 'users.disabled', 'users.reject_replay', 'users.websupport_login_window', 'users.created_at',
      'owners.id as org_id', 'owners.name as org_name', 'owners.uuid as org_uuid', 'owners.api_key_enc',
    ]);
    const row = column === 'id'
      ? await query.where('users.id', '=', Number(value)).executeTakeFirst()
      : await query.where('users.user_name', '=', String(value)).executeTakeFirst();
    if (!row) return undefined;
    const visibleOwners = await visibleOwnersOf(this.db, row.org_id);
    return {
      principal: {
        userId: row.id, userUuid: row.uuid, userName: row.user_name, kind: row.kind, role: row.role, firstName: row.first_name,
        lastName: row.last_name, pseudonym: row.pseudonym, displayName: row.display_name, createdAt: row.created_at,
        organizationId: row.org_id, organizationName: row.org_name, organizationUuid: row.org_uuid,
        visibleOwnerIds: new Set(visibleOwners.map((o) => o.id)),
        visibleOwners,
      },
      secret: this.secrets.decrypt(row.secret_enc, secretContext(row.uuid)),
      organizationApiKey: row.api_key_enc ? this.secrets.decrypt(row.api_key_enc, apiKeyContext(row.org_uuid)) : null,
      disabled: row.disabled === 1,
      rejectReplay: row.reject_replay === 1,
      websupportLoginWindow: row.websupport_login_window === 1,
    };
  }
}
