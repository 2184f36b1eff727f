/**
 * TAXII 2.1 over Cairn's intelligence (surfaces/taxii renders it): one collection per owner the
 * caller may read, whose objects are the owner's indicators and groups as STIX 2.1 objects
 * (core/exchange/stix/render.ts), and the status of a TAXII POST read from its import job.
 *
 * Cairn keeps one version of an object: its `version` (STIX `modified`) is the row's
 * `last_modified`, and that version was added to the collection when it was made, so the TAXII
 * `date_added` is `last_modified` too. A client polling with `added_after` therefore sees every
 * change, and `match[version]` `first`, `last` and `all` all name that one version.
 *
 * The owner's STIX identity (the `created_by_ref` of every object) is in the collection too, as
 * its first object: its one version is dated 1970-01-01, an owner keeping no date of its own.
 *
 * The four TLP marking-definitions of STIX 2.1 (the only markings an object's
 * `object_marking_refs` names) are in every collection, used or not, each with its one version
 * dated its `created`, 2017-01-20, which is its date_added too: a client reading the collection
 * from its start has them before any object naming them, `objects/{marking id}/` finds each, and
 * `match[type]=marking-definition` lists them. They are constants: never changed, never deleted.
 *
 * The owner's associations are `relationship` objects (indicator → group, group ↔ group once,
 * indicator → indicator), the very objects render.ts writes for an export, under the same ids.
 * Their version (STIX `modified`) is render.ts's: the source's date_added. The link tables keep no
 * time, so a relationship's date_added is the later of both ends' last_modified: it is served
 * again when either end changes, and an association made later between two objects that do not
 * change is dated earlier than it was made (a client polling with `added_after` sees it once
 * either end changes, or on a full read).
 *
 * Pages are keyset pages over (date_added, kind, id…) (kind: the markings, the identity, then
 * indicators, groups, then the relationships of indicator → group, group ↔ group and indicator →
 * indicator at one instant; a relationship's id… the columns of its link row), never offsets:
 * `next` is an opaque token of the last key served, so an object added
 * or changed while a client pages is served after the cursor (again, as its new version) and none
 * is skipped.
 */
