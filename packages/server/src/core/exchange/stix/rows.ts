/**
 * The rows the STIX renderer takes (render.ts), read from the database a page at a time: the
 * owner's indicators or groups by id (a page of ids comes from a keyset read: `ownerItemIds`
 * here, or the v3 engine's TQL read, see export.ts), each with its tags, security labels,
 * attributes and associations, in a fixed number of statements per page whatever its size.
 *
 * Only associations within the owner are read: an object of another owner (a community's group
 * linked to an organization's indicator) is that owner's to export, under its own ids.
 */
import type { Kysely } from 'kysely';
import { GROUP_TYPE_FIELDS } from '../../intel/group-types.js';
import type { StixAttributeRow, StixGroupRef, StixGroupRow, StixIndicatorRef, StixIndicatorRow } from './render.js';

export type StixOver = 'indicators' | 'groups';

/** Ids of a page, and where the next page starts (undefined: this was the last). */
export interface IdPage { ids: number[]; nextAfterId?: number }

/**
 * The owner's next `limit` item ids after `afterId`, in id order: its active indicators (as every
 * indicator list and the bulk reports hold), or its groups.
 */
export async function ownerItemIds(db: Kysely<any>, ownerId: number, over: StixOver, afterId: number, limit: number): Promise<IdPage> {
  let query = db.selectFrom(over === 'indicators' ? 'indicators' : 'groups').select('id').where('owner_id', '=', ownerId).where('id', '>', afterId);
  if (over === 'indicators') query = query.where('active', '=', 1);
  const rows = await query.orderBy('id').limit(limit).execute();
  const ids = rows.map((r) => Number(r.id));
  return ids.length === limit ? { ids, nextAfterId: ids[ids.length - 1]! } : { ids };
}

/** The owner's name (its STIX identity), or undefined when there is no such owner. */
export async function ownerNameOf(db: Kysely<any>, ownerId: number): Promise<string | undefined> {
  const row = await db.selectFrom('owners').select('name').where('id', '=', ownerId).executeTakeFirst();
  return row ? String(row.name) : undefined;
}

function groupBy<T>(rows: readonly Record<string, unknown>[], key: string, map: (row: Record<string, unknown>) => T): Map<number, T[]> {
  const grouped = new Map<number, T[]>();
  for (const row of rows) {
    const id = Number(row[key]);
    const list = grouped.get(id);
    if (list) list.push(map(row)); else grouped.set(id, [map(row)]);
  }
  return grouped;
}

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
const attribute = (row: Record<string, unknown>): StixAttributeRow => ({ type: String(row.type), value: String(row.value) });
const groupRef = (row: Record<string, unknown>): StixGroupRef => ({ type: String(row.type), xid: String(row.xid) });

/** The indicators of `ownerId` with `ids` (in id order; ids of other owners are skipped), with everything the renderer shows. */
export async function readStixIndicatorRows(db: Kysely<any>, ownerId: number, ownerName: string, ids: readonly number[]): Promise<StixIndicatorRow[]> {
  if (ids.length === 0) return [];
  const list = [...ids];
  const rows = await db.selectFrom('indicators')
    .select(['id', 'type', 'summary', 'value1', 'value2', 'value3', 'rating', 'confidence', 'dns_active', 'whois_active', 'size', 'first_seen', 'last_seen', 'date_added', 'last_modified'])
    .where('owner_id', '=', ownerId).where('id', 'in', list).orderBy('id').execute();
  if (rows.length === 0) return [];
  const found = rows.map((r) => Number(r.id));
  const [tags, labels, attributes, groups, links] = await Promise.all([
    db.selectFrom('indicator_tags').innerJoin('tags', 'tags.id', 'indicator_tags.tag_id')
      .select(['indicator_tags.indicator_id as item', 'tags.name as name']).where('indicator_tags.indicator_id', 'in', found).execute(),
    db.selectFrom('indicator_labels').innerJoin('security_labels', 'security_labels.id', 'indicator_labels.label_id')
      .select(['indicator_labels.indicator_id as item', 'security_labels.name as name']).where('indicator_labels.indicator_id', 'in', found).execute(),
    db.selectFrom('indicator_attributes').select(['indicator_id as item', 'type', 'value']).where('indicator_id', 'in', found).execute(),
    db.selectFrom('indicator_groups').innerJoin('groups', 'groups.id', 'indicator_groups.group_id')
      .select(['indicator_groups.indicator_id as item', 'groups.type as type', 'groups.xid as xid'])
      .where('indicator_groups.indicator_id', 'in', found).where('groups.owner_id', '=', ownerId).execute(),
    db.selectFrom('indicator_indicators')
      .innerJoin('indicators as other', 'other.id', 'indicator_indicators.associated_indicator_id')
      .innerJoin('association_types', 'association_types.id', 'indicator_indicators.association_type_id')
      .select(['indicator_indicators.indicator_id as item', 'other.type as type', 'other.summary as summary', 'association_types.name as association_type'])
      .where('indicator_indicators.indicator_id', 'in', found).where('other.owner_id', '=', ownerId).where('other.active', '=', 1).execute(),
  ]);
  const tagsBy = groupBy(tags, 'item', (r) => String(r.name));
  const labelsBy = groupBy(labels, 'item', (r) => String(r.name));
  const attributesBy = groupBy(attributes, 'item', attribute);
  const groupsBy = groupBy(groups, 'item', groupRef);
  const linksBy = groupBy(links, 'item', (r): StixIndicatorRef => ({ type: String(r.type), summary: String(r.summary), associationType: String(r.association_type), outgoing: true }));
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id, ownerName, type: String(r.type), summary: String(r.summary),
      value1: text(r.value1), value2: text(r.value2), value3: text(r.value3),
      rating: r.rating === null || r.rating === undefined ? null : Number(r.rating),
      confidence: r.confidence === null || r.confidence === undefined ? null : Number(r.confidence),
      dateAdded: String(r.date_added), lastModified: String(r.last_modified),
      tags: tagsBy.get(id) ?? [], securityLabels: labelsBy.get(id) ?? [], attributes: attributesBy.get(id) ?? [],
      groups: groupsBy.get(id) ?? [], indicators: linksBy.get(id) ?? [],
      extras: {
        ...(Number(r.dns_active) === 1 ? { dnsActive: true } : {}),
        ...(Number(r.whois_active) === 1 ? { whoisActive: true } : {}),
        ...(r.size !== null && r.size !== undefined ? { size: Number(r.size) } : {}),
        ...(r.first_seen ? { firstSeen: String(r.first_seen) } : {}),
        ...(r.last_seen ? { lastSeen: String(r.last_seen) } : {}),
      },
    };
  });
}

