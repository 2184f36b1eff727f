/**
 * The rows a TAXII collection pages over, and their STIX 2.1 form. The objects, their ids and
 * the mapping of Cairn types to STIX types are core/exchange/stix's (render.ts, rows.ts): a
 * collection serves what `cairn export --format stix` writes, under the same ids. A row's object
 * is its SDO; an association's is the `relationship` the renderer writes for it (taken from its
 * source's rendered objects, so it is the export's object byte for byte); a marking row is one of
 * the four TLP marking-definitions of STIX 2.1.
 */
import type { Kysely } from 'kysely';
import {
  GROUP_STIX_TYPES, groupStixId, identityStixId, indicatorRelationshipType, indicatorStixId, relationshipStixId,
  stixGroupObjects, stixIdentityObject, stixIndicatorObjects, TLP_MARKINGS, type StixObject,
} from './stix/render.js';
import { readStixGroupRows, readStixIndicatorRows } from './stix/rows.js';

/** What paging and id look-up read of an indicator or a group (its identity and its times). */
export interface IndicatorRow { kind: 'indicator'; ownerName: string; id: number; type: string; summary: string; date_added: string; last_modified: string }
export interface GroupRow { kind: 'group'; ownerName: string; id: number; type: string; xid: string; date_added: string; last_modified: string }
/** The owner itself, as the STIX identity every object names as its creator (`created_by_ref`). */
export interface IdentityRow { kind: 'identity'; ownerName: string; id: 0; date_added: string; last_modified: string }
/** A TLP marking-definition (`id`: 1–4, its place among the four by STIX id). */
export interface MarkingRow { kind: 'marking'; ownerName: string; id: number; label: string; date_added: string; last_modified: string }

/** The association tables a relationship comes from. */
export type RelationshipKind = 'indicator-group' | 'group-group' | 'indicator-indicator';
/** One end of an association: an indicator (`key` its summary) or a group (`key` its xid). */
export interface RelationshipEnd { id: number; type: string; key: string; date_added: string; last_modified: string }
/**
 * An association as a `relationship`. Its key is (relKind, id, id2, id3): the link row's columns
 * (indicator/group ids; for group ↔ group the lower database id first; id3 the association type
 * of indicator ↔ indicator, else 0). `last_modified` is its date_added in the collection, the
 * later of both ends' last_modified (the link tables keep no time); `version` its STIX `modified`,
 * which render.ts makes its source's date_added.
 */
export interface RelationshipRow {
  kind: 'relationship'; relKind: RelationshipKind; ownerName: string;
  id: number; id2: number; id3: number;
  a: RelationshipEnd; b: RelationshipEnd;
  /** Whether `a` is the relationship's source (group ↔ group: the end with the lower STIX id). */
  sourceIsA: boolean;
  stixId: string;
  date_added: string; last_modified: string; version: string;
}
export type TaxiiRow = IndicatorRow | GroupRow | IdentityRow | MarkingRow | RelationshipRow;

/** The identity's one version, stixIdentityObject's STIX_EPOCH (an owner keeps no date of its own). */
export const IDENTITY_TIME = '1970-01-01T00:00:00Z';
export const identityRowOf = (ownerName: string): IdentityRow => ({ kind: 'identity', ownerName, id: 0, date_added: IDENTITY_TIME, last_modified: IDENTITY_TIME });

/**
 * The four TLP marking-definitions every collection holds (the only markings Cairn writes in
 * `object_marking_refs`), by STIX id. Each has one version, its `created` of the STIX 2.1
 * specification (2017-01-20), which is its date_added too: a client reading a collection from its
 * start has them before any object that references them.
 */
export const MARKING_TIME = '2017-01-20T00:00:00Z';
export const MARKING_LABELS: readonly string[] = Object.keys(TLP_MARKINGS).sort((a, b) => (TLP_MARKINGS[a]!.id < TLP_MARKINGS[b]!.id ? -1 : 1));
export const markingRowsOf = (ownerName: string): MarkingRow[] =>
  MARKING_LABELS.map((label, i) => ({ kind: 'marking', ownerName, id: i + 1, label, date_added: MARKING_TIME, last_modified: MARKING_TIME }));

export const INDICATOR_KEY_COLUMNS = ['id', 'type', 'summary', 'date_added', 'last_modified'] as const;
export const GROUP_KEY_COLUMNS = ['id', 'type', 'xid', 'date_added', 'last_modified'] as const;

/** The Cairn group types each STIX type is rendered from (`indicator`: Signature groups). */
export const GROUP_TYPES_BY_STIX_TYPE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [cairn, stix] of Object.entries(GROUP_STIX_TYPES)) map.set(stix, [...(map.get(stix) ?? []), cairn]);
  return map;
})();