import { sql, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { CairnError } from '../errors.js';
import { findImportJob, type ImportJob } from './jobs.js';
import {
  GROUP_KEY_COLUMNS, GROUP_TYPES_BY_STIX_TYPE, identityRowOf, INDICATOR_KEY_COLUMNS, markingRowsOf, relationshipRowOf, renderKeyOf, renderTaxiiRows, stixIdOf,
  type RelationshipKind, type RelationshipRow, type TaxiiRow,
} from './taxii-render.js';

/** Objects per page when the client sets no `limit`, and the most a page holds. */
export const TAXII_DEFAULT_LIMIT = 100;
export const TAXII_MAX_LIMIT = 1000;
/** The one STIX version the collections hold, and their media type. */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

export interface TaxiiOwner { id: number; name: string; type: string; uuid: string }

export interface TaxiiCollection {
  owner: TaxiiOwner;
  /** The owner's uuid: stable for the owner's life. */
  id: string;
  title: string;
  description: string;
  canRead: true;
  canWrite: boolean;
}

export function collectionOf(owner: TaxiiOwner, writable: boolean): TaxiiCollection {
  return {
    owner,
    id: owner.uuid,
    title: owner.name,
    description: `The indicators and groups of the ${owner.type.toLowerCase()} ${owner.name} and their associations, as STIX 2.1 objects.`,
    canRead: true,
    canWrite: writable,
  };
}

/** Which versions of an object a request names (`match[version]`). */
export type VersionMatch = { kind: 'any' } | { kind: 'at'; times: readonly string[] };

export interface ObjectQuery {
  /** `added_after`: only objects whose date_added is later (stored form, to the second). */
  addedAfter?: string;
  limit: number;
  /** The `next` token of the page before. */
  next?: string;
  /** `match[type]`: STIX types; undefined for any. */
  types?: readonly string[];
  /** `match[id]`: STIX ids; undefined for any. */
  ids?: readonly string[];
  versions: VersionMatch;
  /** `match[spec_version]`: undefined for any; the collections hold 2.1 only. */
  specVersions?: readonly string[];
}

export interface TaxiiEntry {
  row: TaxiiRow;
  id: string;
  dateAdded: string;
  version: string;
}

export interface ObjectPage {
  entries: TaxiiEntry[];
  more: boolean;
  next?: string;
}

type Kind = TaxiiRow['kind'];
type TableKind = 'indicator' | 'group';
/** The kinds of the keyset, in their order at one instant (relationships by the table they come from). */
const KIND_ORDER: Record<Exclude<Kind, 'relationship'>, number> = { marking: -2, identity: -1, indicator: 0, group: 1 };
const RELATIONSHIP_ORDER: Record<RelationshipKind, number> = { 'indicator-group': 2, 'group-group': 3, 'indicator-indicator': 4 };
const RELATIONSHIP_KINDS = Object.keys(RELATIONSHIP_ORDER) as RelationshipKind[];
const TABLE: Record<TableKind, 'indicators' | 'groups'> = { indicator: 'indicators', group: 'groups' };

/** A key of the keyset: (date_added, kind, id, id2, id3); id2 and id3 are a relationship's (0 for others). */
export interface Cursor { at: string; kind: number; id: number; id2?: number; id3?: number }

/** The opaque `next` token of a key (exported for its property test). */
export function encodeCursor(cursor: Cursor): string {
  const key: unknown[] = [cursor.at, cursor.kind, cursor.id];
  if (cursor.id2 !== undefined || cursor.id3 !== undefined) key.push(cursor.id2 ?? 0, cursor.id3 ?? 0);
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key of a `next` token; a 400 for anything this server did not give. */
export function decodeCursor(token: string): Cursor {
  const invalid = () => new CairnError('bad-request', 'The next parameter is not a token this server gave; start again without it.', { parameter: 'next' });
  if (token.length > 300 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || (value.length !== 3 && value.length !== 5)) throw invalid();
  const [at, kind, id, id2, id3] = value as unknown[];
  if (typeof at !== 'string' || at.length > 40 || typeof kind !== 'number' || !Number.isInteger(kind) || kind < -2 || kind > 4 || !Number.isSafeInteger(id)) throw invalid();
  if (value.length === 3) return { at, kind, id: id as number };
  if (!Number.isSafeInteger(id2) || !Number.isSafeInteger(id3)) throw invalid();
  return { at, kind, id: id as number, id2: id2 as number, id3: id3 as number };
}

/** What `match[type]` takes of the collection, and for groups the Cairn group types. */
interface Kinds { identity: boolean; marking: boolean; indicator: boolean; relationship: boolean; groupTypes: readonly string[] | 'all' | 'none' }

function kindsFor(types: readonly string[] | undefined): Kinds {
  if (types === undefined) return { identity: true, marking: true, indicator: true, relationship: true, groupTypes: 'all' };
  const groupTypes = types.flatMap((type) => GROUP_TYPES_BY_STIX_TYPE.get(type) ?? []);
  return {
    identity: types.includes('identity'), marking: types.includes('marking-definition'), indicator: types.includes('indicator'),
    relationship: types.includes('relationship'), groupTypes: groupTypes.length > 0 ? groupTypes : 'none',
  };
}

/**
 * The rows of `kind` in the owner's collection after the cursor, in key order (at most `limit`).
 * `rowIds`: only these rows (resolved from `match[id]`).
 */
async function readRows(db: Kysely<any>, kind: TableKind, owner: TaxiiOwner, query: ObjectQuery, cursor: Cursor | undefined, limit: number, groupTypes: readonly string[] | 'all', rowIds: readonly number[] | undefined): Promise<TaxiiRow[]> {
  const columns = kind === 'indicator' ? INDICATOR_KEY_COLUMNS : GROUP_KEY_COLUMNS;
  let select = db.selectFrom(TABLE[kind]).select([...columns]).where('owner_id', '=', owner.id);
  // Active indicators, as every indicator list and export holds.
  if (kind === 'indicator') select = select.where('active', '=', 1);
  if (kind === 'group' && groupTypes !== 'all') select = select.where('type', 'in', [...groupTypes]);
  if (rowIds !== undefined) select = select.where('id', 'in', [...rowIds]);
  if (query.addedAfter !== undefined) select = select.where('last_modified', '>', query.addedAfter);
  if (query.versions.kind === 'at') select = select.where('last_modified', 'in', [...query.versions.times]);
  if (cursor !== undefined) {
    const order = KIND_ORDER[kind];
    // (last_modified, kind, id) > cursor, this table's kind fixed.
    if (order > cursor.kind) select = select.where('last_modified', '>=', cursor.at);
    else if (order < cursor.kind) select = select.where('last_modified', '>', cursor.at);
    else select = select.where((eb) => eb.or([eb('last_modified', '>', cursor.at), eb.and([eb('last_modified', '=', cursor.at), eb('id', '>', cursor.id)])]));
  }
  const rows = await select.orderBy('last_modified').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ kind, ownerName: owner.name, ...(row as Record<string, unknown>) }) as TaxiiRow);
}

