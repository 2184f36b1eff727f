/**
 * Table types for Kysely. Times are ISO-8601 UTC strings (`2026-11-23T15:26:24.000Z`) on both
 * dialects, so comparisons and sorting behave identically; booleans are 0/1 integers.
 */
import type { Generated } from 'kysely';

export interface OwnersTable {
  id: number;
  type: 'Organization' | 'Community' | 'Source';
  name: string;
  uuid: string;
  /** The organization's Contrast `API-Key`, encrypted (organizations only). */
  api_key_enc: string | null;
  created_at: string;
}

export interface CommunityMembersTable {
  community_id: number;
  organization_id: number;
  created_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  organization_id: number;
  kind: 'human' | 'api';
  /** Human login, or the API user's access id (also its Websupport key and Contrast user name). */
  user_name: string;
  uuid: string;
  display_name: string;
  first_name: string;
  last_name: string;
  pseudonym: string;
  role: string;
  /** HMAC secret / Contrast service key, encrypted with the master key. */
  secret_enc: string;
  /** scrypt hash for human users' console password. */
  password_hash: string | null;
  disabled: number;
  reject_replay: number;
  created_at: string;
  updated_at: string;
}

export interface SystemSettingsTable {
  key: string;
  value: string;
}

export interface Database {
  owners: OwnersTable;
  community_members: CommunityMembersTable;
  users: UsersTable;
  system_settings: SystemSettingsTable;
}
