/** System settings (`system_settings`): a closed list of known keys with their types and defaults. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { CairnError } from './errors.js';

export const SYSTEM_SETTINGS = {
  /** Allows `DELETE /v3/{type}?tql=…` (ThreatConnect's System Configuration option of that name). */
  v3ApiBulkDeleteAllowed: { type: 'boolean', default: false, description: 'Allow bulk DELETE /v3/{type}?tql=… on cases, tasks, notes, artifacts and workflow events.' },
} as const;

export type SettingName = keyof typeof SYSTEM_SETTINGS;

function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SYSTEM_SETTINGS, name);
}

export async function readBooleanSetting(db: Kysely<Database>, name: SettingName): Promise<boolean> {
  const row = await db.selectFrom('system_settings').select('value').where('key', '=', name).executeTakeFirst();
  return row ? row.value === 'true' : SYSTEM_SETTINGS[name].default;
}

export async function writeSetting(db: Kysely<Database>, name: string, raw: string): Promise<{ name: SettingName; value: boolean }> {
  if (!isSettingName(name)) throw new CairnError('validation', `Unknown setting "${name}"; known: ${Object.keys(SYSTEM_SETTINGS).join(', ')}.`);
  const normalized = raw.trim().toLowerCase();
  if (!['true', 'false', 'on', 'off', '1', '0'].includes(normalized)) throw new CairnError('validation', `${name} takes true or false; got "${raw}".`);
  const value = ['true', 'on', '1'].includes(normalized);
  const exists = await db.selectFrom('system_settings').select('key').where('key', '=', name).executeTakeFirst();
  if (exists) await db.updateTable('system_settings').set({ value: String(value) }).where('key', '=', name).execute();
  else await db.insertInto('system_settings').values({ key: name, value: String(value) }).execute();
  return { name, value };
}

/**
 * Settings of one owner (organization or community), stored in `system_settings` under
 * `owner:<owner id>:<name>`: a closed list like the system settings.
 */
export const OWNER_SETTINGS = {
  /** The owner's TAXII 2.1 collection takes POST and DELETE of objects (`can_write`). */
  taxiiWritable: { type: 'boolean', default: false, description: 'The owner\'s TAXII 2.1 collection is writable: POST …/objects/ imports, DELETE …/objects/{id}/ deletes.' },
} as const;

export type OwnerSettingName = keyof typeof OWNER_SETTINGS;

const ownerSettingKey = (ownerId: number, name: OwnerSettingName) => `owner:${ownerId}:${name}`;

/** The owners among `ownerIds` for which the boolean setting is true. */
export async function ownersWithSetting(db: Kysely<Database>, ownerIds: readonly number[], name: OwnerSettingName): Promise<Set<number>> {
  if (ownerIds.length === 0) return new Set();
  const keys = ownerIds.map((id) => ownerSettingKey(id, name));
  const rows = await db.selectFrom('system_settings').select(['key', 'value']).where('key', 'in', keys).execute();
  const stored = new Map(rows.map((row) => [row.key, row.value === 'true']));
  return new Set(ownerIds.filter((id) => stored.get(ownerSettingKey(id, name)) ?? OWNER_SETTINGS[name].default));
}

export async function readOwnerSetting(db: Kysely<Database>, ownerId: number, name: OwnerSettingName): Promise<boolean> {
  return (await ownersWithSetting(db, [ownerId], name)).has(ownerId);
}

export async function writeOwnerSetting(db: Kysely<Database>, ownerId: number, name: string, raw: string): Promise<{ name: OwnerSettingName; value: boolean }> {
  if (!Object.hasOwn(OWNER_SETTINGS, name)) throw new CairnError('validation', `Unknown owner setting "${name}"; known: ${Object.keys(OWNER_SETTINGS).join(', ')}.`);
  const settingName = name as OwnerSettingName;
  const normalized = raw.trim().toLowerCase();
  if (!['true', 'false', 'on', 'off', '1', '0'].includes(normalized)) throw new CairnError('validation', `${name} takes true or false; got "${raw}".`);
  const value = ['true', 'on', '1'].includes(normalized);
  const key = ownerSettingKey(ownerId, settingName);
  await db.insertInto('system_settings').values({ key, value: String(value) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(value) })).execute();
  return { name: settingName, value };
}