/** A relationship's key: (id, id2, id3) of its link row. */
export interface RelationshipKey { relKind: RelationshipKind; id: number; id2: number; id3: number }

/**
 * The owner's associations of one table, each with both ends (both the owner's; indicators
 * active), as a select whose `at` is the later of both ends' last_modified.
 */
function relationshipSelect(db: Kysely<any>, relKind: RelationshipKind, owner: TaxiiOwner) {
  const [link, aTable, bTable, aColumn, bColumn] = relKind === 'indicator-group'
    ? ['indicator_groups', 'indicators', 'groups', 'indicator_id', 'group_id'] as const
    : relKind === 'group-group'
      ? ['group_groups', 'groups', 'groups', 'group_id', 'associated_group_id'] as const
      : ['indicator_indicators', 'indicators', 'indicators', 'indicator_id', 'associated_indicator_id'] as const;
  const aKey = aTable === 'indicators' ? 'a.summary' : 'a.xid';
  const bKey = bTable === 'indicators' ? 'b.summary' : 'b.xid';
  let select = db.selectFrom(`${link} as l`)
    .innerJoin(`${aTable} as a`, 'a.id', `l.${aColumn}`)
    .innerJoin(`${bTable} as b`, 'b.id', `l.${bColumn}`)
    .select([
      'a.id as a_id', 'a.type as a_type', `${aKey} as a_key`, 'a.date_added as a_added', 'a.last_modified as a_lm',
      'b.id as b_id', 'b.type as b_type', `${bKey} as b_key`, 'b.date_added as b_added', 'b.last_modified as b_lm',
      relKind === 'indicator-indicator' ? 'l.association_type_id as c_id' : sql<number>`0`.as('c_id'),
    ])
    .where('a.owner_id', '=', owner.id).where('b.owner_id', '=', owner.id);
  if (aTable === 'indicators') select = select.where('a.active', '=', 1);
  if (bTable === 'indicators') select = select.where('b.active', '=', 1);
  // A group ↔ group pair is stored both ways: read once, the lower id first.
  if (relKind === 'group-group') select = select.whereRef('l.group_id', '<', 'l.associated_group_id');
  const thirdColumn = relKind === 'indicator-indicator' ? sql.ref('l.association_type_id') : sql`0`;
  const at = sql<string>`case when ${sql.ref('a.last_modified')} > ${sql.ref('b.last_modified')} then ${sql.ref('a.last_modified')} else ${sql.ref('b.last_modified')} end`;
  return { select, at, third: thirdColumn };
}

