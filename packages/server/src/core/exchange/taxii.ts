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
 * Pages are keyset pages over (date_added, kind, id) (kind: the identity, then indicators, then
 * groups at one instant), never offsets: `next` is an opaque token of the last key served, so an object added
 * or changed while a client pages is served after the cursor (again, as its new version) and none
 * is skipped.
 */
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { CairnError } from '../errors.js';
import { findImportJob, type ImportJob } from './jobs.js';
import { GROUP_KEY_COLUMNS, GROUP_TYPES_BY_STIX_TYPE, identityRowOf, INDICATOR_KEY_COLUMNS, renderTaxiiRows, stixIdOf, type TaxiiRow } from './taxii-render.js';

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
    description: `The indicators and groups of the ${owner.type.toLowerCase()} ${owner.name}, as STIX 2.1 objects.`,
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
const KIND_ORDER: Record<Kind, number> = { identity: -1, indicator: 0, group: 1 };
const TABLE: Record<TableKind, 'indicators' | 'groups'> = { indicator: 'indicators', group: 'groups' };

export interface Cursor { at: string; kind: number; id: number }

/** The opaque `next` token of a key (exported for its property test). */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.kind, cursor.id]), 'utf8').toString('base64url');
}

/** The key of a `next` token; a 400 for anything this server did not give. */
export function decodeCursor(token: string): Cursor {
  const invalid = () => new CairnError('bad-request', 'The next parameter is not a token this server gave; start again without it.', { parameter: 'next' });
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 3) throw invalid();
  const [at, kind, id] = value as unknown[];
  if (typeof at !== 'string' || at.length > 40 || (kind !== -1 && kind !== 0 && kind !== 1) || !Number.isSafeInteger(id)) throw invalid();
  return { at, kind, id: id as number };
}


/** The kinds of row `match[type]` can name, and for groups the Cairn group types. */
function kindsFor(types: readonly string[] | undefined): { identity: boolean; indicator: boolean; groupTypes: readonly string[] | 'all' | 'none' } {
  if (types === undefined) return { identity: true, indicator: true, groupTypes: 'all' };
  const groupTypes = types.flatMap((type) => GROUP_TYPES_BY_STIX_TYPE.get(type) ?? []);
  return { identity: types.includes('identity'), indicator: types.includes('indicator'), groupTypes: groupTypes.length > 0 ? groupTypes : 'none' };
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

function compareKeys(a: Cursor, b: Cursor): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.kind !== b.kind) return a.kind - b.kind;
  return a.id - b.id;
}

const keyOf = (row: TaxiiRow): Cursor => ({ at: row.last_modified, kind: KIND_ORDER[row.kind], id: row.id });
const compareRows = (a: TaxiiRow, b: TaxiiRow) => compareKeys(keyOf(a), keyOf(b));

/** The owner's identity when the query takes it (its one version dated IDENTITY_TIME). */
function identityIfMatching(owner: TaxiiOwner, query: ObjectQuery, cursor: Cursor | undefined): TaxiiRow[] {
  const row = identityRowOf(owner.name);
  if (cursor !== undefined && compareKeys(keyOf(row), cursor) <= 0) return [];
  if (query.addedAfter !== undefined && !(row.last_modified > query.addedAfter)) return [];
  if (query.versions.kind === 'at' && !query.versions.times.includes(row.last_modified)) return [];
  return [row];
}

/**
 * Rows by STIX id (`<owner id>:<stix id>` → kind and row id), remembered from the pages served and
 * the ids resolved, so that reading an object a listing showed finds it without a scan. A hit is
 * checked against the row (the id computed again), so a renamed owner or a deleted row is never
 * served from here.
 */
const ROWS_BY_STIX_ID = new LRUCache<string, { kind: 'indicator' | 'group'; id: number }>({ max: 50_000 });

function entryOf(row: TaxiiRow, ownerId: number): TaxiiEntry {
  const id = stixIdOf(row);
  if (row.kind !== 'identity') ROWS_BY_STIX_ID.set(`${ownerId}:${id}`, { kind: row.kind, id: row.id });
  return { row, id, dateAdded: row.last_modified, version: row.last_modified };
}