/**
 * The relationship row of an association (its ends as read), with the id, source and version the
 * renderer gives it; undefined for a group ↔ group pair whose ends share one STIX id (never written).
 */
export function relationshipRowOf(ownerName: string, relKind: RelationshipKind, a: RelationshipEnd, b: RelationshipEnd, id3: number): RelationshipRow | undefined {
  const later = a.last_modified > b.last_modified ? a.last_modified : b.last_modified;
  const base = { kind: 'relationship' as const, relKind, ownerName, id: a.id, id2: b.id, id3, a, b, date_added: later, last_modified: later };
  if (relKind === 'indicator-group') {
    const source = indicatorStixId(ownerName, a.type, a.key);
    const target = groupStixId(ownerName, b.type, b.key);
    return { ...base, sourceIsA: true, stixId: relationshipStixId(source, indicatorRelationshipType(target), target), version: a.date_added };
  }
  if (relKind === 'indicator-indicator') {
    const source = indicatorStixId(ownerName, a.type, a.key);
    const target = indicatorStixId(ownerName, b.type, b.key);
    return { ...base, sourceIsA: true, stixId: relationshipStixId(source, 'related-to', target), version: a.date_added };
  }
  const idA = groupStixId(ownerName, a.type, a.key);
  const idB = groupStixId(ownerName, b.type, b.key);
  if (idA === idB) return undefined;
  const sourceIsA = idA < idB;
  return { ...base, sourceIsA, stixId: relationshipStixId(sourceIsA ? idA : idB, 'related-to', sourceIsA ? idB : idA), version: sourceIsA ? a.date_added : b.date_added };
}

export function stixIdOf(row: TaxiiRow): string {
  switch (row.kind) {
    case 'identity': return identityStixId(row.ownerName);
    case 'marking': return TLP_MARKINGS[row.label]!.id;
    case 'relationship': return row.stixId;
    case 'indicator': return indicatorStixId(row.ownerName, row.type, row.summary);
    case 'group': return groupStixId(row.ownerName, row.type, row.xid);
  }
}

/** The map key of a row's object in renderTaxiiRows's answer. */
export function renderKeyOf(row: TaxiiRow): string {
  return row.kind === 'relationship' ? `relationship:${row.relKind}:${row.id}:${row.id2}:${row.id3}` : `${row.kind}:${row.id}`;
}

/** The STIX objects of a page of the owner's rows, by renderKeyOf; all rows' data read in a fixed number of statements. */
export async function renderTaxiiRows(db: Kysely<any>, owner: { id: number; name: string }, rows: readonly TaxiiRow[]): Promise<Map<string, StixObject>> {
  const relationships = rows.filter((r): r is RelationshipRow => r.kind === 'relationship');
  // A relationship is rendered with its source, as the export writes it.
  const sourceIndicators = relationships.filter((r) => r.relKind !== 'group-group').map((r) => r.a.id);
  const sourceGroups = relationships.filter((r) => r.relKind === 'group-group').map((r) => (r.sourceIsA ? r.a.id : r.b.id));
  const indicatorIds = [...new Set([...rows.filter((r) => r.kind === 'indicator').map((r) => r.id), ...sourceIndicators])];
  const groupIds = [...new Set([...rows.filter((r) => r.kind === 'group').map((r) => r.id), ...sourceGroups])];
  const [indicators, groups] = await Promise.all([
    readStixIndicatorRows(db, owner.id, owner.name, indicatorIds),
    readStixGroupRows(db, owner.id, owner.name, groupIds),
  ]);
  const objects = new Map<string, StixObject>();
  const relationshipObjects = new Map<string, StixObject>();
  if (rows.some((r) => r.kind === 'identity')) objects.set('identity:0', stixIdentityObject(owner.name));
  for (const row of rows) if (row.kind === 'marking') objects.set(renderKeyOf(row), TLP_MARKINGS[row.label]!);
  for (const row of indicators) {
    const [sdo, ...rest] = stixIndicatorObjects(row);
    if (sdo) objects.set(`indicator:${row.id}`, sdo);
    for (const r of rest) relationshipObjects.set(r.id, r);
  }
  for (const row of groups) {
    const [sdo, ...rest] = stixGroupObjects(row);
    if (sdo) objects.set(`group:${row.id}`, sdo);
    for (const r of rest) relationshipObjects.set(r.id, r);
  }
  for (const row of relationships) {
    const object = relationshipObjects.get(row.stixId);
    if (object) objects.set(renderKeyOf(row), object);
  }
  return objects;
}