function relationshipOf(owner: TaxiiOwner, relKind: RelationshipKind, row: Record<string, unknown>): RelationshipRow | undefined {
  const end = (p: 'a' | 'b') => ({ id: Number(row[`${p}_id`]), type: String(row[`${p}_type`]), key: String(row[`${p}_key`]), date_added: String(row[`${p}_added`]), last_modified: String(row[`${p}_lm`]) });
  return relationshipRowOf(owner.name, relKind, end('a'), end('b'), Number(row.c_id));
}

/** The relationships of one table after the cursor, in key order (at most `limit`); `keys`: only these. */
async function readRelationships(db: Kysely<any>, relKind: RelationshipKind, owner: TaxiiOwner, query: ObjectQuery, cursor: Cursor | undefined, limit: number, keys: readonly RelationshipKey[] | undefined): Promise<TaxiiRow[]> {
  const built = relationshipSelect(db, relKind, owner);
  const { at, third } = built;
  let select = built.select;
  if (keys !== undefined) {
    const mine = keys.filter((k) => k.relKind === relKind);
    if (mine.length === 0) return [];
    select = select.where((eb) => eb.or(mine.map((k) => eb.and([eb('a.id', '=', k.id), eb('b.id', '=', k.id2), eb(third, '=', k.id3)]))));
  }
  if (query.addedAfter !== undefined) select = select.where(at, '>', query.addedAfter);
  // The version is the source's date_added (a group ↔ group's source is known after reading: both ends are let through, then checked).
  if (query.versions.kind === 'at') {
    const times = [...query.versions.times];
    select = relKind === 'group-group'
      ? select.where((eb) => eb.or([eb('a.date_added', 'in', times), eb('b.date_added', 'in', times)]))
      : select.where('a.date_added', 'in', times);
  }
  if (cursor !== undefined) {
    const order = RELATIONSHIP_ORDER[relKind];
    if (order > cursor.kind) select = select.where(at, '>=', cursor.at);
    else if (order < cursor.kind) select = select.where(at, '>', cursor.at);
    else {
      const id2 = cursor.id2 ?? 0;
      const id3 = cursor.id3 ?? 0;
      select = select.where((eb) => eb.or([
        eb(at, '>', cursor.at),
        eb.and([eb(at, '=', cursor.at), eb.or([
          eb('a.id', '>', cursor.id),
          eb.and([eb('a.id', '=', cursor.id), eb.or([eb('b.id', '>', id2), eb.and([eb('b.id', '=', id2), eb(third, '>', id3)])])]),
        ])]),
      ]));
    }
  }
  select = select.orderBy(at).orderBy('a.id').orderBy('b.id');
  // (A constant in ORDER BY would name a column position: the third key is ordered only where it is a column.)
  if (relKind === 'indicator-indicator') select = select.orderBy('l.association_type_id');
  const rows = await select.limit(limit).execute();
  return rows.flatMap((row) => relationshipOf(owner, relKind, row as Record<string, unknown>) ?? []);
}

function compareKeys(a: Cursor, b: Cursor): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.kind !== b.kind) return a.kind - b.kind;
  return a.id - b.id || (a.id2 ?? 0) - (b.id2 ?? 0) || (a.id3 ?? 0) - (b.id3 ?? 0);
}

const keyOf = (row: TaxiiRow): Cursor => (row.kind === 'relationship'
  ? { at: row.last_modified, kind: RELATIONSHIP_ORDER[row.relKind], id: row.id, id2: row.id2, id3: row.id3 }
  : { at: row.last_modified, kind: KIND_ORDER[row.kind], id: row.id });
const compareRows = (a: TaxiiRow, b: TaxiiRow) => compareKeys(keyOf(a), keyOf(b));
/** A row's version (STIX `modified`, stored form): a relationship's is its source's date_added. */
const versionOf = (row: TaxiiRow) => (row.kind === 'relationship' ? row.version : row.last_modified);

