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