const FIELD_COLUMNS: readonly [string, string][] = [
  ...Object.values(GROUP_TYPE_FIELDS).map((f) => [f.name, f.column] as [string, string]),
  ['firstSeen', 'first_seen'], ['lastSeen', 'last_seen'],
];

/** The groups of `ownerId` with `ids` (in id order), with everything the renderer shows; a Report's indicators too. */
export async function readStixGroupRows(db: Kysely<any>, ownerId: number, ownerName: string, ids: readonly number[]): Promise<StixGroupRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('groups')
    .select(['id', 'type', 'xid', 'name', 'date_added', 'last_modified', ...FIELD_COLUMNS.map(([, column]) => column)])
    .where('owner_id', '=', ownerId).where('id', 'in', [...ids]).orderBy('id').execute();
  if (rows.length === 0) return [];
  const found = rows.map((r) => Number(r.id));
  const reports = rows.filter((r) => r.type === 'Report').map((r) => Number(r.id));
  const [tags, labels, attributes, groups, indicators] = await Promise.all([
    db.selectFrom('group_tags').innerJoin('tags', 'tags.id', 'group_tags.tag_id')
      .select(['group_tags.group_id as item', 'tags.name as name']).where('group_tags.group_id', 'in', found).execute(),
    db.selectFrom('group_labels').innerJoin('security_labels', 'security_labels.id', 'group_labels.label_id')
      .select(['group_labels.group_id as item', 'security_labels.name as name']).where('group_labels.group_id', 'in', found).execute(),
    db.selectFrom('group_attributes').select(['group_id as item', 'type', 'value']).where('group_id', 'in', found).execute(),
    db.selectFrom('group_groups').innerJoin('groups as other', 'other.id', 'group_groups.associated_group_id')
      .select(['group_groups.group_id as item', 'other.type as type', 'other.xid as xid'])
      .where('group_groups.group_id', 'in', found).where('other.owner_id', '=', ownerId).execute(),
    reports.length === 0 ? Promise.resolve([] as Record<string, unknown>[]) : db.selectFrom('indicator_groups').innerJoin('indicators', 'indicators.id', 'indicator_groups.indicator_id')
      .select(['indicator_groups.group_id as item', 'indicators.type as type', 'indicators.summary as summary'])
      .where('indicator_groups.group_id', 'in', reports).where('indicators.owner_id', '=', ownerId).where('indicators.active', '=', 1).execute(),
  ]);
  const tagsBy = groupBy(tags, 'item', (r) => String(r.name));
  const labelsBy = groupBy(labels, 'item', (r) => String(r.name));
  const attributesBy = groupBy(attributes, 'item', attribute);
  const groupsBy = groupBy(groups, 'item', groupRef);
  const indicatorsBy = groupBy(indicators, 'item', (r): StixIndicatorRef => ({ type: String(r.type), summary: String(r.summary) }));
  return rows.map((r) => {
    const id = Number(r.id);
    const fields: StixGroupRow['fields'] = {};
    for (const [name, column] of FIELD_COLUMNS) {
      const value = r[column];
      (fields as Record<string, unknown>)[name] = value === undefined ? null : value;
    }
    return {
      id, ownerName, type: String(r.type), xid: String(r.xid), name: String(r.name), fields,
      dateAdded: String(r.date_added), lastModified: String(r.last_modified),
      tags: tagsBy.get(id) ?? [], securityLabels: labelsBy.get(id) ?? [], attributes: attributesBy.get(id) ?? [],
      groups: groupsBy.get(id) ?? [], indicators: indicatorsBy.get(id) ?? [],
    };
  });
}