/** The fixed rows (the owner's identity, the TLP markings) the query takes. */
function fixedRowsIfMatching(rows: readonly TaxiiRow[], query: ObjectQuery, cursor: Cursor | undefined): TaxiiRow[] {
  return rows.filter((row) => {
    if (cursor !== undefined && compareKeys(keyOf(row), cursor) <= 0) return false;
    if (query.addedAfter !== undefined && !(row.last_modified > query.addedAfter)) return false;
    if (query.versions.kind === 'at' && !query.versions.times.includes(row.last_modified)) return false;
    return true;
  });
}

type Remembered = { kind: TableKind; id: number } | ({ kind: 'relationship' } & RelationshipKey);

/**
 * Rows by STIX id (`<owner id>:<stix id>` → kind and row key), remembered from the pages served and
 * the ids resolved, so that reading an object a listing showed finds it without a scan. A hit is
 * checked against the row (the id computed again), so a renamed owner or a deleted row is never
 * served from here.
 */
const ROWS_BY_STIX_ID = new LRUCache<string, Remembered>({ max: 50_000 });

function entryOf(row: TaxiiRow, ownerId: number): TaxiiEntry {
  const id = stixIdOf(row);
  if (row.kind === 'indicator' || row.kind === 'group') ROWS_BY_STIX_ID.set(`${ownerId}:${id}`, { kind: row.kind, id: row.id });
  if (row.kind === 'relationship') ROWS_BY_STIX_ID.set(`${ownerId}:${id}`, { kind: 'relationship', relKind: row.relKind, id: row.id, id2: row.id2, id3: row.id3 });
  return { row, id, dateAdded: row.last_modified, version: versionOf(row) };
}

/** What STIX ids name in the owner's collection. */
export interface ResolvedIds { identity: boolean; markings: number[]; indicator: number[]; group: number[]; relationship: RelationshipKey[] }

const isEmpty = (found: ResolvedIds) => !found.identity && found.markings.length === 0 && found.indicator.length === 0 && found.group.length === 0 && found.relationship.length === 0;

/**
 * The rows the STIX ids name in the owner's collection. An id is derived from the row (a uuid v5
 * of its identity, or a group's own STIX xid), so a group is found by its xid first and otherwise
 * the owner's rows of the id's type are read (their identity columns only) and their ids compared;
 * a relationship's id (a uuid v5 of its ends' ids) likewise, over the owner's associations.
 */
