/**
 * Security labels on intelligence (spec threatconnect.md §9): a label is the system's (the TLP
 * labels) or an owner's, and is applied to indicators, groups and attributes. A label still
 * applied to something is not deleted: its links would vanish with it (the link tables cascade),
 * silently lifting a marking such as TLP:RED from what it protects. The caller removes it from
 * those items first (their `securityLabels` in mode delete), then deletes it.
 */
import { sql, type Kysely } from 'kysely';
import { CairnError } from '../errors.js';

/** Every table that applies a label, with what it applies it to. */
const LABEL_LINKS: readonly (readonly [table: string, what: string])[] = [
  ['indicator_labels', 'indicator'],
  ['group_labels', 'group'],
  ['indicator_attribute_labels', 'indicator attribute'],
  ['group_attribute_labels', 'group attribute'],
  ['case_attribute_labels', 'case attribute'],
];

/** How many items of each kind carry the label (only kinds that do). */
export async function securityLabelUses(db: Kysely<any>, labelId: number): Promise<{ what: string; count: number }[]> {
  const counts = sql.join(LABEL_LINKS.map(([table], i) => sql`(select count(*) from ${sql.table(table)} where label_id = ${labelId}) as ${sql.raw(`n${i}`)}`));
  const row = (await sql<Record<string, unknown>>`select ${counts}`.execute(db)).rows[0] ?? {};
  return LABEL_LINKS.map(([, what], i) => ({ what, count: Number(row[`n${i}`] ?? 0) })).filter((use) => use.count > 0);
}

/** Refuses (0x2006 HasDependents) to delete a label that is still applied to something. */
export async function refuseDeletingLabelInUse(db: Kysely<any>, label: Record<string, unknown>): Promise<void> {
  const uses = await securityLabelUses(db, Number(label.id));
  if (uses.length === 0) return;
  const list = uses.map(({ what, count }) => `${count} ${what}${count === 1 ? '' : 's'}`).join(', ');
  throw new CairnError('has-dependents', `The security label "${String(label.name)}" is applied to ${list}; remove it from them (securityLabels with mode delete) before deleting it.`, { uses });
}
