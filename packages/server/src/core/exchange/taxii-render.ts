/**
 * The rows a TAXII collection pages over, and their STIX 2.1 form. The objects, their ids and
 * the mapping of Cairn types to STIX types are core/exchange/stix's (render.ts, rows.ts): a
 * collection serves what `cairn export --format stix` writes, under the same ids. A row's object
 * is its SDO; the relationships the renderer adds for its associations are not served (yet).
 */
import type { Kysely } from 'kysely';
import { GROUP_STIX_TYPES, groupStixId, identityStixId, indicatorStixId, stixGroupObjects, stixIdentityObject, stixIndicatorObjects, type StixObject } from './stix/render.js';
import { readStixGroupRows, readStixIndicatorRows } from './stix/rows.js';

/** What paging and id look-up read of an indicator or a group (its identity and its times). */
export interface IndicatorRow { kind: 'indicator'; ownerName: string; id: number; type: string; summary: string; date_added: string; last_modified: string }
export interface GroupRow { kind: 'group'; ownerName: string; id: number; type: string; xid: string; date_added: string; last_modified: string }
/** The owner itself, as the STIX identity every object names as its creator (`created_by_ref`). */
export interface IdentityRow { kind: 'identity'; ownerName: string; id: 0; date_added: string; last_modified: string }
export type TaxiiRow = IndicatorRow | GroupRow | IdentityRow;

/** The identity's one version, stixIdentityObject's STIX_EPOCH (an owner keeps no date of its own). */
export const IDENTITY_TIME = '1970-01-01T00:00:00Z';
export const identityRowOf = (ownerName: string): IdentityRow => ({ kind: 'identity', ownerName, id: 0, date_added: IDENTITY_TIME, last_modified: IDENTITY_TIME });

export const INDICATOR_KEY_COLUMNS = ['id', 'type', 'summary', 'date_added', 'last_modified'] as const;
export const GROUP_KEY_COLUMNS = ['id', 'type', 'xid', 'date_added', 'last_modified'] as const;

/** The Cairn group types each STIX type is rendered from (`indicator`: Signature groups). */
export const GROUP_TYPES_BY_STIX_TYPE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [cairn, stix] of Object.entries(GROUP_STIX_TYPES)) map.set(stix, [...(map.get(stix) ?? []), cairn]);
  return map;
})();

export function stixIdOf(row: TaxiiRow): string {
  if (row.kind === 'identity') return identityStixId(row.ownerName);
  return row.kind === 'indicator' ? indicatorStixId(row.ownerName, row.type, row.summary) : groupStixId(row.ownerName, row.type, row.xid);
}

/** The STIX objects (SDOs) of a page of the owner's rows, by `kind:id`; all rows' data read in a fixed number of statements. */
export async function renderTaxiiRows(db: Kysely<any>, owner: { id: number; name: string }, rows: readonly TaxiiRow[]): Promise<Map<string, StixObject>> {
  const indicatorIds = rows.filter((r) => r.kind === 'indicator').map((r) => r.id);
  const groupIds = rows.filter((r) => r.kind === 'group').map((r) => r.id);
  const [indicators, groups] = await Promise.all([
    readStixIndicatorRows(db, owner.id, owner.name, indicatorIds),
    readStixGroupRows(db, owner.id, owner.name, groupIds),
  ]);
  const objects = new Map<string, StixObject>();
  if (rows.some((r) => r.kind === 'identity')) objects.set('identity:0', stixIdentityObject(owner.name));
  for (const row of indicators) {
    const [sdo] = stixIndicatorObjects(row);
    if (sdo) objects.set(`indicator:${row.id}`, sdo);
  }
  for (const row of groups) {
    const [sdo] = stixGroupObjects(row);
    if (sdo) objects.set(`group:${row.id}`, sdo);
  }
  return objects;
}