export async function resolveStixIds(db: Kysely<any>, owner: TaxiiOwner, ids: readonly string[]): Promise<ResolvedIds> {
  const found: ResolvedIds = { identity: false, markings: [], indicator: [], group: [], relationship: [] };
  const wanted = new Set(ids.filter((id) => /^[a-z0-9-]+--[0-9a-f-]{36}$/.test(id)));
  const identityId = stixIdOf(identityRowOf(owner.name));
  if (wanted.delete(identityId)) found.identity = true;
  for (const marking of markingRowsOf(owner.name)) if (wanted.delete(stixIdOf(marking))) found.markings.push(marking.id);
  if (wanted.size === 0) return found;
  // Ids remembered from pages served: each checked against its row.
  const remembered = [...wanted].flatMap((stixId) => {
    const hit = ROWS_BY_STIX_ID.get(`${owner.id}:${stixId}`);
    return hit ? [{ stixId, hit }] : [];
  });
  for (const kind of ['indicator', 'group'] as const) {
    const ids = remembered.flatMap((r) => (r.hit.kind === kind ? [r.hit.id] : []));
    if (ids.length === 0) continue;
    let select = db.selectFrom(TABLE[kind]).select([...(kind === 'indicator' ? INDICATOR_KEY_COLUMNS : GROUP_KEY_COLUMNS)]).where('owner_id', '=', owner.id).where('id', 'in', ids);
    if (kind === 'indicator') select = select.where('active', '=', 1);
    for (const row of await select.execute()) {
      const candidate = { kind, ownerName: owner.name, ...(row as Record<string, unknown>) } as TaxiiRow;
      const stixId = stixIdOf(candidate);
      if (wanted.delete(stixId)) found[kind].push(candidate.id);
    }
  }
  const rememberedRelationships = remembered.flatMap((r) => (r.hit.kind === 'relationship' ? [r.hit] : []));
  if (rememberedRelationships.length > 0) {
    for (const relKind of RELATIONSHIP_KINDS) {
      const rows = await readRelationships(db, relKind, owner, { limit: 0, versions: { kind: 'any' } }, undefined, rememberedRelationships.length, rememberedRelationships);
      for (const row of rows) if (row.kind === 'relationship' && wanted.delete(row.stixId)) found.relationship.push({ relKind, id: row.id, id2: row.id2, id3: row.id3 });
    }
  }
  if (wanted.size === 0) return found;
  // A group whose xid is a STIX id of its type is exported under that id.
  const byXid = await db.selectFrom('groups').select([...GROUP_KEY_COLUMNS]).where('owner_id', '=', owner.id).where('xid', 'in', [...wanted]).execute();
  for (const row of byXid) {
    const candidate = { kind: 'group', ownerName: owner.name, ...(row as Record<string, unknown>) } as TaxiiRow;
    if (stixIdOf(candidate) !== String(row.xid) || !wanted.delete(String(row.xid))) continue;
    found.group.push(candidate.id);
  }
  if (wanted.size === 0) return found;
  const types = new Set([...wanted].map((id) => id.slice(0, id.indexOf('--'))));
  if (types.has('indicator')) {
    let afterId = 0;
    for (;;) {
      const rows = await db.selectFrom('indicators').select([...INDICATOR_KEY_COLUMNS]).where('owner_id', '=', owner.id).where('active', '=', 1)
        .where('id', '>', afterId).orderBy('id').limit(5000).execute();
      for (const row of rows) {
        const candidate = { kind: 'indicator', ownerName: owner.name, ...(row as Record<string, unknown>) } as TaxiiRow;
        const stixId = stixIdOf(candidate);
        if (wanted.has(stixId)) {
          found.indicator.push(candidate.id);
          ROWS_BY_STIX_ID.set(`${owner.id}:${stixId}`, { kind: 'indicator', id: candidate.id });
        }
      }
      if (rows.length < 5000) break;
      afterId = Number(rows[rows.length - 1]!.id);
    }
  }
  const groupTypes = [...types].flatMap((type) => GROUP_TYPES_BY_STIX_TYPE.get(type) ?? []);
  if (groupTypes.length > 0 && wanted.size > 0) {
    const rows = await db.selectFrom('groups').select([...GROUP_KEY_COLUMNS]).where('owner_id', '=', owner.id).where('type', 'in', groupTypes).execute();
    for (const row of rows) {
      const candidate = { kind: 'group', ownerName: owner.name, ...(row as Record<string, unknown>) } as TaxiiRow;
      const stixId = stixIdOf(candidate);
      if (wanted.has(stixId) && !found.group.includes(candidate.id)) {
        found.group.push(candidate.id);
        ROWS_BY_STIX_ID.set(`${owner.id}:${stixId}`, { kind: 'group', id: candidate.id });
      }
    }
  }
  if (types.has('relationship')) {
    // Every association of the owner, a page at a time in key order, its id computed.
    for (const relKind of RELATIONSHIP_KINDS) {
      let cursor: Cursor | undefined;
      for (;;) {
        const rows = await readRelationships(db, relKind, owner, { limit: 0, versions: { kind: 'any' } }, cursor, 5000, undefined);
        for (const row of rows) {
          if (row.kind !== 'relationship' || !wanted.has(row.stixId)) continue;
          const key = { relKind, id: row.id, id2: row.id2, id3: row.id3 };
          if (!found.relationship.some((k) => k.relKind === relKind && k.id === key.id && k.id2 === key.id2 && k.id3 === key.id3)) found.relationship.push(key);
          ROWS_BY_STIX_ID.set(`${owner.id}:${row.stixId}`, { kind: 'relationship', ...key });
        }
        if (rows.length < 5000) break;
        cursor = keyOf(rows[rows.length - 1]!);
      }
    }
  }
  return found;
}

