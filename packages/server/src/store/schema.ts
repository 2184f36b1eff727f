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
  /** 1: this API user's Websupport signature is accepted on any request for 59 s (client compatibility). */
  websupport_login_window: number;
  created_at: string;
  updated_at: string;
}

export interface SystemSettingsTable {
  key: string;
  value: string;
}

/** The single row (id 1) that tells which master key the secrets are encrypted under (migration 0005). */
export interface MasterKeyCheckTable {
  id: number;
  /** `hmac-sha256-v1:<base64>`: HMAC of a constant under a key derived from the master key. */
  verifier: string;
  created_at: string;
}

/** Case management (migration 0002); the v3 engine reads these through their declarations. */
export interface CasesTable {
  id: Generated<number>; owner_id: number; xid: string; name: string; description: string | null;
  severity: string; status: string; resolution: string;
  case_open_time: string | null; case_close_time: string | null; case_occurrence_time: string | null; case_detection_time: string | null;
  case_open_user_id: number | null; case_close_user_id: number | null; created_by_id: number | null; assignee_user_id: number | null;
  date_added: string; last_updated: string;
}

export interface TasksTable {
  id: Generated<number>; owner_id: number; case_id: number; xid: string; name: string; description: string | null; status: string;
  workflow_phase: number; workflow_step: number; required: number; due_date: string | null; completed_date: string | null;
  completed_by_id: number | null; assignee_user_id: number | null; date_added: string; last_updated: string;
}

export interface ArtifactsTable {
  id: Generated<number>; owner_id: number; case_id: number; task_id: number | null; type_id: number; summary: string;
  source: string | null; field_name: string | null; hash_code: string | null; date_added: string; last_modified: string;
}

export interface NotesTable {
  id: Generated<number>; owner_id: number; case_id: number | null; task_id: number | null; artifact_id: number | null;
  workflow_event_id: number | null; text: string; author_id: number | null; edited: number; date_added: string; last_modified: string;
}

export interface WorkflowEventsTable {
  id: Generated<number>; owner_id: number; case_id: number; summary: string; event_date: string; date_added: string;
  deleted: number; deleted_reason: string | null; system_generated: number; user_id: number | null; link: string | null;
}

export interface TagsTable {
  id: Generated<number>; owner_id: number; name: string; normalized: string; description: string | null;
  technique_id: string | null; last_used: string | null; date_added: string;
}

export interface CaseTagsTable { case_id: number; tag_id: number }

export interface SecurityLabelsTable {
  id: Generated<number>; owner_id: number | null; name: string; description: string | null; color: string; date_added: string;
}

export interface ArtifactTypesTable {
  id: Generated<number>; name: string; description: string; data_type: string; intel_type: string | null; derived_link: number;
}

/** Events written in the transaction of the change that raised them (core/outbox.ts). */
export interface OutboxTable {
  id: Generated<number>; owner_id: number; event_type: string; subject_type: string; subject_id: number; payload: string;
  created_at: string; available_at: string; claimed_by: string | null; claimed_until: string | null; attempts: number; delivered_at: string | null;
}

export interface Database {
  owners: OwnersTable;
  community_members: CommunityMembersTable;
  users: UsersTable;
  system_settings: SystemSettingsTable;
  master_key_check: MasterKeyCheckTable;
  cases: CasesTable;
  tasks: TasksTable;
  artifacts: ArtifactsTable;
  notes: NotesTable;
  workflow_events: WorkflowEventsTable;
  tags: TagsTable;
  case_tags: CaseTagsTable;
  security_labels: SecurityLabelsTable;
  artifact_types: ArtifactTypesTable;
  outbox: OutboxTable;
}
