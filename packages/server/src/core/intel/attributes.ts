/**
 * Attributes of indicators, groups and cases (spec threatconnect.md §9), whichever surface writes
 * them: the type must be one of `attribute_types` that applies to the kind of thing, the value
 * fits the type's size, one attribute per parent and type is the default, and an indicator's
 * (group's) `description` and `source` columns follow its Description and Source attributes,
 * which is how spec §9 makes them read-only "set via attributes".
 *
 * Works on column values (the engine's `values` and stored rows), never on a wire format.
 */
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';

export type AttributeParentKind = 'indicator' | 'group' | 'case';

interface ParentKind {
  /** The attributes' table and its column naming the parent. */
  table: string;
  parentColumn: string;
  parentTable: string;
  /** How `attribute_types.applies_to` names the kind. */
  appliesTo: string;
  /** Parent columns that follow the default (else the first) attribute of a type. */
  follows: readonly (readonly [attributeType: string, column: string])[];
}

export const ATTRIBUTE_PARENTS: Readonly<Record<AttributeParentKind, ParentKind>> = {
  indicator: {
    table: 'indicator_attributes', parentColumn: 'indicator_id', parentTable: 'indicators', appliesTo: 'Indicator',
    follows: [['Description', 'description'], ['Source', 'source']],
  },
  // Groups keep a description column only; a case's description is a field of its own (set directly).
  group: { table: 'group_attributes', parentColumn: 'group_id', parentTable: 'groups', appliesTo: 'Group', follows: [['Description', 'description']] },
  case: { table: 'case_attributes', parentColumn: 'case_id', parentTable: 'cases', appliesTo: 'Case', follows: [] },
};

/** The longest attribute value any type takes (the Description's): the field's own bound. */
export const MAX_ATTRIBUTE_VALUE = 65_500;

export interface AttributeType { id: number; name: string; maxSize: number; appliesTo: string[] }

/** The attribute type named `name` (any case, outer spaces ignored), or undefined. */
export async function findAttributeType(db: Kysely<any>, name: string): Promise<AttributeType | undefined> {
  const row = await db.selectFrom('attribute_types').select(['id', 'name', 'max_size', 'applies_to'])
    .where((eb: any) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase())).executeTakeFirst();
  if (!row) return undefined;
  return { id: Number(row.id), name: String(row.name), maxSize: Number(row.max_size), appliesTo: String(row.applies_to).split(',').map((s) => s.trim()) };
}

const typeProblem = (message: string) => new CairnError('validation', message, { fields: [{ field: 'type', message }] });

function checkSize(type: AttributeType, value: unknown): void {
  if (typeof value === 'string' && value.length > type.maxSize) {
    const message = `must be at most ${type.maxSize} characters for a ${type.name} attribute`;
    throw new CairnError('validation', `value ${message} (it has ${value.length}).`, { fields: [{ field: 'value', message }] });
  }
}

/**
 * A new attribute's columns (`values`, with the parent column already set): the type checked
 * and stored under its canonical name, the value's size checked, the creator recorded, and the
 * default flag of the parent's other attributes of the type cleared when this one is the default.
 */
export async function prepareNewAttribute(db: Kysely<any>, kind: AttributeParentKind, values: Record<string, unknown>, userId: number): Promise<void> {
  const parent = ATTRIBUTE_PARENTS[kind];
  const named = values.type;
  if (typeof named !== 'string' || named.trim() === '') throw new CairnError('missing-data', 'An attribute needs a type, e.g. "Description" (GET /v3/attributeTypes lists them).', { fields: [{ field: 'type', message: 'is required' }] });
  const type = await findAttributeType(db, named);
  if (!type) throw typeProblem(`Unknown attribute type "${named.slice(0, 100)}"; GET /v3/attributeTypes lists them.`);
  if (!type.appliesTo.includes(parent.appliesTo)) throw typeProblem(`The attribute type "${type.name}" does not apply to ${parent.parentTable} (it applies to: ${type.appliesTo.join(', ')}).`);
  checkSize(type, values.value);
  values.type = type.name;
  values.created_by_id = userId;
  if (values.is_default === 1) await clearOtherDefaults(db, kind, Number(values[parent.parentColumn]), type.name);
}

/** A change to a stored attribute (`existing`): the new value's size, and the default flag kept unique. */
export async function prepareAttributeChange(db: Kysely<any>, kind: AttributeParentKind, values: Record<string, unknown>, existing: Record<string, unknown>): Promise<void> {
  const parent = ATTRIBUTE_PARENTS[kind];
  if (values.value !== undefined) {
    const type = await findAttributeType(db, String(existing.type));
    if (type) checkSize(type, values.value);
  }
  if (values.is_default === 1) await clearOtherDefaults(db, kind, Number(existing[parent.parentColumn]), String(existing.type), Number(existing.id));
}

/**
 * Clears the default flag of the parent's other attributes of the type. The parent's row is
 * locked first, until the write's transaction ends, so two writes making a default of one parent
 * take turns and the second clears the first's flag: on PostgreSQL both would otherwise clear
 * what they saw and both keep a default (SQLite has one writer at a time). A no-op UPDATE is the
 * row lock both dialects accept.
 */
async function clearOtherDefaults(db: Kysely<any>, kind: AttributeParentKind, parentId: number, type: string, exceptId?: number): Promise<void> {
  const parent = ATTRIBUTE_PARENTS[kind];
  await db.updateTable(parent.parentTable).set((eb) => ({ id: eb.ref('id') })).where('id', '=', parentId).execute();
  let query = db.updateTable(parent.table).set({ is_default: 0 }).where(parent.parentColumn, '=', parentId).where('type', '=', type).where('is_default', '=', 1);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  await query.execute();
}

/**
 * Sets the parents' following columns (an indicator's description and source) from their
 * attributes as they now are: the default attribute of the type, else the first added, else NULL.
 * A parent whose columns change this way has changed: its last_modified becomes `now`.
 * Called after every create, change and delete of an attribute, in its transaction.
 */
export async function followAttributes(db: Kysely<any>, kind: AttributeParentKind, parentIds: Iterable<number>, now: string): Promise<void> {
  const parent = ATTRIBUTE_PARENTS[kind];
  if (parent.follows.length === 0) return;
  const columns = parent.follows.map(([, column]) => column);
  for (const parentId of new Set(parentIds)) {
    const current = await db.selectFrom(parent.parentTable).select(columns).where('id', '=', parentId).executeTakeFirst() as Record<string, unknown> | undefined;
    if (!current) continue;
    const set: Record<string, unknown> = {};
    for (const [type, column] of parent.follows) {
      const chosen = await db.selectFrom(parent.table).select('value').where(parent.parentColumn, '=', parentId).where('type', '=', type)
        .orderBy('is_default', 'desc').orderBy('id', 'asc').limit(1).executeTakeFirst();
      const value = chosen ? chosen.value : null;
      if (value !== (current[column] ?? null)) set[column] = value;
    }
    if (Object.keys(set).length === 0) continue;
    await db.updateTable(parent.parentTable).set({ ...set, last_modified: now }).where('id', '=', parentId).execute();
  }
}