/** One page of the collection's objects (or manifest records) matching the query. */
export async function listCollectionObjects(db: Kysely<any>, owner: TaxiiOwner, query: ObjectQuery): Promise<ObjectPage> {
  const empty: ObjectPage = { entries: [], more: false };
  if (query.specVersions !== undefined && !query.specVersions.includes('2.1')) return empty;
  const cursor = query.next === undefined ? undefined : decodeCursor(query.next);
  const kinds = kindsFor(query.types);
  let rowIds: ResolvedIds | undefined;
  if (query.ids !== undefined) {
    rowIds = await resolveStixIds(db, owner, query.ids);
    if (isEmpty(rowIds)) return empty;
  }
  // One more than the page: whether there is more.
  const take = query.limit + 1;
  const rows: TaxiiRow[] = [];
  if (kinds.identity && (rowIds === undefined || rowIds.identity)) rows.push(...fixedRowsIfMatching([identityRowOf(owner.name)], query, cursor));
  if (kinds.marking && (rowIds === undefined || rowIds.markings.length > 0)) {
    rows.push(...fixedRowsIfMatching(markingRowsOf(owner.name).filter((m) => rowIds === undefined || rowIds.markings.includes(m.id)), query, cursor));
  }
  if (kinds.indicator && (rowIds === undefined || rowIds.indicator.length > 0)) {
    rows.push(...await readRows(db, 'indicator', owner, query, cursor, take, 'all', rowIds?.indicator));
  }
  if (kinds.groupTypes !== 'none' && (rowIds === undefined || rowIds.group.length > 0)) {
    rows.push(...await readRows(db, 'group', owner, query, cursor, take, kinds.groupTypes, rowIds?.group));
  }
  if (kinds.relationship && (rowIds === undefined || rowIds.relationship.length > 0)) {
    for (const relKind of RELATIONSHIP_KINDS) rows.push(...await readRelationships(db, relKind, owner, query, cursor, take, rowIds?.relationship));
  }
  rows.sort(compareRows);
  const page = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  const last = page[page.length - 1];
  // A group ↔ group relationship read for either end's date is kept only when its source's matches.
  const served = query.versions.kind === 'at' ? page.filter((row) => (query.versions as { times: readonly string[] }).times.includes(versionOf(row))) : page;
  return {
    entries: served.map((row) => entryOf(row, owner.id)),
    more,
    ...(more && last ? { next: encodeCursor(keyOf(last)) } : {}),
  };
}

/** The one object `id` of the collection, or undefined when the collection has no such object. */
export async function findCollectionObject(db: Kysely<any>, owner: TaxiiOwner, id: string): Promise<TaxiiEntry | undefined> {
  const page = await listCollectionObjects(db, owner, { ids: [id], limit: 1, versions: { kind: 'any' } });
  return page.entries[0];
}

/** The STIX objects of a page's entries, in the page's order. */
export async function renderEntries(db: Kysely<any>, owner: TaxiiOwner, entries: readonly TaxiiEntry[]): Promise<Record<string, unknown>[]> {
  if (entries.length === 0) return [];
  const objects = await renderTaxiiRows(db, owner, entries.map((e) => e.row));
  return entries.flatMap((e): Record<string, unknown>[] => {
    const object = objects.get(renderKeyOf(e.row));
    return object ? [object] : [];
  });
}

/** The import job behind a TAXII status id, among the owners the caller may read; undefined: not found. */
export async function findTaxiiStatusJob(db: Kysely<any>, statusId: string, ownerIds: readonly number[]): Promise<ImportJob | undefined> {
  if (!/^\d{1,15}$/.test(statusId)) return undefined;
  const job = await findImportJob(db, Number(statusId), ownerIds);
  return job?.origin === 'taxii' ? job : undefined;
}