/**
 * The rows the STIX ids name in the owner's collection. An id is derived from the row (a uuid v5
 * of its identity, or a group's own STIX xid), so a group is found by its xid first and otherwise
 * the owner's rows of the id's type are read (their identity columns only) and their ids compared.
 */
export async function resolveStixIds(db: Kysely<any>, owner: TaxiiOwner, ids: readonly string[]): Promise<{ identity: boolean; indicator: number[]; group: number[] }> {
  const found = { identity: false, indicator: [] as number[], group: [] as number[] };
  const wanted = new Set(ids.filter((id) => /^[a-z0-9-]+--[0-9a-f-]{36}$/.test(id)));
  const identityId = stixIdOf(identityRowOf(owner.name));
  if (wanted.delete(identityId)) found.identity = true;
  if (wanted.size === 0) return found;
  // Ids remembered from pages served: each checked against its row.
  const remembered = [...wanted].flatMap((stixId) => {
    const hit = ROWS_BY_STIX_ID.get(`${owner.id}:${stixId}`);
    return hit ? [{ stixId, ...hit }] : [];
  });
  for (const kind of ['indicator', 'group'] as const) {
    const ids = remembered.filter((r) => r.kind === kind).map((r) => r.id);
    if (ids.length === 0) continue;
    let select = db.selectFrom(TABLE[kind]).select([...(kind === 'indicator' ? INDICATOR_KEY_COLUMNS : GROUP_KEY_COLUMNS)]).where('owner_id', '=', owner.id).where('id', 'in', ids);
    if (kind === 'indicator') select = select.where('active', '=', 1);
    for (const row of await select.execute()) {
      const candidate = { kind, ownerName: owner.name, ...(row as Record<string, unknown>) } as TaxiiRow;
      const stixId = stixIdOf(candidate);
      if (wanted.delete(stixId)) found[kind].push(candidate.id);
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
  return found;
}

/** One page of the collection's objects (or manifest records) matching the query. */
export async function listCollectionObjects(db: Kysely<any>, owner: TaxiiOwner, query: ObjectQuery): Promise<ObjectPage> {
  const empty: ObjectPage = { entries: [], more: false };
  if (query.specVersions !== undefined && !query.specVersions.includes('2.1')) return empty;
  const cursor = query.next === undefined ? undefined : decodeCursor(query.next);
  const kinds = kindsFor(query.types);
  let rowIds: { identity: boolean; indicator: number[]; group: number[] } | undefined;
  if (query.ids !== undefined) {
    rowIds = await resolveStixIds(db, owner, query.ids);
    if (!rowIds.identity && rowIds.indicator.length === 0 && rowIds.group.length === 0) return empty;
  }
  // One more than the page: whether there is more.
  const take = query.limit + 1;
  const rows: TaxiiRow[] = [];
  if (kinds.identity && (rowIds === undefined || rowIds.identity)) rows.push(...identityIfMatching(owner, query, cursor));
  if (kinds.indicator && (rowIds === undefined || rowIds.indicator.length > 0)) {
    rows.push(...await readRows(db, 'indicator', owner, query, cursor, take, 'all', rowIds?.indicator));
  }
  if (kinds.groupTypes !== 'none' && (rowIds === undefined || rowIds.group.length > 0)) {
    rows.push(...await readRows(db, 'group', owner, query, cursor, take, kinds.groupTypes, rowIds?.group));
  }
  rows.sort(compareRows);
  const page = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  const last = page[page.length - 1];
  return {
    entries: page.map((row) => entryOf(row, owner.id)),
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
    const object = objects.get(`${e.row.kind}:${e.row.id}`);
    return object ? [object] : [];
  });
}

/** The import job behind a TAXII status id, among the owners the caller may read; undefined: not found. */
export async function findTaxiiStatusJob(db: Kysely<any>, statusId: string, ownerIds: readonly number[]): Promise<ImportJob | undefined> {
  if (!/^\d{1,15}$/.test(statusId)) return undefined;
  const job = await findImportJob(db, Number(statusId), ownerIds);
  return job?.origin === 'taxii' ? job : undefined;
}
